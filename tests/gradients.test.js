// Every gradient against central finite differences of its forward function,
// on small random cases, on every backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, kernel } from './helpers.js';
import { generator } from '../bench/data.js';

const rand = generator(42);
const normals = (n, scale = 1) => Float32Array.from({ length: n }, () => (rand() + rand() + rand() - 1.5) * 2 * scale);
const uniform = (n) => Float32Array.from({ length: n }, () => rand());
const indices = (n, classes) => Int32Array.from({ length: n }, () => Math.floor(rand() * classes));
function rowsNormalised(n, classes) {
  const p = uniform(n * classes);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < classes; c++) s += p[r * classes + c];
    for (let c = 0; c < classes; c++) p[r * classes + c] /= s;
  }
  return p;
}

/** Central differences of a scalar function f at x, step h. */
function numericGradient(f, x, h = 1e-2) {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = f(x);
    x[i] = keep - h;
    const down = f(x);
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Each case: a forward f(k, x) → number, and the backward k → Float32Array. */
function cases(C) {
  const rows = 3;
  const x = normals(rows * C, 2);
  const t = indices(rows, C);
  const q = rowsNormalised(rows, C);
  const dyRows = normals(rows);
  const dyFull = normals(rows * C);
  const weight = uniform(C).map((w) => w + 0.5);
  const y01 = uniform(rows * C);
  const ce = { weight, labelSmoothing: 0.1 };
  const bce = { weight: uniform(C), posWeight: weight }; // broadcast along the last axis
  return [
    ['crossEntropy index, weight, smoothing', (k, v) => k.crossEntropy(v, t, C, ce), (k) => k.crossEntropyBackward(x, t, C, ce)],
    [
      'crossEntropy sum, gradOutput 0.5',
      (k, v) => 0.5 * k.crossEntropy(v, t, C, { reduction: 'sum' }),
      (k) => k.crossEntropyBackward(x, t, C, { reduction: 'sum', gradOutput: 0.5 }),
    ],
    [
      'crossEntropy none, per-row gradOutput',
      (k, v) => dot(k.crossEntropy(v, t, C, { reduction: 'none' }), dyRows),
      (k) => k.crossEntropyBackward(x, t, C, { reduction: 'none', gradOutput: dyRows }),
    ],
    [
      'crossEntropy probabilities, smoothing',
      (k, v) => k.crossEntropy(v, q, C, { labelSmoothing: 0.2 }),
      (k) => k.crossEntropyBackward(x, q, C, { labelSmoothing: 0.2 }),
    ],
    ['crossEntropyWithGrad', (k, v) => k.crossEntropy(v, t, C, ce), (k) => k.crossEntropyWithGrad(x, t, C, ce).grad],
    ['nllLoss weight', (k, v) => k.nllLoss(v, t, C, { weight }), (k) => k.nllLossBackward(x, t, C, { weight })],
    [
      'klDiv batchmean',
      (k, v) => k.klDiv(v, q, C, { reduction: 'batchmean' }),
      (k) => k.klDivBackward(x, q, C, { reduction: 'batchmean' }),
    ],
    [
      'klDiv logTarget',
      (k, v) => k.klDiv(v, k.logSoftmax(x, C), C, { logTarget: true }),
      (k) => k.klDivBackward(x, k.logSoftmax(x, C), C, { logTarget: true }),
    ],
    ['mseLoss', (k, v) => k.mseLoss(v, y01), (k) => k.mseLossBackward(x, y01)],
    [
      'binaryCrossEntropyWithLogits weight, posWeight',
      (k, v) => k.binaryCrossEntropyWithLogits(v, y01, bce),
      (k) => k.binaryCrossEntropyWithLogitsBackward(x, y01, bce),
    ],
    ['softmaxBackward', (k, v) => dot(k.softmax(v, C), dyFull), (k) => k.softmaxBackward(k.softmax(x, C), dyFull, C)],
    ['logSoftmaxBackward', (k, v) => dot(k.logSoftmax(v, C), dyFull), (k) => k.logSoftmaxBackward(k.logSoftmax(x, C), dyFull, C)],
    ['logSumExpBackward', (k, v) => dot(k.logSumExp(v, C), dyRows), (k) => k.logSumExpBackward(x, dyRows, C)],
  ].map(([name, f, grad]) => ({ name, x, f, grad }));
}

for (const C of [1, 3, 5, 17]) {
  for (const c of cases(C)) {
    const reference = await kernel('js');
    const numeric = numericGradient((v) => c.f(reference, v), Float32Array.from(c.x));
    for (const backend of BACKENDS) {
      test(`${backend} · C=${C} · ${c.name} matches finite differences`, async () => {
        const got = c.grad(await kernel(backend));
        assert.is(got.length, c.x.length);
        const scale = Math.max(1, ...numeric.map(Math.abs));
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - numeric[i]) <= 2e-3 * scale, `[${i}] analytic ${got[i]}, numeric ${numeric[i]}`);
        }
      });
    }
  }
}

test.run();
