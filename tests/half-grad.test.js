// Half-precision gradients (gradDtype, #26) on every backend: the gradient is
// the float32 call's, rounded to nearest even into float16 or bfloat16 bits
// (checked against an independent reference, and the rounding itself against
// PyTorch: tests/fixtures/narrow.json), whatever the logits' own format, for
// every function that writes a gradient of half-precision-capable logits: new,
// given (plain or k.u16) or in place, rows that span chunks, channels-first,
// and nothing written outside the gradient.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, decode, fixtures, kernel } from './helpers.js';
import { generator } from '../bench/data.js';

const HALVES = ['float16', 'bfloat16'];

/** float32 bits → half bits, rounded to nearest even, written independently of the bindings'
 *  (half.ts) and kernels' (assembly/half.ts) forms: from the value, in doubles. NaN becomes the
 *  quiet NaN of its sign. */
function narrowRef(bits, dtype) {
  const sign = bits >>> 31 ? 0x8000 : 0;
  const v = Math.abs(new Float32Array(Uint32Array.of(bits).buffer)[0]);
  const [mant, emin, expBits] = dtype === 'float16' ? [10, -14, 5] : [7, -126, 8];
  const inf = ((1 << expBits) - 1) << mant;
  if (Number.isNaN(v)) return sign | inf | (1 << (mant - 1));
  if (v === Infinity) return sign | inf;
  // v = q·2^(e − mant) with e its exponent, at least emin (subnormals share emin's scale)
  let e = v === 0 ? emin : Math.floor(Math.log2(v));
  if (2 ** e > v) e--;
  if (2 ** (e + 1) <= v) e++;
  e = Math.max(e, emin);
  const q = v * 2 ** (mant - e); // exact: a power-of-two scaling
  let n = Math.floor(q);
  const rest = q - n;
  if (rest > 0.5 || (rest === 0.5 && n % 2 === 1)) n++;
  // n = 2^(mant+1) carries into the next exponent; past the largest finite, infinity
  const encoded = n < 2 ** mant ? n : ((e - emin + 1) << mant) + (n - 2 ** mant);
  return sign | Math.min(encoded, inf);
}
const narrowAll = (f32, dtype) => Uint16Array.from(new Uint32Array(f32.buffer, f32.byteOffset, f32.length), (b) => narrowRef(b, dtype));
const isNaNBits = (h, dtype) =>
  dtype === 'float16' ? (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 : (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
const quiet = (h, dtype) => (h & (dtype === 'float16' ? 0x200 : 0x40)) !== 0;

/** Every element the same (bits), reporting the first that is not. */
function sameHalves(got, want, what) {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) assert.unreachable(`${what}: [${i}] 0x${got[i].toString(16)} vs 0x${want[i].toString(16)}`);
  }
}
/** The same bits (NaN matches NaN) in two float32 results: numbers or arrays. */
function sameFloats(got, want, what) {
  if (typeof want === 'number') {
    assert.ok(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${what}: ${got} vs ${want}`);
    return;
  }
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length),
    b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) assert.unreachable(`${what}: [${i}] ${got[i]} vs ${want[i]}`);
}

// ---------------------------------------------------------------- the rounding, against PyTorch

/** Values as the gradient of a call: rows [0, −∞] with target 1 and gradOutput v give exactly [v, −v]. */
function asGradient(k, values, opts) {
  const R = values.length,
    x = new Float32Array(2 * R);
  for (let r = 0; r < R; r++) x[2 * r + 1] = -Infinity;
  return k.crossEntropyBackward(x, new Int32Array(R).fill(1), 2, { reduction: 'none', gradOutput: values, ...opts });
}

test('the reference rounding is torch.Tensor.to(float16 / bfloat16), NaN aside', () => {
  for (const c of fixtures('narrow.json')) {
    const values = decode(c.values);
    for (const dtype of HALVES) {
      const want = decode(c[dtype]),
        got = narrowAll(values, dtype);
      for (let i = 0; i < values.length; i++) {
        if (Number.isNaN(values[i])) assert.ok(isNaNBits(want[i], dtype) && isNaNBits(got[i], dtype), `${c.name} ${dtype}: [${i}] NaN`);
        else if (got[i] !== want[i])
          assert.unreachable(`${c.name} ${dtype}: ${values[i]} → 0x${got[i].toString(16)}, torch 0x${want[i].toString(16)}`);
      }
    }
  }
});

for (const backend of BACKENDS) {
  test(`${backend} · a gradient rounds as torch does (tests/fixtures/narrow.json): plain and k.u16, NaN quiet`, async () => {
    const k = await kernel(backend);
    for (const c of fixtures('narrow.json')) {
      const values = decode(c.values);
      assert.is(asGradient(k, values).length, 2 * values.length);
      // the route carries every finite nonzero value exactly; ±0, ±∞ and NaN may come out as
      // another of them (∞·0 in a kernel's arithmetic): those are held to the values they became
      const float = asGradient(k, values);
      values.forEach((v, i) => Number.isFinite(v) && v && assert.ok(Object.is(float[2 * i], v), `${c.name}: the float32 gradient [${i}]`));
      const carried = values.map((v, i) => Object.is(float[2 * i], v) || (Number.isNaN(v) && Number.isNaN(float[2 * i])));
      for (const gradDtype of HALVES) {
        const want = decode(c[gradDtype]);
        const view = k.u16(2 * values.length);
        for (const [where, got] of [
          ['new', asGradient(k, values, { gradDtype })],
          ['k.u16', asGradient(k, values, { gradDtype, out: view })],
        ]) {
          assert.ok(got instanceof Uint16Array, `${where}: a Uint16Array`);
          for (let i = 0; i < values.length; i++) {
            const h = got[2 * i];
            if (!carried[i])
              assert.is(h, narrowRef(new Uint32Array(float.buffer)[2 * i], gradDtype), `${c.name} ${gradDtype} ${where}: [${i}]`);
            else if (Number.isNaN(values[i]))
              assert.ok(isNaNBits(h, gradDtype) && quiet(h, gradDtype), `${c.name} ${gradDtype} ${where}: [${i}] a quiet NaN`);
            else if (h !== want[i])
              assert.unreachable(`${c.name} ${gradDtype} ${where}: ${values[i]} → 0x${h.toString(16)}, torch 0x${want[i].toString(16)}`);
          }
        }
        k.free(view);
      }
    }
  });
}

// ---------------------------------------------------------------- every function: the float32 call's gradient, rounded

/** n floats: mostly in [−6, 6), some tiny (subnormal halves), a −∞ and a NaN now and then. */
function floats(n, seed) {
  const next = generator(seed);
  return Float32Array.from({ length: n }, () => {
    const u = next(),
      v = next() * 12 - 6;
    return u < 0.002 ? -Infinity : u < 0.003 ? NaN : u < 0.1 ? v * 1e-6 : v;
  });
}
/** Logits in a format: a Float32Array, or half bits (with their exact float32 values for reading back). */
function logitsIn(format, n, seed) {
  const x = floats(n, seed);
  if (format === 'float32') return { x, d: {} };
  return { x: narrowAll(x, format), d: { dtype: format } };
}

/** Each function that writes a gradient of logits: its name, the option its gradient goes in, and the call on logits x with opts added. */
function gradientCalls(k, C, R, d) {
  const n = R * C,
    teacher = floats(n, 11),
    q = k.softmax(floats(n, 12), C),
    t = Int32Array.from({ length: R }, (_, r) => (r % 5 === 3 ? -100 : (r * 7) % C)),
    g = floats(R, 13);
  return [
    ['crossEntropyWithGrad softcap zLoss', 'grad', (x, o) => k.crossEntropyWithGrad(x, t, C, { ...d, softcap: 5, zLoss: 1e-3, ...o })],
    [
      'crossEntropyBackward probabilities smoothed none',
      'out',
      (x, o) => k.crossEntropyBackward(x, q, C, { ...d, labelSmoothing: 0.1, reduction: 'none', gradOutput: g, ...o }),
    ],
    [
      'distillationLossWithGrad jsd T=2',
      'grad',
      (x, o) => k.distillationLossWithGrad(x, teacher, C, { ...d, divergence: 'jsd', temperature: 2, ...o }),
    ],
    [
      'distillationLossBackward target sum',
      'out',
      (x, o) => k.distillationLossBackward(x, teacher, C, { ...d, target: t, reduction: 'sum', ...o }),
    ],
  ];
}
const gradOf = (result) => (ArrayBuffer.isView(result) ? result : result.grad);

const SHAPES = [
  [1, 6],
  [3, 5],
  [17, 9],
  [1000, 5],
  [1001, 40], // 40 040 logits: rows in several chunks
  [32000, 3],
];

for (const backend of BACKENDS) {
  for (const [C, R] of SHAPES) {
    test(`${backend} · ${R}×${C}: each gradient in half precision is the float32 one rounded (new, given, k.u16, in place)`, async () => {
      const k = await kernel(backend);
      for (const format of ['float32', ...HALVES]) {
        const { x, d } = logitsIn(format, R * C, C + R);
        for (const [name, key, call] of gradientCalls(k, C, R, d)) {
          const float = call(x, {});
          const f32 = gradOf(float);
          for (const gradDtype of HALVES) {
            const want = narrowAll(f32, gradDtype),
              what = `${name}, ${format} logits, ${gradDtype} gradient`;
            const fresh = call(x, { gradDtype });
            sameHalves(gradOf(fresh), want, `${what} (new)`);
            if (!ArrayBuffer.isView(float)) sameFloats(fresh.loss, float.loss, `${what}: loss`);
            const given = new Uint16Array(R * C);
            assert.is(gradOf(call(x, { gradDtype, [key]: given })), given, `${what}: the given array back`);
            sameHalves(given, want, `${what} (given)`);
            const view = k.u16(R * C);
            assert.is(gradOf(call(x, { gradDtype, [key]: view })), view);
            sameHalves(view, want, `${what} (k.u16)`);
            if (format === gradDtype) {
              for (const [where, a] of [
                ['plain', Uint16Array.from(x)],
                ['k.u16', view],
              ]) {
                a.set(x);
                assert.is(gradOf(call(a, { gradDtype, [key]: a })), a);
                sameHalves(a, want, `${what} (in place, ${where})`);
              }
            }
            k.free(view);
          }
        }
      }
    });
  }
}

for (const backend of BACKENDS) {
  test(`${backend} · channels-first: the gradient laid back out and rounded, short and long runs, in place`, async () => {
    const k = await kernel(backend);
    for (const [N, C, S] of [
      [2, 5, 4],
      [2, 3, 100],
    ]) {
      for (const format of ['float32', ...HALVES]) {
        const { x, d } = logitsIn(format, N * C * S, S);
        const t = Int32Array.from({ length: N * S }, (_, r) => r % C);
        const call = (x, o) => k.crossEntropyWithGrad(x, t, C, { ...d, spatial: S, zLoss: 1e-3, ...o }).grad;
        const f32 = call(x, {});
        for (const gradDtype of HALVES) {
          const what = `N=${N} C=${C} S=${S}, ${format} logits, ${gradDtype} gradient`;
          sameHalves(call(x, { gradDtype }), narrowAll(f32, gradDtype), what);
          const view = k.u16(x.length);
          sameHalves(call(x, { gradDtype, grad: view }), narrowAll(f32, gradDtype), `${what} (k.u16)`);
          if (format === gradDtype) {
            view.set(x);
            sameHalves(call(view, { gradDtype, grad: view }), narrowAll(f32, gradDtype), `${what} (in place)`);
          }
          k.free(view);
        }
      }
    }
  });

  test(`${backend} · a half gradient writes its own elements only (canaries either side, plain and k.u16)`, async () => {
    const k = await kernel(backend);
    const C = 1001,
      R = 20,
      n = R * C,
      { x } = logitsIn('float32', n, 5),
      t = Int32Array.from({ length: R }, (_, r) => r % C);
    const f32 = k.crossEntropyWithGrad(x, t, C).grad;
    for (const gradDtype of HALVES) {
      const plain = new Uint16Array(n + 16),
        view = k.u16(n + 16);
      for (const whole of [plain, view]) {
        whole.fill(0xdead);
        const grad = whole.subarray(8, 8 + n);
        k.crossEntropyWithGrad(x, t, C, { gradDtype, grad });
        sameHalves(grad, narrowAll(f32, gradDtype), `${gradDtype} gradient`);
        for (const i of [0, 1, 2, 3, 4, 5, 6, 7, n + 8, n + 9, n + 10, n + 11, n + 12, n + 13, n + 14, n + 15]) {
          assert.is(whole[i], 0xdead, `${gradDtype}: canary [${i}]`);
        }
      }
      k.free(view);
    }
  });
}

if (typeof globalThis.Float16Array === 'function') {
  for (const backend of BACKENDS) {
    test(`${backend} · a Float16Array takes a float16 gradient`, async () => {
      const k = await kernel(backend);
      const x = floats(12, 3),
        t = Int32Array.of(0, 2, 1, 1);
      const grad = new Float16Array(12);
      assert.is(k.crossEntropyWithGrad(x, t, 3, { gradDtype: 'float16', grad }).grad, grad);
      sameHalves(new Uint16Array(grad.buffer), narrowAll(k.crossEntropyWithGrad(x, t, 3).grad, 'float16'), 'Float16Array');
    });
  }
}

test.run();
