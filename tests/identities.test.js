// Facts that tie the operations together, on every backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, close, kernel } from './helpers.js';

const C = 7,
  rows = 5;
const logits = Float32Array.from({ length: rows * C }, (_, i) => Math.sin(i * 1.7) * 4);
const p = Float32Array.from({ length: rows * C }, (_, i) => ((i * 37) % 11) + (i % 3 === 0 ? 0 : 1));
for (let r = 0; r < rows; r++) {
  let s = 0;
  for (let c = 0; c < C; c++) s += p[r * C + c];
  for (let c = 0; c < C; c++) p[r * C + c] /= s;
}

/**
 * rows × classes logits whose rows take each path of the shift a row's exps
 * are taken about (chosen from its first four elements, see sumExpProbed). One
 * element past them is lifted: in row 0 to ~34 (no shift: inside both ranges,
 * [−40, 80] for sums and [0, 40] for stored exps), in row 2 to ~74 (no shift
 * for a sum, redone about the max for stored exps), in row 3 to ~94 (redone
 * about the max either way); row 4 sits 60 lower, with the max 34 above its
 * first elements (shifted about them). Row 1 has one element at −86.9, which
 * only an exp taken with no shift keeps (e^−86.9 is a normal float): a shift
 * chosen differently in place would show in its softmax.
 */
function shiftPaths(classes) {
  return Float32Array.from({ length: rows * classes }, (_, i) => {
    const r = Math.floor(i / classes),
      c = i % classes,
      v = Math.sin(i * 1.7) * 4;
    if (r === 4) return v - 60 + (c === 5 ? 34 : 0);
    if (r === 1 && c === 6) return -86.9;
    return v + (c === 5 ? [30, 0, 70, 90][r] : 0);
  });
}

for (const backend of BACKENDS) {
  test(`${backend} · D(p‖q) = H(p, q) − H(p), q = softmax(logits)`, async () => {
    const k = await kernel(backend);
    const logQ = k.logSoftmax(logits, C);
    const kl = k.klDiv(logQ, p, C, { reduction: 'none' });
    const crossEntropy = k.crossEntropy(logits, p, C, { reduction: 'none' });
    const entropy = k.entropy(p, C);
    for (let r = 0; r < rows; r++) {
      let klRow = 0;
      for (let c = 0; c < C; c++) klRow += kl[r * C + c];
      assert.ok(close(klRow, crossEntropy[r] - entropy[r]), `row ${r}: ${klRow} vs ${crossEntropy[r] - entropy[r]}`);
    }
  });

  test(`${backend} · distillation: forward KL = (crossEntropy with the teacher's probabilities − the teacher's entropy)·T²`, async () => {
    const k = await kernel(backend);
    const teacher = Float32Array.from(logits, (v, i) => v * 0.6 + Math.cos(i) * 2);
    for (const T of [1, 2, 4]) {
      const scaled = (x) => x.map((v) => v / T);
      const Pt = k.softmax(scaled(teacher), C);
      const ce = k.crossEntropy(scaled(logits), Pt, C, { reduction: 'none' });
      const h = k.entropy(Pt, C);
      const kl = k.distillationLoss(logits, teacher, C, { temperature: T, reduction: 'none' });
      for (let r = 0; r < rows; r++) {
        const want = (ce[r] - h[r]) * T * T;
        assert.ok(close(kl[r], want), `T=${T} row ${r}: ${kl[r]} vs ${want}`);
      }
      // WithGrad in place gives Backward's gradient and Loss's value
      const a = logits.slice();
      const both = k.distillationLossWithGrad(a, teacher, C, { temperature: T, divergence: 'jsd', grad: a });
      assert.ok(close(both.loss, k.distillationLoss(logits, teacher, C, { temperature: T, divergence: 'jsd' })));
      const g = k.distillationLossBackward(logits, teacher, C, { temperature: T, divergence: 'jsd' });
      for (let i = 0; i < g.length; i++) assert.ok(close(a[i], g[i]), `T=${T} grad[${i}]`);
    }
  });

  test(`${backend} · the seed example: crossEntropy = 1.1447`, async () => {
    const k = await kernel(backend);
    const x = new Float32Array([0.3, 0.3, 0.4, 0.3, 0.4, 0.3, 0.1, 0.2, 0.7]);
    assert.ok(Math.abs(k.crossEntropy(x, [2, 1, 0], 3) - 1.1447) < 5e-5);
  });

  test(`${backend} · crossEntropyWithGrad equals crossEntropy and crossEntropyBackward, also in place`, async () => {
    const k = await kernel(backend);
    // 7 classes (four rows per vector in the simd builds), 40 (each row its own
    // pass) and 5000 (in place, into a row the bindings lend), the rows' exps
    // taken about each kind of shift
    for (const classes of [C, 40, 5000]) {
      const x = shiftPaths(classes);
      const t = [0, 3, 6, 2, -100];
      const opts = { labelSmoothing: 0.1, weight: new Float32Array(classes).fill(0.5).map((w, i) => w + i / 10) };
      const { loss, grad } = k.crossEntropyWithGrad(x, t, classes, opts);
      assert.ok(close(loss, k.crossEntropy(x, t, classes, opts)));
      const expected = k.crossEntropyBackward(x, t, classes, opts);
      assert.equal(Array.from(grad), Array.from(expected));
      const inPlace = Float32Array.from(x);
      const r = k.crossEntropyWithGrad(inPlace, t, classes, { ...opts, grad: inPlace });
      assert.is(r.grad, inPlace);
      assert.equal(Array.from(inPlace), Array.from(expected));
      // in place the smoothing term is taken before the exps, else after: the same bits
      assert.is(r.loss, loss);
    }
  });

  test(`${backend} · probability targets: an in-place gradient gives the same bits`, async () => {
    const k = await kernel(backend);
    // 7 classes (four rows per vector in the simd builds), 40 and 5000 (row by
    // row; in place their exps are set aside, in scratch or a lent row)
    for (const classes of [C, 40, 5000]) {
      const x = shiftPaths(classes);
      const q = k.softmax(
        Float32Array.from(x, (_v, i) => Math.cos(i)),
        classes,
      );
      const opts = { labelSmoothing: 0.1, weight: new Float32Array(classes).fill(0.5).map((w, i) => w + i / 10) };
      const { loss, grad } = k.crossEntropyWithGrad(x, q, classes, opts);
      const inPlace = Float32Array.from(x);
      const r = k.crossEntropyWithGrad(inPlace, q, classes, { ...opts, grad: inPlace });
      assert.is(r.loss, loss);
      assert.equal(Array.from(inPlace), Array.from(grad));
    }
  });

  test(`${backend} · the shift costs no bits: the row max far above the elements that probe it`, async () => {
    // A row's shift is chosen from its first four elements (probe), and then
    // the row max may lie far above them, or leave the range where no shift is
    // needed; the loss and log-sum-exp must still be within an ulp or two of
    // float64, plus the ulp of 1 that a float32 sum of exps around 1 carries
    // (as PyTorch's).
    const k = await kernel(backend),
      js = await kernel('js');
    // [probe, max, level of the other elements (default max − 8)]; in the last
    // case they sink below float32's normal range unless the exps are shifted
    const cases = [
      [-40, 5],
      [-45, 5],
      [-40, -39.5],
      [-41, -30],
      [70, 79],
      [70, 85],
      [79.9, 120],
      [81, 100],
      [-70, -69, -90],
    ];
    for (const classes of [10, 100, 1000])
      for (const [probe, top, level = Math.max(probe, top - 8)] of cases) {
        const n = 16;
        const x = Float32Array.from({ length: n * classes }, (_, i) => {
          const c = i % classes;
          return c < 4 ? probe : c === classes - 1 ? top + (i % 7) * 0.037 : level + Math.sin(i * 0.7) * 2;
        });
        const t = new Int32Array(n).fill(classes - 1);
        const got = k.crossEntropy(x, t, classes, { reduction: 'none' }),
          want = js.crossEntropy(x, t, classes, { reduction: 'none' });
        const lse = k.logSumExp(x, classes),
          lseWant = js.logSumExp(x, classes);
        const ulps2 = (a, b) => Math.abs(a - b) <= 2.5e-7 * Math.abs(b) + 1.2e-7;
        for (let r = 0; r < n; r++) {
          const where = `${classes} classes, probe ${probe}, max ${top}, row ${r}`;
          assert.ok(ulps2(got[r], want[r]), `${where}: loss ${got[r]} vs ${want[r]}`);
          assert.ok(ulps2(lse[r], lseWant[r]), `${where}: lse ${lse[r]} vs ${lseWant[r]}`);
        }
      }
  });

  test(`${backend} · two rows taken in one pass each keep their own path`, async () => {
    // Rows of 16 to 4096 classes whose probes both need no shift share one pass
    // (pairSumExp in assembly/sum_exp_pair.ts); a row whose max then leaves the
    // unshifted range is taken again alone. Every ordered pair of these kinds of row sits in
    // rows (2i, 2i + 1), where a group of four pairs them: the results must be
    // each row's own, as the js backend computes them.
    const k = await kernel(backend),
      js = await kernel('js');
    const kinds = [
      (_c, v) => v, // the probe and the max inside both unshifted ranges
      (c, v) => (c === 9 ? 90 : v), // max above both: taken again
      (c, v) => (c === 9 ? 60 : v), // max above the range for stored exps only
      (_c, v) => v - 60, // probe below both: a shifted pass of its own
      (c, v) => (c === 7 ? NaN : v),
      (c, v) => (c === 2 ? -Infinity : v),
    ];
    for (const classes of [16, 100]) {
      const rows = [];
      for (const a of kinds) for (const b of kinds) rows.push(a, b);
      const x = Float32Array.from({ length: rows.length * classes }, (_, i) => {
        const c = i % classes;
        return rows[Math.floor(i / classes)](c, 1 + Math.sin(i * 1.3) * 4);
      });
      const t = Int32Array.from(rows, (_, r) => (r * 5) % classes);
      const same = (got, want, what) => {
        for (let i = 0; i < want.length; i++)
          assert.ok(close(got[i], want[i]), `${classes} classes, ${what}[${i}]: ${got[i]} vs ${want[i]}`);
      };
      same(k.logSumExp(x, classes), js.logSumExp(x, classes), 'logSumExp');
      same(k.logSoftmax(x, classes), js.logSoftmax(x, classes), 'logSoftmax');
      same(k.crossEntropy(x, t, classes, { reduction: 'none' }), js.crossEntropy(x, t, classes, { reduction: 'none' }), 'loss');
      same(k.crossEntropyWithGrad(x, t, classes).grad, js.crossEntropyWithGrad(x, t, classes).grad, 'grad');
    }
  });

  test(`${backend} · stored exps keep every normal float: softmax and gradients of tiny and huge rows`, async () => {
    // Rows whose max is negative hold elements below exp's normal range whose
    // softmax is still a normal float (e^−58 here); rows of many large logits
    // make Σ exp(x) huge. Either must not cost the stored exps their bits.
    const k = await kernel(backend),
      js = await kernel('js');
    const rel = (a, b) => Math.abs(a - b) <= 1e-6 * Math.abs(b) + 1e-45; // ~8 ulps
    const rowsOf = { 7: 8, 40: 4, 1000: 2, 128256: 1 };
    for (const [C, n] of Object.entries(rowsOf).map(([c, r]) => [Number(c), r])) {
      for (const [name, value] of [
        ['max −30, others down to −95', (c) => (c < 4 || c % 5 === 0 ? -30 - (c % 3) * 0.25 : -88 - (c % 8))],
        ['every logit near 79.5', (c) => 79.5 + Math.sin(c) * 0.3],
      ]) {
        const x = Float32Array.from({ length: n * C }, (_, i) => value(i % C));
        const t = Int32Array.from({ length: n }, (_, r) => (r * 3) % C);
        const pairs = [
          ['softmax', k.softmax(x, C), js.softmax(x, C)],
          ['gradient', k.crossEntropyWithGrad(x, t, C).grad, js.crossEntropyWithGrad(x, t, C).grad],
        ];
        for (const [what, got, want] of pairs) {
          for (let i = 0; i < got.length; i++) {
            assert.ok(rel(got[i], want[i]), `${C} classes, ${name}: ${what}[${i}] ${got[i]} vs ${want[i]}`);
          }
        }
      }
    }
  });

  test(`${backend} · softmax in place gives the same bits as out of place`, async () => {
    const k = await kernel(backend);
    for (const classes of [C, 40, 5000]) {
      const x = shiftPaths(classes);
      const expected = k.softmax(x, classes);
      const inPlace = Float32Array.from(x);
      assert.is(k.softmax(inPlace, classes, inPlace), inPlace);
      assert.equal(Array.from(inPlace), Array.from(expected));
    }
  });

  // Plain arrays stream through kernel memory a chunk of rows at a time, views
  // are used where they are: the kernels must see the same rows either way
  // (the chunks are multiples of four rows, the groups lanes.ts finishes).
  test(`${backend} · copied arrays give the same bits as views in kernel memory`, async () => {
    const k = await kernel(backend);
    // 70000 classes: a chunk's buffers no longer fit the call arena (memory.ts)
    for (const classes of [C, 100, 4096, 70000]) {
      const n = 9,
        x = Float32Array.from({ length: n * classes }, (_, i) => Math.sin(i * 0.37) * 6);
      const t = Int32Array.from({ length: n }, (_, r) => (r * 31) % classes);
      const xv = k.f32(x.length),
        tv = k.i32(n),
        gv = k.f32(x.length);
      xv.set(x);
      tv.set(t);
      const same = (a, b, what) => assert.equal(Array.from(a), Array.from(b), `${what}, ${classes} classes`);
      same(k.logSumExp(x, classes), k.logSumExp(xv, classes), 'logSumExp');
      same(k.logSoftmax(x, classes), k.logSoftmax(xv, classes), 'logSoftmax');
      same(k.crossEntropy(x, t, classes, { reduction: 'none' }), k.crossEntropy(xv, tv, classes, { reduction: 'none' }), 'crossEntropy');
      assert.is(k.crossEntropy(x, t, classes), k.crossEntropy(xv, tv, classes), `mean crossEntropy, ${classes} classes`);
      const copied = k.crossEntropyWithGrad(x, t, classes),
        viewed = k.crossEntropyWithGrad(xv, tv, classes, { grad: gv });
      assert.is(copied.loss, viewed.loss);
      same(copied.grad, viewed.grad, 'gradient');
      for (const v of [xv, tv, gv]) k.free(v);
    }
  });

  test(`${backend} · nllLoss gives the same bits from a plain array (read in JS) as from a view (the kernel)`, async () => {
    const k = await kernel(backend);
    const n = 2500,
      C = 7; // three partial blocks of 1024 rows
    const lp = Float32Array.from({ length: n * C }, (_, i) => -Math.abs(Math.sin(i * 0.61)) * 9);
    const t = Int32Array.from({ length: n }, (_, r) => (r % 13 === 4 ? -100 : (r * 5) % C));
    const weight = Float32Array.from({ length: C }, (_, c) => 0.3 + c * 0.7);
    const lpv = k.f32(lp.length);
    lpv.set(lp);
    for (const opts of [{}, { reduction: 'sum' }, { weight }, { weight, reduction: 'sum' }]) {
      assert.is(k.nllLoss(lp, t, C, opts), k.nllLoss(lpv, t, C, opts), JSON.stringify(opts));
    }
    assert.equal(
      Array.from(k.nllLoss(lp, t, C, { weight, reduction: 'none' })),
      Array.from(k.nllLoss(lpv, t, C, { weight, reduction: 'none' })),
      'per-row losses',
    );
    k.free(lpv);
  });

  test(`${backend} · a mean does not depend on how the rows were split`, async () => {
    // Plain arrays go through the kernel 64 KiB at a time (1636 rows of 10
    // classes, 408 of 40), views in one call: the float64 product of row
    // ratios that stands in for their logs is then cut at other rows.
    const k = await kernel(backend);
    for (const classes of [10, 40]) {
      const n = 4139,
        x = Float32Array.from({ length: n * classes }, (_, i) => Math.sin(i * 0.37) * 6);
      const t = Int32Array.from({ length: n }, (_, r) => (r % 13 === 5 ? -100 : (r * 31) % classes));
      const xv = k.f32(x.length),
        tv = k.i32(n);
      xv.set(x);
      tv.set(t);
      for (const opts of [{}, { labelSmoothing: 0.2 }, { reduction: 'sum' }]) {
        const where = `${classes} classes, ${JSON.stringify(opts)}`;
        const loss = k.crossEntropy(x, t, classes, opts);
        assert.is(loss, k.crossEntropy(xv, tv, classes, opts), where);
        assert.is(k.crossEntropyWithGrad(x, t, classes, opts).loss, k.crossEntropyWithGrad(xv, tv, classes, opts).loss, where);
        // and it is the rows' own losses, summed (or averaged over the kept rows)
        const rows = k.crossEntropy(x, t, classes, { ...opts, reduction: 'none' });
        const kept = t.filter((c) => c !== -100).length;
        const want = rows.reduce((a, b) => a + b, 0) / (opts.reduction === 'sum' ? 1 : kept);
        assert.ok(Math.abs(loss - want) <= 1e-6 * Math.abs(want), `${where}: ${loss} vs ${want}`);
      }
      k.free(xv);
      k.free(tv);
    }
  });

  test(`${backend} · channels-first input gives the bits of the same rows`, async () => {
    // Several pieces per sample (the wasm backends move 64 KiB of positions at
    // a time), plain arrays and kernel views, results per row and per class.
    const k = await kernel(backend);
    for (const [N, C, S] of [
      [2, 10, 5001],
      [3, 100, 301],
      [2, 7, 9],
    ]) {
      const rows = Float32Array.from({ length: N * S * C }, (_, i) => Math.sin(i * 0.37) * 6);
      const first = new Float32Array(rows.length); // (N, C, S) of the same numbers
      for (let n = 0; n < N; n++)
        for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) first[(n * C + c) * S + s] = rows[(n * S + s) * C + c];
      const t = Int32Array.from({ length: N * S }, (_, r) => (r * 7) % C);
      const view = k.f32(first.length),
        out = k.f32(first.length);
      view.set(first);
      const where = `${N}×${C}×${S}`;
      for (const x of [first, view]) {
        const asFirst = (y) =>
          Float32Array.from(first, (_, i) => {
            const n = Math.floor(i / (C * S)),
              c = Math.floor(i / S) % C,
              s = i % S;
            return y[(n * S + s) * C + c];
          });
        assert.equal(Array.from(k.logSumExp(x, C, { spatial: S })), Array.from(k.logSumExp(rows, C)), `logSumExp ${where}`);
        assert.equal(Array.from(k.softmax(x, C, { spatial: S })), Array.from(asFirst(k.softmax(rows, C))), `softmax ${where}`);
        assert.is(k.softmax(x, C, { out, spatial: S }), out);
        assert.equal(Array.from(out), Array.from(asFirst(k.softmax(rows, C))), `softmax into a view ${where}`);
        const a = k.crossEntropyWithGrad(x, t, C, { spatial: S }),
          b = k.crossEntropyWithGrad(rows, t, C);
        assert.is(a.loss, b.loss, `crossEntropyWithGrad ${where}`);
        assert.equal(Array.from(a.grad), Array.from(asFirst(b.grad)), `gradient ${where}`);
        // in place: the gradient over the logits, the softmax over its input
        const copy = () => {
          const c = x === view ? k.f32(x.length) : new Float32Array(x.length);
          c.set(x);
          return c;
        };
        const own = copy(),
          r = k.crossEntropyWithGrad(own, t, C, { spatial: S, grad: own });
        assert.is(r.grad, own);
        assert.is(r.loss, b.loss, `in place ${where}`);
        assert.equal(Array.from(own), Array.from(a.grad), `gradient in place ${where}`);
        const sm = copy();
        assert.equal(
          Array.from(k.softmax(sm, C, { out: sm, spatial: S })),
          Array.from(asFirst(k.softmax(rows, C))),
          `softmax in place ${where}`,
        );
        if (x === view) for (const v of [own, sm]) k.free(v);
      }
      k.free(view);
      k.free(out);
    }
  });

  test(`${backend} · out is written and returned, inputs are untouched`, async () => {
    const k = await kernel(backend);
    const copy = Float32Array.from(logits);
    const out = new Float32Array(rows * C);
    assert.is(k.softmax(logits, C, out), out);
    assert.is(k.logSoftmax(logits, C, { out }), out);
    const lse = new Float32Array(rows);
    assert.is(k.logSumExp(logits, C, lse), lse);
    assert.equal(Array.from(logits), Array.from(copy));
  });

  test(`${backend} · argmax ties go to the first index`, async () => {
    const k = await kernel(backend);
    assert.equal(Array.from(k.argmax(new Float32Array([1, 3, 3, 0, 2, 2, 2, 2]), 4)), [1, 0]);
  });
}

test.run();
