// Cross-entropy of logits, as F.cross_entropy: one kernel for the loss
// (per row and/or partial sums) and, in the same pass, its gradient.
//
// Index targets, row loss with smoothing ε over C classes:
//   (1−ε)·w_t·(lse − x_t) + (ε/C)·Σ_c w_c·(lse − x_c)
// Probability targets q, with q' = (1−ε)q + ε/C:   Σ_c w_c·q'_c·(lse − x_c)
// lse − x_c is evaluated as (m − x_c) + log s (m the row max, s = Σ exp(x − m)),
// so huge logits never cancel.
import { at } from './simd';
import { addPartial } from './partials';
import { exps } from './exp';
import { rowMax, sumExp, expStore, gapSum } from './reduce';

/** Partial slots for index targets: Σ w_t·nll, Σ w_t (kept rows), Σ smoothing term. */
export const CE_SLOTS = 3;

/** grad = e·A − B·w (w = 0: − B), e already stored in grad. */
function gradRow(g: usize, w: usize, n: i32, A: f32, B: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(A), vb = f32x4.splat(B);
    if (w) for (; i + 4 <= n; i += 4) {
      v128.store(at(g, i), f32x4.sub(f32x4.mul(v128.load(at(g, i)), va), f32x4.mul(vb, v128.load(at(w, i)))));
    } else for (; i + 4 <= n; i += 4) {
      v128.store(at(g, i), f32x4.sub(f32x4.mul(v128.load(at(g, i)), va), vb));
    }
  }
  if (w) for (; i < n; i++) store<f32>(at(g, i), load<f32>(at(g, i)) * A - B * load<f32>(at(w, i)));
  else for (; i < n; i++) store<f32>(at(g, i), load<f32>(at(g, i)) * A - B);
}

/** An ignored row's gradient is 0·softmax(row) in PyTorch: zeros, but NaN
 *  throughout when the row's softmax is NaN (a NaN, a +∞, or all −∞). */
function ignoredRowGrad(x: usize, g: usize, n: i32): void {
  const m = rowMax(x, n);
  const nan = m == Infinity || m == -Infinity || isNaN(sumExp(x, n, m));
  memory.fill(g, nan ? 0xff : 0, <usize>n << 2); // all-ones bytes are a NaN
}

/**
 * Index targets. weight = 0 means unweighted; weightTotal = Σ_c w_c (C when
 * unweighted). out, partials, grad: 0 when not wanted; grad may be x.
 * Gradient of a row: g·[gradNll·w_t·(p − onehot_t) + gradSmooth·(weightTotal·p − w)],
 * with g = gradOut[r] (1 when gradOut = 0); the caller folds (1−ε), ε/C and
 * the reduction's divisor into gradNll and gradSmooth.
 */
export function crossEntropyIndex(
  x: usize, target: usize, weight: usize, weightTotal: f32, r0: i32, r1: i32, classes: i32,
  ignoreIndex: i32, smoothing: f32, out: usize, partials: usize,
  grad: usize, gradNll: f32, gradSmooth: f32, gradOut: usize,
): void {
  for (let r = r0; r < r1; r++) {
    const xr = at(x, r * classes);
    const t = load<i32>(at(target, r));
    if (t == ignoreIndex) {
      if (out) store<f32>(at(out, r), 0);
      if (grad) ignoredRowGrad(xr, at(grad, r * classes), classes);
      continue;
    }
    const wt: f32 = weight ? load<f32>(at(weight, t)) : 1;
    const m = rowMax(xr, classes);
    const xt = load<f32>(at(xr, t));
    const gap = smoothing > 0 ? gapSum(xr, weight, classes, m) : 0;
    const s = grad ? expStore(xr, at(grad, r * classes), classes, m) : sumExp(xr, classes, m);
    const ls = Math.log(s);
    const nll = <f64>wt * ((<f64>m - <f64>xt) + ls);
    const smooth = smoothing > 0 ? gap + <f64>weightTotal * ls : 0;
    if (out) store<f32>(at(out, r), <f32>((1 - <f64>smoothing) * nll + <f64>smoothing / classes * smooth));
    addPartial(partials, r, CE_SLOTS, 0, nll);
    addPartial(partials, r, CE_SLOTS, 1, wt);
    addPartial(partials, r, CE_SLOTS, 2, smooth);
    if (grad) {
      const g: f32 = gradOut ? load<f32>(at(gradOut, r)) : 1;
      const gr = at(grad, r * classes);
      gradRow(gr, weight, classes, <f32>(<f64>g * (gradNll * wt + gradSmooth * weightTotal) / s), g * gradSmooth);
      store<f32>(at(gr, t), load<f32>(at(gr, t)) - g * gradNll * wt);
    }
  }
}

/**
 * Probability targets q (same shape as x). Partials: one slot, Σ row loss.
 * Gradient of a row: g·gradScale·(Σ_c w_c q'_c · p − w ⊙ q').
 */
export function crossEntropyProb(
  x: usize, q: usize, weight: usize, r0: i32, r1: i32, classes: i32, smoothing: f32,
  out: usize, partials: usize, grad: usize, gradScale: f32, gradOut: usize,
): void {
  const keep: f32 = 1 - smoothing, spread: f32 = smoothing / <f32>classes;
  for (let r = r0; r < r1; r++) {
    const xr = at(x, r * classes), qr = at(q, r * classes);
    const m = rowMax(xr, classes);
    // Σ w q' (m − x) and Σ w q' before grad (possibly x itself) is written.
    let gap: f64 = 0, wq: f64 = 0;
    for (let i = 0; i < classes; i++) {
      const c = (load<f32>(at(qr, i)) * keep + spread) * (weight ? load<f32>(at(weight, i)) : 1);
      gap += c * (m - load<f32>(at(xr, i)));
      wq += c;
    }
    const s = grad ? expStore(xr, at(grad, r * classes), classes, m) : sumExp(xr, classes, m);
    const loss = gap + wq * Math.log(s);
    if (out) store<f32>(at(out, r), <f32>loss);
    addPartial(partials, r, 1, 0, loss);
    if (grad) {
      const g: f32 = (gradOut ? load<f32>(at(gradOut, r)) : 1) * gradScale;
      const gr = at(grad, r * classes);
      const a = <f32>(wq / s) * g;
      for (let i = 0; i < classes; i++) {
        const c = (load<f32>(at(qr, i)) * keep + spread) * (weight ? load<f32>(at(weight, i)) : 1);
        store<f32>(at(gr, i), load<f32>(at(gr, i)) * a - c * g);
      }
    }
  }
}
