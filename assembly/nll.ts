// Negative log-likelihood of log-probabilities, as F.nll_loss: row loss
// −w_t·lp[t]. Partials share cross-entropy's layout (Σ w_t·nll, Σ w_t).
import { at } from './simd';
import { addPartial } from './partials';
import { CE_SLOTS } from './cross_entropy';

/** lp[r, t] is at lp + (r·rowStride + t·classStride)·4: (classes, 1) for a
 *  row-major batch, (1, 0) for one already-picked value per row. */
export function nll(
  lp: usize, target: usize, weight: usize, r0: i32, r1: i32, rowStride: i32, classStride: i32, ignoreIndex: i32,
  out: usize, partials: usize,
): void {
  for (let r = r0; r < r1; r++) {
    const t = load<i32>(at(target, r));
    let loss: f64 = 0;
    if (t != ignoreIndex) {
      const wt: f32 = weight ? load<f32>(at(weight, t)) : 1;
      loss = -<f64>wt * <f64>load<f32>(at(lp, r * rowStride + t * classStride));
      addPartial(partials, r, CE_SLOTS, 1, wt);
    }
    if (out) store<f32>(at(out, r), <f32>loss);
    addPartial(partials, r, CE_SLOTS, 0, loss);
  }
}

/** grad row = 0 except grad[t] = −w_t·scale·g (g = gradOut[r], or 1). */
export function nllBackward(
  target: usize, weight: usize, r0: i32, r1: i32, classes: i32, ignoreIndex: i32,
  grad: usize, gradScale: f32, gradOut: usize,
): void {
  memory.fill(at(grad, r0 * classes), 0, <usize>(r1 - r0) * classes << 2);
  for (let r = r0; r < r1; r++) {
    const t = load<i32>(at(target, r));
    if (t == ignoreIndex) continue;
    const wt: f32 = weight ? load<f32>(at(weight, t)) : 1;
    const g: f32 = gradOut ? load<f32>(at(gradOut, r)) : 1;
    store<f32>(at(grad, r * classes + t), -wt * gradScale * g);
  }
}
