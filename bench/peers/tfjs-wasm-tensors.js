// A candidate module for simdloss-bench: TensorFlow.js's wasm backend (its SIMD build, one thread), the input tensors already made (see tfjs.js).
import { tfjsCandidate } from './tfjs.js';

export const {
  name,
  mode,
  threads,
  version,
  tolerance,
  setup,
  logSumExp,
  softmax,
  logSoftmax,
  argmax,
  crossEntropy,
  crossEntropyWithGrad,
  mseLoss,
  binaryCrossEntropyWithLogits,
} = tfjsCandidate('wasm', { tensors: true });
