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
import { rowMax, sumExp, sumExpProbed, expStoreProbed, probedMax, probedShift, expStore, gapSum, stats4, max0, max1, max2, max3, LANES_BELOW } from './reduce';

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
@inline function ignoredRowGrad(g: usize, n: i32, m: f32, s: f64): void {
  const nan = m == Infinity || m == -Infinity || isNaN(s);
  memory.fill(g, nan ? 0xff : 0, <usize>n << 2); // all-ones bytes are a NaN
}

// The current crossEntropyIndex call, as its row helpers see it (globals are
// per instance, so this stays per thread).
let X: usize = 0, TARGET: usize = 0, WEIGHT: usize = 0, WEIGHT_TOTAL: f32 = 0, CLASSES: i32 = 0;
let IGNORE: i32 = 0, SMOOTHING: f32 = 0, OUT: usize = 0, PARTIALS: usize = 0;
let GRAD: usize = 0, GRAD_NLL: f32 = 0, GRAD_SMOOTH: f32 = 0, GRAD_OUT: usize = 0;

/**
 * Index targets. weight = 0 means unweighted; weightTotal = Σ_c w_c (C when
 * unweighted). out, partials, grad: 0 when not wanted; grad may be x.
 * Gradient of a row: g·[gradNll·w_t·(p − onehot_t) + gradSmooth·(weightTotal·p − w)],
 * with g = gradOut[r] (1 when gradOut = 0); the caller folds (1−ε), ε/C and
 * the reduction's divisor into gradNll and gradSmooth.
 * Each row: what the loss needs from x is read first (the gradient may
 * overwrite it), then the row statistics (max m, s = Σ exp(x − m), the exps
 * stored into grad), then the loss and gradient. Short rows go four at a time.
 */
export function crossEntropyIndex(
  x: usize, target: usize, weight: usize, weightTotal: f32, r0: i32, r1: i32, classes: i32,
  ignoreIndex: i32, smoothing: f32, out: usize, partials: usize,
  grad: usize, gradNll: f32, gradSmooth: f32, gradOut: usize,
): void {
  X = x; TARGET = target; WEIGHT = weight; WEIGHT_TOTAL = weightTotal; CLASSES = classes;
  IGNORE = ignoreIndex; SMOOTHING = smoothing; OUT = out; PARTIALS = partials;
  GRAD = grad; GRAD_NLL = gradNll; GRAD_SMOOTH = gradSmooth; GRAD_OUT = gradOut;
  let r = r0;
  if (ASC_FEATURE_SIMD && classes < LANES_BELOW) {
    for (; r + 4 <= r1; r += 4) {
      const x0 = targetLogit(r), x1 = targetLogit(r + 1), x2 = targetLogit(r + 2), x3 = targetLogit(r + 3);
      const g0 = gap(r), g1 = gap(r + 1), g2 = gap(r + 2), g3 = gap(r + 3);
      const s = stats4(at(x, r * classes), classes, grad ? at(grad, r * classes) : 0);
      finishRow(r, x0, g0, max0, f32x4.extract_lane(s, 0), 0);
      finishRow(r + 1, x1, g1, max1, f32x4.extract_lane(s, 1), 0);
      finishRow(r + 2, x2, g2, max2, f32x4.extract_lane(s, 2), 0);
      finishRow(r + 3, x3, g3, max3, f32x4.extract_lane(s, 3), 0);
    }
  }
  for (; r < r1; r++) {
    const xt = targetLogit(r), g = gap(r);
    const xr = at(x, r * classes);
    if (grad == x) { // in place: the exps overwrite x, so the shift must be final
      const m = rowMax(xr, classes);
      finishRow(r, xt, g, m, expStore(xr, xr, classes, m), 0);
    } else if (grad) {
      const s = expStoreProbed(xr, at(grad, r * classes), classes);
      finishRow(r, xt, g, probedMax, s, probedShift - probedMax);
    } else {
      const s = sumExpProbed(xr, classes); // one pass; no gradient to store
      finishRow(r, xt, g, probedMax, s, probedShift - probedMax);
    }
  }
}

@inline function targetOf(r: i32): i32 {
  return load<i32>(at(TARGET, r));
}

/** x[r, t] (0 for an ignored row). */
@inline function targetLogit(r: i32): f32 {
  const t = targetOf(r);
  return t == IGNORE ? 0 : load<f32>(at(X, r * CLASSES + t));
}

/** The smoothing term's Σ w·(m − x) of row r (0 without smoothing). */
@inline function gap(r: i32): f64 {
  if (!(SMOOTHING > 0) || targetOf(r) == IGNORE) return 0;
  const xr = at(X, r * CLASSES);
  return gapSum(xr, WEIGHT, CLASSES, rowMax(xr, CLASSES));
}

/** Loss, partial sums and gradient of row r from its statistics: max m and
 *  s = Σ exp(x − (m + shift)), i.e. log Σ exp(x − m) = log s + shift. */
@inline function finishRow(r: i32, xt: f32, gap: f64, m: f32, s: f64, shift: f64): void {
  const t = targetOf(r);
  if (t == IGNORE) {
    if (OUT) store<f32>(at(OUT, r), 0);
    if (GRAD) ignoredRowGrad(at(GRAD, r * CLASSES), CLASSES, m, s);
    return;
  }
  const wt: f32 = WEIGHT ? load<f32>(at(WEIGHT, t)) : 1;
  const ls = Math.log(s) + shift;
  const nll = <f64>wt * ((<f64>m - <f64>xt) + ls);
  const smooth = SMOOTHING > 0 ? gap + <f64>WEIGHT_TOTAL * ls : 0;
  if (OUT) store<f32>(at(OUT, r), <f32>((1 - <f64>SMOOTHING) * nll + <f64>SMOOTHING / CLASSES * smooth));
  addPartial(PARTIALS, r, CE_SLOTS, 0, nll);
  addPartial(PARTIALS, r, CE_SLOTS, 1, wt);
  addPartial(PARTIALS, r, CE_SLOTS, 2, smooth);
  if (GRAD) {
    const g: f32 = GRAD_OUT ? load<f32>(at(GRAD_OUT, r)) : 1;
    const gr = at(GRAD, r * CLASSES);
    gradRow(gr, WEIGHT, CLASSES, <f32>(<f64>g * (GRAD_NLL * wt + GRAD_SMOOTH * WEIGHT_TOTAL) / s), g * GRAD_SMOOTH);
    store<f32>(at(gr, t), load<f32>(at(gr, t)) - g * GRAD_NLL * wt);
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
