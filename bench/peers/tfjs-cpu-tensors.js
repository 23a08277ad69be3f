// A candidate module for simdloss-bench: TensorFlow.js's cpu backend (plain JavaScript), the input tensors already made (see tfjs.js).
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
} = tfjsCandidate('cpu', { tensors: true });
