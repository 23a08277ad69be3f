// The kernels every build exports; pointers are byte addresses in the
// (imported) linear memory, which the TypeScript bindings manage.
export { logSumExp, softmax, logSoftmax, argmax, entropy, softmaxBackward, logSoftmaxBackward, logSumExpBackward } from './rowwise';
export { crossEntropyIndex } from './cross_entropy';
export { crossEntropyProb } from './cross_entropy_prob';
export { nll, nllBackward } from './nll';
export { badTarget, targetWeight } from './targets';
// Σ exp(x − shift) over one array: the benchmark's exp-only reference pass.
export { sumExp } from './sum_exp';
export {
  klDiv, klDivLogTarget, klDivBackward, klDivLogTargetBackward, mseLoss, mseLossBackward, bceWithLogits, bceWithLogitsBackward,
} from './elementwise';
// Channels-first batches to rows and back.
export { transpose } from './layout';
// Each instance's own scratch block, given once by the bindings, and a row
// lent for one call.
export { scratchBytes, setScratch, setAside } from './lanes';

/** First byte the bindings may use. */
export function heapBase(): usize { return __heap_base; }

/** Which build this is: 0 scalar, 1 simd, 2 relaxed-simd. */
export function build(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : ASC_FEATURE_SIMD ? 1 : 0;
}
