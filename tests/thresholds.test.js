// Cases built from the kernels' own thresholds: row lengths around the vector
// width (4), the short-row lane kernels (16) and the grouped long rows
// (4096, where softcap's copy moves to a lent row), and 1–13 rows (the four-, eight- and twelve-row group loops and
// what they leave over). Every backend against the float64 reference (js).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, kernel, mismatch } from './helpers.js';
import { generator } from '../bench/data.js';

const js = await kernel('js');
const CLASSES = [3, 4, 5, 15, 16, 17, 4095, 4096, 4097];

/** Logits with a seeded mix of moderate values, ties, −∞ and a huge one. */
function logits(n, seed) {
  const next = generator(seed);
  return Float32Array.from({ length: n }, () => {
    const u = next();
    return u < 0.01 ? -Infinity : u < 0.02 ? 3 : u < 0.025 ? 1e4 : next() * 12 - 6;
  });
}

function softmaxRows(x, C) {
  return js.softmax(
    x.map((v) => (Number.isFinite(v) ? v : -50)),
    C,
  );
}

for (const backend of BACKENDS.filter((b) => b !== 'js')) {
  for (const C of CLASSES) {
    test(`${backend} · ${C} classes, 1 to 13 rows: every row-wise op and loss agrees with the float64 reference`, async () => {
      const k = await kernel(backend);
      for (let rows = 1; rows <= 13; rows++) {
        // dy in [−1, 1): a gradient is linear in it, and a large one only scales float32's rounding up
        const x = logits(rows * C, rows * 7919 + C),
          dy = logits(rows * C, rows + 3).map((v) => (Math.abs(v) < 6 ? v / 6 : 0.5));
        const t = Int32Array.from({ length: rows }, (_, r) => (r === 2 ? -100 : (r * 31 + C) % C));
        const p = softmaxRows(x, C),
          w = logits(C, 5).map((v) => (Number.isFinite(v) ? Math.abs(v % 2) + 0.1 : 1));
        const cases = [
          ['logSumExp', (m) => m.logSumExp(x, C)],
          ['softmax', (m) => m.softmax(x, C)],
          ['logSoftmax', (m) => m.logSoftmax(x, C)],
          ['argmax', (m) => m.argmax(x, C)],
          ['entropy', (m) => m.entropy(p, C)],
          ['softmaxBackward', (m) => m.softmaxBackward(p, dy, C)],
          ['logSoftmaxBackward', (m) => m.logSoftmaxBackward(js.logSoftmax(p, C), dy, C)],
          ['logSumExpBackward', (m) => m.logSumExpBackward(x, dy.subarray(0, rows), C)],
          ['crossEntropy', (m) => m.crossEntropy(x, t, C)],
          ['crossEntropy none, weighted, smoothed', (m) => m.crossEntropy(x, t, C, { reduction: 'none', weight: w, labelSmoothing: 0.1 })],
          ['crossEntropy probabilities', (m) => m.crossEntropy(x, p, C, { reduction: 'sum', labelSmoothing: 0.2 })],
          ['crossEntropyWithGrad loss', (m) => m.crossEntropyWithGrad(x, t, C, { weight: w }).loss],
          ['crossEntropyWithGrad grad', (m) => m.crossEntropyWithGrad(x, t, C, { weight: w, labelSmoothing: 0.1 }).grad],
          [
            'crossEntropyWithGrad in place',
            (m) => {
              const a = Float32Array.from(x);
              m.crossEntropyWithGrad(a, t, C, { grad: a, reduction: 'none' });
              return a;
            },
          ],
          [
            'crossEntropyBackward probabilities',
            (m) => m.crossEntropyBackward(x, p, C, { reduction: 'none', gradOutput: dy.subarray(0, rows) }),
          ],
          ['crossEntropyWithGrad softcap zLoss', (m) => m.crossEntropyWithGrad(x, t, C, { softcap: 5, zLoss: 0.01, weight: w })],
          ['crossEntropy softcap mean', (m) => m.crossEntropy(x, t, C, { softcap: 30 })],
          [
            'crossEntropyWithGrad probabilities softcap zLoss none in place',
            (m) => {
              const a = Float32Array.from(x);
              m.crossEntropyWithGrad(a, p, C, { grad: a, softcap: 5, zLoss: 0.01, reduction: 'none' });
              return a;
            },
          ],
          ['nllLoss', (m) => m.nllLoss(js.logSoftmax(p, C), t, C, { reduction: 'none', weight: w })],
          ['nllLossBackward', (m) => m.nllLossBackward(x, t, C, { weight: w })],
          ['klDiv', (m) => m.klDiv(js.logSoftmax(x, C), p, C, { reduction: 'batchmean' })],
        ];
        for (const [what, f] of cases) {
          const problem = mismatch(f(k), f(js));
          assert.is(problem, null, `${what}, ${rows} rows: ${problem}`);
        }
      }
    });
  }
}

// Language-model scoring (assembly/scoring.ts) takes each row in one pass whose
// blocks change at 4 (the vector), 16 (firstEqual's step) and 2·256 (two sum
// blocks side by side), and over language-model vocabularies; every path:
// T = 1 sums only (the probed pass), T = 1 with entropy, T ≠ 1 with and without.
for (const backend of BACKENDS.filter((b) => b !== 'js')) {
  test(`${backend} · scoring at its row lengths and at 32000 and 128256 classes agrees with the float64 reference`, async () => {
    const k = await kernel(backend);
    for (const [C, R] of [
      ...[1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 255, 256, 257, 511, 512, 513, 1023, 4097].map((C) => [C, 7]),
      [32000, 5],
      [128256, 3],
    ]) {
      const x = logits(R * C, R * 31 + C),
        t = Int32Array.from({ length: R }, (_, r) => (r === 1 ? -100 : (r * 977 + C) % C));
      if (R > 3) t[3] = js.argmax(x.subarray(3 * C, 4 * C), C)[0]; // a correct prediction
      for (const [what, f] of [
        ['evaluate', (m) => m.evaluate(x, t, C)],
        ['evaluate T=0.6', (m) => m.evaluate(x, t, C, { temperature: 0.6 })],
        ['evaluate every output', (m) => m.evaluate(x, t, C, { logProbs: true, entropy: true, argmax: true })],
        ['evaluate every output T=3', (m) => m.evaluate(x, t, C, { logProbs: true, entropy: true, argmax: true, temperature: 3 })],
        ['tokenLogProbs', (m) => m.tokenLogProbs(x, t, C)],
        ['entropyFromLogits T=0.9', (m) => m.entropyFromLogits(x, C, { temperature: 0.9 })],
      ]) {
        const problem = mismatch(f(k), f(js));
        assert.is(problem, null, `${what}, ${R}×${C}: ${problem}`);
      }
    }
  });
}

// Distillation (assembly/distillation.ts) takes each row in passes whose blocks
// change at 4 (the vector) and 256 (a sum block), and keeps two rows of exps in
// the instance's scratch up to 24780 classes, in a row the bindings lend above.
for (const backend of BACKENDS.filter((b) => b !== 'js')) {
  test(`${backend} · distillation at its row lengths, at the scratch's limit and at 32000 classes agrees with the float64 reference`, async () => {
    const k = await kernel(backend);
    for (const [C, R] of [...[1, 3, 4, 5, 255, 256, 257, 511, 513, 1001].map((C) => [C, 6]), [24780, 2], [24781, 2], [32000, 3]]) {
      const s = logits(R * C, R * 37 + C),
        t = logits(R * C, R * 41 + C),
        target = Int32Array.from({ length: R }, (_, r) => (r === 1 ? -100 : r % C));
      for (const divergence of ['forward', 'reverse', 'jsd']) {
        for (const [what, f] of [
          ['WithGrad', (m) => m.distillationLossWithGrad(s, t, C, { divergence, temperature: 2, target })],
          [
            'WithGrad none in place',
            (m) => {
              const a = s.slice();
              return m.distillationLossWithGrad(a, t, C, { divergence, reduction: 'none', grad: a });
            },
          ],
        ]) {
          const problem = mismatch(f(k), f(js));
          assert.is(problem, null, `${divergence} ${what}, ${R}×${C}: ${problem}`);
        }
      }
    }
  });
}

// A copied array's chunk pointer is biased by the chunk's first row; where the
// bias made it exactly 0 ("no array"), a chunk of per-row losses was never
// written (rows 1280–1295 of 2100×1000 with zero-copy logits and a plain out).
for (const backend of BACKENDS.filter((b) => b !== 'js')) {
  test(`${backend} · long batches with zero-copy inputs and copied outputs: every chunk is written`, async () => {
    const k = await kernel(backend);
    for (const [R, C] of [
      [2100, 1000],
      [3000, 100],
      [20_000, 10],
    ]) {
      const x = logits(R * C, R),
        t = Int32Array.from({ length: R }, (_, r) => (r * 7) % C);
      const X = k.f32(R * C),
        T = k.i32(R);
      X.set(x);
      T.set(t);
      for (const [what, f] of [
        ['crossEntropy none', (m, a, b) => m.crossEntropy(a, b, C, { reduction: 'none' })],
        ['logSumExp', (m, a) => m.logSumExp(a, C)],
        ['nllLoss none', (m, a, b) => m.nllLoss(a, b, C, { reduction: 'none' })],
      ]) {
        const problem = mismatch(f(k, X, T), f(js, x, t));
        assert.is(problem, null, `${what} ${R}×${C}: ${problem}`);
      }
      k.free(X);
      k.free(T);
    }
  });
}

test.run();
