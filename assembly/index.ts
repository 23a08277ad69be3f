// The kernels every build exports; pointers are byte addresses in the
// (imported) linear memory, which the TypeScript bindings manage
// (bindings/exports.ts declares these exports as its Exports interface).
import { PARTIAL_ROWS } from './simd';
import { CE_PENDING, CE_SLOTS } from './cross_entropy';
import { PROB_SLOTS } from './cross_entropy_prob';
import { NLL_SLOTS } from './nll';
import { GROUPS_UP_TO } from './lanes';
import { SCORE_SLOTS } from './scoring';
import { DISTILL_SLOTS } from './distillation';
export { logSumExp, softmax, logSoftmax, entropy, softmaxBackward, logSoftmaxBackward, logSumExpBackward } from './rowwise';
export { argmax } from './argmax';
export { crossEntropyIndex } from './cross_entropy';
export { crossEntropyProb } from './cross_entropy_prob';
export { nll, nllBackward } from './nll';
export { badTarget, targetWeight } from './targets';
// Language-model scoring: per-token log-probabilities, entropy, argmax, and evaluate's sums.
export { score } from './scoring';
// Knowledge distillation: a divergence between two rows of logits, and its gradient.
export { distillation } from './distillation';
// Σ exp(x − shift) over one array: the benchmark's exp-only reference pass.
export { sumExp } from './sum_exp';
export {
  klDiv, klDivLogTarget, klDivBackward, klDivLogTargetBackward, mseLoss, mseLossBackward, bceWithLogits, bceWithLogitsBackward,
} from './elementwise';
// Channels-first batches to rows and back.
export { transpose } from './layout';
// Half-precision logits to float32, and gradients back to halves, a chunk at a time.
export { widenF16, widenBF16, narrowF16, narrowBF16 } from './half';
// Each instance's own scratch block, given once by the bindings, and a row
// lent for one call.
export { scratchBytes, setScratch, setAside } from './lanes';
// The running job's partial-sum block size (partials.ts).
export { setPartialShift } from './partials';

/** First byte the bindings may use. */
export function heapBase(): usize { return __heap_base; }

/** Build ids: the index of each build's name in BUILD_NAMES (bindings/index.ts). */
const BUILD_SCALAR = 0, BUILD_SIMD = 1, BUILD_RELAXED_SIMD = 2;

/** Which build this is (a build id above), from the features it was compiled with. */
export function build(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? BUILD_RELAXED_SIMD : ASC_FEATURE_SIMD ? BUILD_SIMD : BUILD_SCALAR;
}

// The numbers the bindings share with the kernels, each defined once in
// assembly/ and read from the instance.

/** The most rows (or elements) a partial-sum block holds: PARTIAL_ROWS
 *  (simd.ts), the elementwise kernels' blocks; row kernels' blocks are set
 *  per job (setPartialShift). Every kernel that takes `partials` writes one
 *  group of slots per block. */
export function partialRows(): i32 { return PARTIAL_ROWS; }

/** crossEntropyIndex's partial slots per block: CE_SLOTS (cross_entropy.ts). */
export function ceSlots(): i32 { return CE_SLOTS; }

/** The first of the two slots (of ceSlots()) where crossEntropyIndex leaves a
 *  run's unlogged product for the next call or the caller: CE_PENDING. */
export function cePending(): i32 { return CE_PENDING; }

/** crossEntropyProb's partial slots per block: PROB_SLOTS (cross_entropy_prob.ts). */
export function probSlots(): i32 { return PROB_SLOTS; }

/** nll's partial slots per block (Σ w_t·nll, Σ w_t): NLL_SLOTS (nll.ts). */
export function nllSlots(): i32 { return NLL_SLOTS; }

/** The longest rows the row kernels take four at a time, GROUPS_UP_TO
 *  (lanes.ts): a chunk of such rows must hold a multiple of four, and only
 *  longer rows in place need a row lent (setAside). */
export function groupsUpTo(): i32 { return GROUPS_UP_TO; }

/** score's partial slots per block (Σ nll, kept rows, correct rows): SCORE_SLOTS (scoring.ts). */
export function scoreSlots(): i32 { return SCORE_SLOTS; }

/** distillation's partial slots per block (Σ row values, kept rows): DISTILL_SLOTS (distillation.ts). */
export function distillSlots(): i32 { return DISTILL_SLOTS; }
