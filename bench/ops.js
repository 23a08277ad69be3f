// Every benchmarked operation in one table: its inputs for a [rows, classes]
// shape, and how the plain-JS baseline, simdloss (any backend) and
// TensorFlow.js call it. Each call returns a number, a Float32Array or
// { loss, grad }, so results can be checked against the baseline.
//
//   inputs(s)          the op's arrays for s = { rows, classes } (same data on every run)
//   baseline(d, s)     bench/baseline.js
//   lib(k, d, s)       simdloss, k = await init({ backend })
//   zeroCopy           also time lib with its inputs in kernel memory (k.f32 / k.i32)
//   expPass            also time one exp-only pass over the same data on each wasm build
//                      (the floor a log-sum-exp is measured against)
//   tfjs               { tensors(tf, d, s): input tensors, run(tf, t): result tensors },
//                      absent where TensorFlow.js has no such operation
// mseLoss and binaryCrossEntropyWithLogits see the shape as one flat length.
import * as base from './baseline.js';
import { classIndices, uniform } from './data.js';

const logits = (s) => uniform(s.rows * s.classes, -5, 5, 1);
const targets = (s) => classIndices(s.rows, s.classes, 2);
const matrix = (tf, x, s) => tf.tensor2d(x, [s.rows, s.classes]);
const oneHot = (tf, t, s) => tf.oneHot(tf.tensor1d(t, 'int32'), s.classes);

export const OPS = [
  {
    name: 'logSumExp',
    // Into the same result array every call, as crossEntropyWithGrad's gradient:
    // zero-copy is then the kernel over kernel memory, as the exp pass is.
    inputs: (s) => ({ x: logits(s), out: new Float32Array(s.rows) }),
    baseline: (d, s) => base.logSumExp(d.x, s.classes, d.out),
    lib: (k, d, s) => k.logSumExp(d.x, s.classes, d.out),
    zeroCopy: true,
    expPass: true,
    tfjs: { tensors: (tf, d, s) => ({ x: matrix(tf, d.x, s) }), run: (tf, t) => tf.logSumExp(t.x, 1) },
  },
  {
    name: 'softmax',
    inputs: (s) => ({ x: logits(s) }),
    baseline: (d, s) => base.softmax(d.x, s.classes),
    lib: (k, d, s) => k.softmax(d.x, s.classes),
    tfjs: { tensors: (tf, d, s) => ({ x: matrix(tf, d.x, s) }), run: (tf, t) => tf.softmax(t.x) },
  },
  {
    name: 'logSoftmax',
    inputs: (s) => ({ x: logits(s) }),
    baseline: (d, s) => base.logSoftmax(d.x, s.classes),
    lib: (k, d, s) => k.logSoftmax(d.x, s.classes),
    tfjs: { tensors: (tf, d, s) => ({ x: matrix(tf, d.x, s) }), run: (tf, t) => tf.logSoftmax(t.x) },
  },
  {
    name: 'argmax',
    // Into the same Int32Array every call, as logSumExp.
    inputs: (s) => ({ x: logits(s), out: new Int32Array(s.rows) }),
    baseline: (d, s) => base.argmax(d.x, s.classes, d.out),
    lib: (k, d, s) => k.argmax(d.x, s.classes, d.out),
    zeroCopy: true,
    tfjs: { tensors: (tf, d, s) => ({ x: matrix(tf, d.x, s) }), run: (tf, t) => tf.argMax(t.x, 1) },
  },
  {
    name: 'crossEntropy',
    inputs: (s) => ({ x: logits(s), t: targets(s) }),
    baseline: (d, s) => base.crossEntropy(d.x, d.t, s.classes),
    lib: (k, d, s) => k.crossEntropy(d.x, d.t, s.classes),
    zeroCopy: true,
    tfjs: {
      tensors: (tf, d, s) => ({ x: matrix(tf, d.x, s), labels: oneHot(tf, d.t, s) }),
      run: (tf, t) => tf.losses.softmaxCrossEntropy(t.labels, t.x),
    },
  },
  {
    name: 'crossEntropyWithGrad',
    // As a training loop calls it: the gradient goes into the same array every step.
    inputs: (s) => ({ x: logits(s), t: targets(s), grad: new Float32Array(s.rows * s.classes) }),
    baseline: (d, s) => base.crossEntropyWithGrad(d.x, d.t, s.classes, d.grad),
    lib: (k, d, s) => k.crossEntropyWithGrad(d.x, d.t, s.classes, { grad: d.grad }),
    zeroCopy: true,
    tfjs: {
      tensors: (tf, d, s) => ({ x: matrix(tf, d.x, s), labels: oneHot(tf, d.t, s) }),
      run: (tf, t) => {
        const { value, grads } = tf.valueAndGrads((x) => tf.losses.softmaxCrossEntropy(t.labels, x))([t.x]);
        return { loss: value, grad: grads[0] };
      },
    },
  },
  {
    name: 'crossEntropyProbs',
    // soft labels: a softmax of other logits per row
    inputs: (s) => ({ x: logits(s), q: base.softmax(uniform(s.rows * s.classes, -5, 5, 3), s.classes) }),
    baseline: (d, s) => base.crossEntropyProbs(d.x, d.q, s.classes),
    lib: (k, d, s) => k.crossEntropy(d.x, d.q, s.classes),
    tfjs: {
      tensors: (tf, d, s) => ({ x: matrix(tf, d.x, s), labels: matrix(tf, d.q, s) }),
      run: (tf, t) => tf.losses.softmaxCrossEntropy(t.labels, t.x),
    },
  },
  {
    name: 'nllLoss',
    inputs: (s) => ({ lp: base.logSoftmax(logits(s), s.classes), t: targets(s) }),
    baseline: (d, s) => base.nllLoss(d.lp, d.t, s.classes),
    lib: (k, d, s) => k.nllLoss(d.lp, d.t, s.classes),
    zeroCopy: true, // reads one value per row, so the copy in is most of the copy path's time
  },
  {
    name: 'klDiv',
    inputs: (s) => ({
      input: base.logSoftmax(logits(s), s.classes),
      target: base.softmax(uniform(s.rows * s.classes, -5, 5, 3), s.classes),
    }),
    baseline: (d) => base.klDiv(d.input, d.target),
    lib: (k, d, s) => k.klDiv(d.input, d.target, s.classes),
  },
  {
    name: 'mseLoss',
    inputs: (s) => ({ input: logits(s), target: uniform(s.rows * s.classes, -5, 5, 3) }),
    baseline: (d) => base.mseLoss(d.input, d.target),
    lib: (k, d) => k.mseLoss(d.input, d.target),
    tfjs: {
      tensors: (tf, d) => ({ input: tf.tensor1d(d.input), target: tf.tensor1d(d.target) }),
      run: (tf, t) => tf.losses.meanSquaredError(t.target, t.input),
    },
  },
  {
    name: 'binaryCrossEntropyWithLogits',
    inputs: (s) => ({ input: logits(s), target: uniform(s.rows * s.classes, 0, 1, 3) }),
    baseline: (d) => base.binaryCrossEntropyWithLogits(d.input, d.target),
    lib: (k, d) => k.binaryCrossEntropyWithLogits(d.input, d.target),
    tfjs: {
      tensors: (tf, d) => ({ input: tf.tensor1d(d.input), target: tf.tensor1d(d.target) }),
      run: (tf, t) => tf.losses.sigmoidCrossEntropy(t.target, t.input),
    },
  },
];

/** The five shapes, then a small batch, where a call's fixed cost shows. */
export const SHAPES = [[65536, 10], [8192, 100], [1024, 1000], [128, 32000], [16, 128256], [64, 10]]
  .map(([rows, classes]) => ({ rows, classes, name: `${rows}x${classes}` }));
