// Every benchmarked operation in one table: its inputs for a [rows, classes]
// shape and the public API call it makes. Every candidate (simdloss on any
// backend, the plain-JS baseline, TensorFlow.js, a user's module) is called the
// same way, candidate[op.fn](...op.args(d, s)), and returns a number, a
// Float32Array, an Int32Array or { loss, grad }, checked against simdloss's js
// backend (float64) on the same input.
//
//   fn                 the API function called (crossEntropyProbs calls crossEntropy)
//   inputs(s)          the op's arrays for s = { rows, classes } (the same data on every run)
//   outputs            the arrays of inputs(s) the call writes into (out, grad): the
//                      harness fills them with NaN (or −1) for each candidate, so a
//                      result that was never written is caught
//   args(d, s)         the call's arguments
//   zeroCopy           also time simdloss with its arrays in kernel memory (k.f32 / k.i32 / k.u16)
//   expPass            also time one exp-only pass over the same data on each wasm build
//                      (the floor a log-sum-exp is measured against)
//   simdlossOnly       options no other candidate takes: only simdloss's rows are timed
// mseLoss and binaryCrossEntropyWithLogits see the shape as one flat length.
import { logSoftmax, softmax } from './baseline.js';
import { bfloat16Bits, classIndices, float16Bits, uniform } from './data.js';

const logits = (s) => uniform(s.rows * s.classes, -5, 5, 1);
const targets = (s) => classIndices(s.rows, s.classes, 2);
const others = (s, lo = -5, hi = 5) => uniform(s.rows * s.classes, lo, hi, 3);

export const OPS = [
  {
    name: 'logSumExp',
    // Into the same result array every call, as crossEntropyWithGrad's gradient:
    // zero-copy is then the kernel over kernel memory, as the exp pass is.
    inputs: (s) => ({ x: logits(s), out: new Float32Array(s.rows) }),
    outputs: ['out'],
    args: (d, s) => [d.x, s.classes, d.out],
    zeroCopy: true,
    expPass: true,
  },
  { name: 'softmax', inputs: (s) => ({ x: logits(s) }), args: (d, s) => [d.x, s.classes] },
  { name: 'logSoftmax', inputs: (s) => ({ x: logits(s) }), args: (d, s) => [d.x, s.classes] },
  {
    name: 'argmax',
    // Into the same Int32Array every call, as logSumExp.
    inputs: (s) => ({ x: logits(s), out: new Int32Array(s.rows) }),
    outputs: ['out'],
    args: (d, s) => [d.x, s.classes, d.out],
    zeroCopy: true,
  },
  { name: 'crossEntropy', inputs: (s) => ({ x: logits(s), t: targets(s) }), args: (d, s) => [d.x, d.t, s.classes], zeroCopy: true },
  {
    name: 'crossEntropyWithGrad',
    // As a training loop calls it: the gradient goes into the same array every step.
    inputs: (s) => ({ x: logits(s), t: targets(s), grad: new Float32Array(s.rows * s.classes) }),
    outputs: ['grad'],
    args: (d, s) => [d.x, d.t, s.classes, { grad: d.grad }],
    zeroCopy: true,
  },
  // The language-model options, against the plain fused call above.
  {
    name: 'crossEntropyWithGradZLoss',
    fn: 'crossEntropyWithGrad',
    inputs: (s) => ({ x: logits(s), t: targets(s), grad: new Float32Array(s.rows * s.classes) }),
    outputs: ['grad'],
    args: (d, s) => [d.x, d.t, s.classes, { grad: d.grad, zLoss: 1e-4 }],
    zeroCopy: true,
    simdlossOnly: true,
  },
  {
    name: 'crossEntropyWithGradSoftcap',
    fn: 'crossEntropyWithGrad',
    inputs: (s) => ({ x: logits(s), t: targets(s), grad: new Float32Array(s.rows * s.classes) }),
    outputs: ['grad'],
    args: (d, s) => [d.x, d.t, s.classes, { grad: d.grad, softcap: 30 }],
    zeroCopy: true,
    simdlossOnly: true,
  },
  {
    name: 'crossEntropyProbs',
    fn: 'crossEntropy',
    // soft labels: a softmax of other logits per row
    inputs: (s) => ({ x: logits(s), q: softmax(others(s), s.classes) }),
    args: (d, s) => [d.x, d.q, s.classes],
  },
  {
    name: 'nllLoss',
    inputs: (s) => ({ lp: logSoftmax(logits(s), s.classes), t: targets(s) }),
    args: (d, s) => [d.lp, d.t, s.classes],
    zeroCopy: true, // reads one value per row, so the copy in is most of the copy path's time
  },
  {
    name: 'klDiv',
    inputs: (s) => ({ input: logSoftmax(logits(s), s.classes), target: softmax(others(s), s.classes) }),
    args: (d, s) => [d.input, d.target, s.classes],
  },
  { name: 'mseLoss', inputs: (s) => ({ input: logits(s), target: others(s) }), args: (d) => [d.input, d.target] },
  {
    name: 'binaryCrossEntropyWithLogits',
    inputs: (s) => ({ input: logits(s), target: others(s, 0, 1) }),
    args: (d) => [d.input, d.target],
  },
  // Language-model scoring: loss, perplexity and accuracy in one pass (the same
  // data as crossEntropy, so the two rows compare directly), then with every
  // per-row output into arrays made once, as an evaluation loop passes them.
  { name: 'evaluate', inputs: (s) => ({ x: logits(s), t: targets(s) }), args: (d, s) => [d.x, d.t, s.classes], zeroCopy: true },
  {
    name: 'evaluateRows',
    fn: 'evaluate',
    inputs: (s) => ({
      x: logits(s),
      t: targets(s),
      logProbs: new Float32Array(s.rows),
      entropy: new Float32Array(s.rows),
      argmax: new Int32Array(s.rows),
    }),
    outputs: ['logProbs', 'entropy', 'argmax'],
    args: (d, s) => [d.x, d.t, s.classes, { logProbs: d.logProbs, entropy: d.entropy, argmax: d.argmax }],
    zeroCopy: true,
  },
  // Knowledge distillation at T = 2, a training step's call (the gradient into the
  // same array every step), on the same student logits as crossEntropyWithGrad.
  ...['forward', 'reverse', 'jsd'].map((divergence) => ({
    name: `distillationLossWithGrad${divergence === 'forward' ? '' : divergence === 'reverse' ? 'Reverse' : 'Jsd'}`,
    fn: 'distillationLossWithGrad',
    inputs: (s) => ({ x: logits(s), teacher: others(s), grad: new Float32Array(s.rows * s.classes) }),
    outputs: ['grad'],
    args: (d, s) => [d.x, d.teacher, s.classes, { divergence, temperature: 2, grad: d.grad }],
    zeroCopy: true,
    simdlossOnly: true,
  })),
  // Half-precision logits (simdloss only): the same data as bfloat16 and float16 bits, with
  // dtype; zero-copy rows read them from k.u16 views (bench/half-ab.js times them interleaved).
  ...['crossEntropy', 'evaluate'].flatMap((fn) =>
    [
      ['BF16', 'bfloat16', bfloat16Bits],
      ['F16', 'float16', float16Bits],
    ].map(([suffix, dtype, bits]) => ({
      name: fn + suffix,
      fn,
      inputs: (s) => ({ x: bits(logits(s)), t: targets(s) }),
      args: (d, s) => [d.x, d.t, s.classes, { dtype }],
      zeroCopy: true,
      simdlossOnly: true,
    })),
  ),
].map((op) => ({ fn: op.name, outputs: [], ...op }));

/** The five shapes, then a small batch, where a call's fixed cost shows. */
export const SHAPES = [
  [65536, 10],
  [8192, 100],
  [1024, 1000],
  [128, 32000],
  [16, 128256],
  [64, 10],
].map(shape);

/** { rows, classes, name: 'RxC' } */
export function shape([rows, classes]) {
  return { rows, classes, name: `${rows}x${classes}` };
}
