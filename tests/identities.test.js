// Facts that tie the operations together, on every backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, close, kernel } from './helpers.js';

const C = 7, rows = 5;
const logits = Float32Array.from({ length: rows * C }, (_, i) => Math.sin(i * 1.7) * 4);
const p = Float32Array.from({ length: rows * C }, (_, i) => ((i * 37) % 11) + (i % 3 === 0 ? 0 : 1));
for (let r = 0; r < rows; r++) {
  let s = 0;
  for (let c = 0; c < C; c++) s += p[r * C + c];
  for (let c = 0; c < C; c++) p[r * C + c] /= s;
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

  test(`${backend} · the seed example: crossEntropy = 1.1447`, async () => {
    const k = await kernel(backend);
    const x = new Float32Array([0.3, 0.3, 0.4, 0.3, 0.4, 0.3, 0.1, 0.2, 0.7]);
    assert.ok(Math.abs(k.crossEntropy(x, [2, 1, 0], 3) - 1.1447) < 5e-5);
  });

  test(`${backend} · crossEntropyWithGrad equals crossEntropy and crossEntropyBackward, also in place`, async () => {
    const k = await kernel(backend);
    // 7 classes (four rows per vector in the simd builds) and 40 (one row at a
    // time); in even rows the max lies far past the elements that probe the shift
    for (const classes of [C, 40]) {
      const far = (i) => i % classes === 5 && Math.floor(i / classes) % 2 === 0;
      const x = Float32Array.from({ length: rows * classes }, (_, i) => Math.sin(i * 1.7) * 4 + (far(i) ? 70 : 0));
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
    }
  });

  test(`${backend} · the shift costs no bits: the row max far above the elements that probe it`, async () => {
    // A row's shift is taken from its first elements (here 45 below its max);
    // the loss and log-sum-exp must still be within an ulp or two of float64,
    // plus the ulp of 1 that a float32 sum of exps around 1 carries (as PyTorch's).
    const k = await kernel(backend), js = await kernel('js');
    for (const classes of [10, 100, 1000]) {
      const n = 16;
      const x = Float32Array.from({ length: n * classes }, (_, i) => {
        const c = i % classes;
        return c < 4 ? -40 : c === classes - 1 ? 5 + (i % 7) * 0.37 : Math.sin(i * 0.7) * 2 - 3;
      });
      const t = new Int32Array(n).fill(classes - 1);
      const got = k.crossEntropy(x, t, classes, { reduction: 'none' }), want = js.crossEntropy(x, t, classes, { reduction: 'none' });
      const lse = k.logSumExp(x, classes), lseWant = js.logSumExp(x, classes);
      const ulps2 = (a, b) => Math.abs(a - b) <= 2.5e-7 * Math.abs(b) + 1.2e-7;
      for (let r = 0; r < n; r++) {
        assert.ok(ulps2(got[r], want[r]), `${classes} classes, row ${r}: loss ${got[r]} vs ${want[r]}`);
        assert.ok(ulps2(lse[r], lseWant[r]), `${classes} classes, row ${r}: lse ${lse[r]} vs ${lseWant[r]}`);
      }
    }
  });

  test(`${backend} · softmax in place gives the same bits as out of place`, async () => {
    const k = await kernel(backend);
    for (const classes of [C, 40]) {
      const far = (i) => i % classes === 5 && Math.floor(i / classes) % 2 === 0;
      const x = Float32Array.from({ length: rows * classes }, (_, i) => Math.cos(i * 0.9) * 5 + (far(i) ? 70 : 0));
      const expected = k.softmax(x, classes);
      const inPlace = Float32Array.from(x);
      assert.is(k.softmax(inPlace, classes, inPlace), inPlace);
      assert.equal(Array.from(inPlace), Array.from(expected));
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
