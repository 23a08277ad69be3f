// A candidate module for simdloss-bench: TensorFlow.js's wasm backend (its SIMD build, one thread), arrays in, tensors made per call (see tfjs.js).
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
} = tfjsCandidate('wasm');
