// Sums over a row with no exp in them, in f64 or in f32 blocks: Σ x·w
// (softmax and logSoftmax gradients) and Σ w·(m − x) (label smoothing).
import { at, hsum2, hsum64, madd, promoteHigh, SUM_BLOCK } from './simd';

/**
 * Σ x (w = 0) or Σ x·w over a row of n, in f64 throughout: these sums cancel
 * (gradients of either sign), so float32 blocks would lose the small result.
 * Takes: x, w (or 0), n. Returns: the sum, in f64.
 * Accuracy: each product exact in f64, one f64 rounding per add (four
 * partial sums in the simd builds, one in the scalar form). State: none.
 */
export function sumProduct(x: usize, w: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = lo;
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i));
      if (w) {
        const u = v128.load(at(w, i));
        lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(u)));
        hi = f64x2.add(hi, f64x2.mul(promoteHigh(v), promoteHigh(u)));
      } else {
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, promoteHigh(v));
      }
    }
    total = hsum2(f64x2.add(lo, hi));
  }
  if (w) for (; i < n; i++) total += <f64>load<f32>(at(x, i)) * <f64>load<f32>(at(w, i));
  else for (; i < n; i++) total += load<f32>(at(x, i));
  return total;
}

/**
 * Σ w·(m − x) (w = 0: Σ (m − x)) over a row of n: every term ≥ 0 for m =
 * max x, so the sum has no cancellation even when the logits are huge.
 * Takes: x, w (or 0), n, m. Returns: the sum, in f64.
 * Accuracy: each term in f32 (one or two roundings); the simd builds add a
 * lane's ≤ 64 terms of a SUM_BLOCK in f32, then blocks in f64; the scalar
 * form adds every term in f64. Range: m ≥ every x (else terms cancel).
 * State: none.
 */
export function gapSum(x: usize, w: usize, n: i32, m: f32): f64 {
  let total: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m);
    const whole = n & ~3;
    while (i < whole) {
      const end = min(i + SUM_BLOCK, whole);
      let a = f32x4.splat(0);
      if (w) for (; i < end; i += 4) a = madd(f32x4.sub(vm, v128.load(at(x, i))), v128.load(at(w, i)), a);
      else for (; i < end; i += 4) a = f32x4.add(a, f32x4.sub(vm, v128.load(at(x, i))));
      total += hsum64(a);
    }
  }
  if (w) for (; i < n; i++) total += (m - load<f32>(at(x, i))) * load<f32>(at(w, i));
  else for (; i < n; i++) total += m - load<f32>(at(x, i));
  return total;
}
