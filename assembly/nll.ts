// Negative log-likelihood of log-probabilities, as F.nll_loss: row loss
// −w_t·lp[t]. Partial slots: Σ w_t·nll, Σ w_t.
import { at } from './simd';
import { Blocks, partialAt, setPartial } from './partials';
import { targetAt } from './targets';

/** Partial slots per block of rows (partials.ts): Σ w_t·nll, Σ w_t (nllSlots() in index.ts). */
export const NLL_SLOTS = 2;

/**
 * Negative log-likelihood over rows [r0, r1), as F.nll_loss(lp, target,
 * weight, ignore_index).
 * Takes: lp (log-probabilities; lp[r, t] at lp + (r·rowStride +
 * t·classStride)·4: (classes, 1) for a row-major batch; the bindings read
 * other layouts in JS); target (i32 per row); weight (f32 per class, 0:
 * unweighted); r0, r1; classes; ignoreIndex; out (f32 per row, 0: none);
 * partials (NLL_SLOTS f64 per block of rows, zeroed by the caller, 0:
 * none).
 * Writes: out[r] = −w_t·lp[r, t] (0 where ignored); adds Σ w_t·nll and Σ w_t
 * into partials. Accuracy: each loss one f64 product rounded to f32; the sums
 * in f64, in row order. Range: any lp; a target neither a class nor
 * ignoreIndex is taken as ignoreIndex (targets.ts). State: none.
 */
export function nll(
  lp: usize, target: usize, weight: usize, r0: i32, r1: i32, classes: i32, rowStride: i32, classStride: i32, ignoreIndex: i32,
  out: usize, partials: usize,
): void {
  // Each partial block's two sums stay in registers while its rows are added
  // (a load, add and store per row made each row wait on the last one's store);
  // the same additions in the same order, so the same bits.
  for (let b0 = r0; b0 < r1;) {
    const b1 = min(r1, ((b0 >> Blocks.shift) + 1) << Blocks.shift);
    let lossSum = partialAt(partials, b0, NLL_SLOTS, 0), weightSum = partialAt(partials, b0, NLL_SLOTS, 1);
    for (let r = b0; r < b1; r++) {
      const t = targetAt(target, r, classes, ignoreIndex);
      let loss: f64 = 0;
      if (t != ignoreIndex) {
        const wt: f32 = weight ? load<f32>(at(weight, t)) : 1;
        loss = -<f64>wt * <f64>load<f32>(at(lp, r * rowStride + t * classStride));
        weightSum += wt;
      }
      if (out) store<f32>(at(out, r), <f32>loss);
      lossSum += loss;
    }
    setPartial(partials, b0, NLL_SLOTS, 0, lossSum);
    setPartial(partials, b0, NLL_SLOTS, 1, weightSum);
    b0 = b1;
  }
}

/**
 * nll's gradient over rows [r0, r1): each row 0 except grad[t] =
 * −w_t·gradScale·g (g = gradOut[r], or 1 where gradOut = 0).
 * Takes: target, weight (0: unweighted), r0, r1, classes, ignoreIndex, grad
 * (rows of classes), gradScale, gradOut. Writes: grad's rows.
 * Accuracy: two f32 products. State: none.
 */
export function nllBackward(
  target: usize, weight: usize, r0: i32, r1: i32, classes: i32, ignoreIndex: i32,
  grad: usize, gradScale: f32, gradOut: usize,
): void {
  memory.fill(at(grad, r0 * classes), 0, <usize>(r1 - r0) * classes << 2);
  for (let r = r0; r < r1; r++) {
    const t = targetAt(target, r, classes, ignoreIndex);
    if (t == ignoreIndex) continue;
    const wt: f32 = weight ? load<f32>(at(weight, t)) : 1;
    const g: f32 = gradOut ? load<f32>(at(gradOut, r)) : 1;
    store<f32>(at(grad, r * classes + t), -wt * gradScale * g);
  }
}
