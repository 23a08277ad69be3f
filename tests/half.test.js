// Half-precision logits (float16, bfloat16) on every backend: each of the
// 65 536 bit patterns converts exactly (subnormals, ±0, ±∞, NaN), every
// function that takes halves gives the same bits as on a Float32Array of the
// same values (plain arrays and k.u16 views, rows that span chunks, long
// vocabularies, channels-first, either side of a distillation), and a zero-copy call needs no full-size
// float32 copy in kernel memory. tests/fixtures/half.json holds them to PyTorch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../dist/index.js';
import { BACKENDS, kernel } from './helpers.js';
import { generator } from '../bench/data.js';

const WASM = BACKENDS.filter((b) => b !== 'js');

/** A half's value, written independently of the bindings' (half.ts) and kernels' conversions. */
function value(h, dtype) {
  if (dtype === 'bfloat16') return new Float32Array(new Uint32Array([h << 16]).buffer)[0];
  const sign = h >> 15 ? -1 : 1,
    exponent = (h >> 10) & 0x1f,
    fraction = (h & 0x3ff) / 1024;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return exponent ? sign * 2 ** (exponent - 15) * (1 + fraction) : sign * 2 ** -14 * fraction;
}

/** n random halves' bits: finite (subnormals included), with −∞ now and then. */
function halves(n, dtype, seed) {
  const next = generator(seed);
  const top = dtype === 'float16' ? 0x4c00 : 0x4180; // |x| < 16 (float16), < 16 (bfloat16)
  return Uint16Array.from({ length: n }, () => {
    const u = next();
    if (u < 0.002) return dtype === 'float16' ? 0xfc00 : 0xff80;
    return Math.floor(next() * top) | (u < 0.5 ? 0x8000 : 0);
  });
}
const valuesOf = (bits, dtype) => Float32Array.from(bits, (h) => value(h, dtype));

/** The same bits, element by element, in every array of two results (NaN matches NaN). */
function sameBits(got, want, what) {
  if (typeof want === 'number') {
    assert.ok(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), `${what}: ${got} vs ${want}`);
    return;
  }
  if (!ArrayBuffer.isView(want)) {
    for (const key of Object.keys(want)) sameBits(got[key], want[key], `${what}.${key}`);
    return;
  }
  assert.is(got.constructor, want.constructor, `${what}: kind`);
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      assert.unreachable(`${what}: [${i}] ${got[i]} vs ${want[i]}`);
    }
  }
}

for (const backend of BACKENDS) {
  for (const dtype of ['float16', 'bfloat16']) {
    test(`${backend} · ${dtype}: each of the 65 536 bit patterns is its exact value (logSumExp of one class)`, async () => {
      const k = await kernel(backend);
      const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
      const want = valuesOf(bits, dtype);
      want[0x8000] = 0; // log Σ exp of one −0 is −0 + log 1 = +0
      sameBits(k.logSumExp(bits, 1, { dtype }), want, 'plain');
      const view = k.u16(bits.length);
      view.set(bits);
      sameBits(k.logSumExp(view, 1, { dtype }), want, 'k.u16');
      k.free(view);
    });
  }
}

/** Every function that takes halves, on logits x (halves, or their float32 values) and opts' dtype. */
function calls(k, x, t, C, dtype) {
  const d = dtype ? { dtype } : {};
  const R = x.length / C;
  const q = k.softmax(
    Float32Array.from({ length: x.length }, (_, i) => Math.sin(i)),
    C,
  );
  return [
    ['logSumExp', () => k.logSumExp(x, C, { ...d })],
    ['softmax', () => k.softmax(x, C, { ...d })],
    ['logSoftmax', () => k.logSoftmax(x, C, { ...d })],
    ['argmax', () => k.argmax(x, C, { ...d })],
    ['crossEntropy mean', () => k.crossEntropy(x, t, C, d)],
    ['crossEntropy none smoothed', () => k.crossEntropy(x, t, C, { ...d, reduction: 'none', labelSmoothing: 0.1 })],
    ['crossEntropy probabilities', () => k.crossEntropy(x, q, C, d)],
    ['crossEntropyBackward', () => k.crossEntropyBackward(x, t, C, { ...d, reduction: 'sum' })],
    ['crossEntropyWithGrad softcap zLoss', () => k.crossEntropyWithGrad(x, t, C, { ...d, softcap: 5, zLoss: 0.01 })],
    ['crossEntropy channels-first', () => k.crossEntropy(x, t.subarray(0, R), C, { ...d, spatial: R, reduction: 'none' })],
    ['tokenLogProbs', () => k.tokenLogProbs(x, t, C, { ...d, temperature: 0.7 })],
    ['entropyFromLogits', () => k.entropyFromLogits(x, C, { ...d })],
    ['evaluate', () => k.evaluate(x, t, C, { ...d, logProbs: true, entropy: true, argmax: true })],
    // distillation: a half student with a float32 teacher, and the other way round
    ['distillationLossWithGrad student', () => k.distillationLossWithGrad(x, q, C, { ...d, temperature: 2, target: t })],
    [
      'distillationLoss teacher',
      () => k.distillationLoss(q, x, C, { ...(dtype ? { teacherDtype: dtype } : {}), divergence: 'reverse', reduction: 'none' }),
    ],
  ];
}

for (const backend of BACKENDS) {
  for (const [R, C] of [
    [13, 5],
    [37, 1001],
    [3, 32000],
  ]) {
    for (const dtype of ['float16', 'bfloat16']) {
      test(`${backend} · ${dtype} ${R}×${C}: every function gives the float32 call's bits, plain and k.u16`, async () => {
        const k = await kernel(backend);
        const bits = halves(R * C, dtype, C + R);
        const t = Int32Array.from({ length: R }, (_, r) => (r % 5 === 1 ? -100 : (r * 7919) % C));
        const want = calls(k, valuesOf(bits, dtype), t, C).map(([, f]) => f());
        const view = k.u16(bits.length);
        view.set(bits);
        for (const [where, x] of [
          ['plain', bits],
          ['k.u16', view],
        ]) {
          calls(k, x, t, C, dtype).forEach(([name, f], i) => sameBits(f(), want[i], `${name} (${where})`));
        }
        k.free(view);
      });
    }
  }
}

for (const backend of WASM) {
  test(`${backend} · a zero-copy half call (16×128256) takes no full-size float32 copy of kernel memory`, async () => {
    const k = await init({ backend });
    const C = 128256,
      R = 16;
    const x = k.u16(R * C);
    x.set(halves(R * C, 'bfloat16', 3));
    const t = Int32Array.from({ length: R }, (_, r) => r * 1000);
    const bytes = () => {
      const v = k.f32(1);
      const n = v.buffer.byteLength;
      k.free(v);
      return n;
    };
    const before = bytes();
    const e = k.evaluate(x, t, C, { dtype: 'bfloat16' });
    k.crossEntropyWithGrad(x, t, C, { dtype: 'bfloat16' });
    assert.ok(Number.isFinite(e.loss));
    // a float32 copy would be 8 MiB; the call's chunk buffer is one row (0.5 MiB) and a piece of bits
    assert.ok(bytes() - before < 2 * 2 ** 20, `kernel memory grew by ${bytes() - before} bytes`);
    k.dispose();
  });
}

const Float16 = globalThis.Float16Array;
if (Float16) {
  for (const backend of BACKENDS) {
    test(`${backend} · a Float16Array is read as float16, as its bits with dtype 'float16'`, async () => {
      const k = await kernel(backend);
      const bits = halves(7 * 9, 'float16', 5);
      const x = new Float16(bits.buffer);
      const t = Int32Array.from({ length: 7 }, (_, r) => r);
      sameBits(k.evaluate(x, t, 9, { entropy: true }), k.evaluate(bits, t, 9, { dtype: 'float16', entropy: true }), 'evaluate');
      sameBits(k.crossEntropy(x, t, 9, { dtype: 'float16' }), k.crossEntropy(bits, t, 9, { dtype: 'float16' }), 'crossEntropy');
    });
  }
}

test.run();
