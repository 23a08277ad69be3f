// Compiled by `npm test` with tsc --strict --noEmit against the built types
// (dist/index.d.ts): results need no casts, and mistakes a user can make in
// options are compile errors (each @ts-expect-error must find one).
import { init, type CrossEntropyOptions, type InitOptions, type Kernels, type Reduction } from '../../dist/index.js';

const k: Kernels = await init({ backend: 'simd', threads: 'auto' } satisfies InitOptions);
const x = new Float32Array(6),
  t = new Int32Array(2),
  q = new Float32Array(6);

// Reductions decide the result's type.
const mean: number = k.crossEntropy(x, t, 3);
const sum: number = k.crossEntropy(x, [0, 2], 3, { reduction: 'sum', weight: new Float32Array(3), ignoreIndex: 0, labelSmoothing: 0.1 });
const none: Float32Array = k.crossEntropy(x, q, 3, { reduction: 'none', out: new Float32Array(2) });
const batch: number = k.klDiv(x, q, 3, { reduction: 'batchmean', logTarget: true });
const perElement: Float32Array = k.mseLoss(x, q, { reduction: 'none' });
const bce: number = k.binaryCrossEntropyWithLogits(x, q, { posWeight: new Float32Array(3) });
const nll: Float32Array = k.nllLoss(x, t, 3, { reduction: 'none', spatial: 1 });
const fused: { loss: number; grad: Float32Array; zLoss: number } = k.crossEntropyWithGrad(x, t, 3, { grad: x, gradOutput: 2 });
const capped: number = k.crossEntropyWithGrad(x, t, 3, { softcap: 30, zLoss: 1e-4 }).zLoss;
const fusedNone: Float32Array = k.crossEntropyWithGrad(x, t, 3, { reduction: 'none' }).loss;
const grad: Float32Array = k.crossEntropyBackward(x, t, 3, { reduction: 'none', gradOutput: new Float32Array(2) });
const lse: Float32Array = k.logSumExp(x, 3, { spatial: 1 });
const soft: Float32Array = k.softmax(x, 3, x);
const idx: Int32Array = k.argmax(x, 3, new Int32Array(2));
const backend: 'relaxed-simd' | 'simd' | 'scalar' | 'js' = k.backend;
const threads: number = k.threads;

// A reduction only known at run time gives the union.
declare const r: Reduction;
const either: number | Float32Array = k.mseLoss(x, q, { reduction: r });
const opts: CrossEntropyOptions = { reduction: 'sum' };
const loose: number | Float32Array = k.crossEntropy(x, t, 3, opts);

// Language-model scoring: evaluate's result carries the per-row outputs asked for.
const lp: Float32Array = k.tokenLogProbs(x, t, 3, { temperature: 0.7, ignoreIndex: 0, out: new Float32Array(2) });
const ent: Float32Array = k.entropyFromLogits(x, 3, { temperature: 2 });
const ev: number = k.evaluate(x, t, 3).perplexity;
const evAll = k.evaluate(x, [0, 1], 3, { logProbs: true, entropy: new Float32Array(2), argmax: true });
const evRows: [Float32Array, Float32Array, Int32Array, number] = [evAll.logProbs, evAll.entropy, evAll.argmax, evAll.nllSum];
declare const maybe: boolean;
const evMaybe: Float32Array | undefined = k.evaluate(x, t, 3, { entropy: maybe }).entropy;
// @ts-expect-error logProbs was not asked for
const notAsked: Float32Array = k.evaluate(x, t, 3, { entropy: true }).logProbs;
// @ts-expect-error argmax is an Int32Array
k.evaluate(x, t, 3, { argmax: new Float32Array(2) });
// @ts-expect-error LM scoring takes no spatial
k.evaluate(x, t, 3, { spatial: 2 });
// @ts-expect-error temperature is a number
k.tokenLogProbs(x, t, 3, { temperature: '1' });

// Half-precision logits: Uint16Array bits with dtype (k.u16 makes them in kernel memory).
const h = k.u16(6);
const halfLoss: number = k.crossEntropy(h, t, 3, { dtype: 'bfloat16' });
const halfGrad: Float32Array = k.crossEntropyWithGrad(new Uint16Array(6), t, 3, { dtype: 'float16' }).grad;
const halfLse: Float32Array = k.logSumExp(h, 3, { dtype: 'float16', out: new Float32Array(2) });
const halfEval: number = k.evaluate(h, t, 3, { dtype: 'bfloat16' }).loss;
const halfTeacher: number = k.distillationLoss(x, h, 3, { teacherDtype: 'bfloat16', temperature: 2 });
// Half-precision gradients: gradDtype says the format; the gradient is the array given, or a new Uint16Array.
const halfOut: Uint16Array = k.crossEntropyWithGrad(x, t, 3, { gradDtype: 'bfloat16' }).grad;
const halfInPlace: Uint16Array = k.crossEntropyBackward(h, t, 3, { dtype: 'float16', gradDtype: 'float16', out: h });
const halfDistill: Uint16Array = k.distillationLossBackward(x, x, 3, { gradDtype: 'float16' });
const halfDistillGrad: Uint16Array = k.distillationLossWithGrad(x, x, 3, { gradDtype: 'bfloat16', grad: h }).grad;
const floatOut: Float32Array = k.crossEntropyBackward(h, t, 3, { dtype: 'bfloat16', out: new Float32Array(6) });
// @ts-expect-error a half gradient is written into a Uint16Array, not a Float32Array
k.crossEntropyWithGrad(x, t, 3, { gradDtype: 'float16', grad: new Float32Array(6) });
// @ts-expect-error a Uint16Array gradient needs a half gradDtype
k.distillationLossWithGrad(x, x, 3, { grad: new Uint16Array(6) });
// @ts-expect-error gradDtype is 'float32', 'float16' or 'bfloat16'
k.crossEntropyBackward(x, t, 3, { gradDtype: 'half' });
k.free(h);
// @ts-expect-error dtype is 'float16' or 'bfloat16'
k.crossEntropy(h, t, 3, { dtype: 'fp16' });
// @ts-expect-error entropy takes probabilities, never halves
k.entropy(h, 3);
// @ts-expect-error only logits may be half precision
k.nllLoss(h, t, 3);

// Misspelled options and bad values do not compile.
// @ts-expect-error ignore_index is ignoreIndex
k.crossEntropy(x, t, 3, { ignore_index: 1 });
// @ts-expect-error no such reduction
k.crossEntropy(x, t, 3, { reduction: 'avg' });
// @ts-expect-error 'batchmean' is klDiv's only
k.mseLoss(x, q, { reduction: 'batchmean' });
// @ts-expect-error labelSmoothing is a number
k.crossEntropy(x, t, 3, { labelSmoothing: '0.1' });
// @ts-expect-error reduction 'none' is an array, not a number
const wrong: number = k.nllLoss(x, t, 3, { reduction: 'none' });
// @ts-expect-error weight is a Float32Array
k.binaryCrossEntropyWithLogits(x, q, { weight: [1, 2] });
// @ts-expect-error argmax gives Int32Array
const notFloats: Float32Array = k.argmax(x, 3);
// @ts-expect-error logTarget belongs to klDiv
k.crossEntropy(x, t, 3, { logTarget: true });
// @ts-expect-error init takes no 'backnd'
await init({ backnd: 'simd' });
// @ts-expect-error no such backend
await init({ backend: 'wasm' });
// @ts-expect-error classes is a number
k.logSumExp(x, '3');

export {
  mean,
  sum,
  none,
  batch,
  perElement,
  bce,
  nll,
  fused,
  capped,
  fusedNone,
  grad,
  lse,
  soft,
  idx,
  backend,
  threads,
  either,
  loose,
  wrong,
  notFloats,
  lp,
  ent,
  ev,
  evRows,
  evMaybe,
  notAsked,
  halfLoss,
  halfGrad,
  halfLse,
  halfEval,
};

// Distillation: 'batchmean' (the default) is a number, 'none' per-row values.
const dl: number = k.distillationLoss(x, x, 3, { temperature: 2, divergence: 'jsd', beta: 0.3 });
const dlRows: Float32Array = k.distillationLoss(x, x, 3, { reduction: 'none', target: t, ignoreIndex: 0 });
const dg: Float32Array = k.distillationLossBackward(x, x, 3, { reduction: 'none', gradOutput: new Float32Array(2), out: x });
const dw: { loss: number; grad: Float32Array } = k.distillationLossWithGrad(x, x, 3, { teacherLogProbs: true, grad: x });
// @ts-expect-error: not a divergence
k.distillationLoss(x, x, 3, { divergence: 'kl' });

export { dl, dlRows, dg, dw, halfTeacher };
