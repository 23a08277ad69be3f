// exp(x) for f32, scalar and f32x4 forms of one algorithm (after XNNPACK's
// rr2-p5): n = round(x·log2e) by a "magic bias" add whose low bits are already
// the biased exponent of 2^n (of 2^(n − k) for expScaled), a two-constant ln2
// range reduction, a degree-5 polynomial on [−ln2/2, ln2/2]. Within 2 ULP of
// exp on (−87.33, 88.3]; results below the normal range flush to 0 (the
// scalar form: once 2^n leaves it, a few subnormals later), exp(−∞) = 0, NaN
// stays NaN. Larger arguments need `expAny`.
import { madd } from './simd';

export const LOG2E: f32 = 1.44269502;
const MAGIC: f32 = 12583039.0; // 0x1.8000FEp23: 1.5·2^23 + 127
const MAGIC_BITS: i32 = 0x4B400000; // the bits of 1.5·2^23: MAGIC's bits minus these are 127
const MINUS_LN2_HI: f32 = -0.693145752;
const MINUS_LN2_LO: f32 = -1.42860677e-6;
const C5: f32 = 0.00828929059;
const C4: f32 = 0.0418978222;
const C3: f32 = 0.166676521;
const C2: f32 = 0.499991506;
const C1: f32 = 0.999999702;
const FLUSH_BELOW: f32 = -87.3365402;
const LN2: f64 = 0.6931471805599453;

@inline export function expv(x: v128): v128 {
  return expScaledv(x, f32x4.splat(MAGIC), f32x4.splat(FLUSH_BELOW));
}

@inline export function exps(x: f32): f32 {
  return expScaleds(x, 0);
}

/**
 * exp(x)·2^−k, for shifts that are whole multiples of ln 2: the range
 * reduction is taken on x itself, so it is exact where x − k·ln 2 rounded
 * would not be (|x| < 354: n·ln2_hi is exact for |n| < 512). 2^−k costs
 * nothing: it is folded into the magic bias (magicOf(k)); results whose
 * x − k·ln 2 falls below the normal range (x < floorOf(k)) flush to 0.
 */
@inline export function expScaledv(x: v128, magic: v128, floor: v128): v128 {
  let n = madd(x, f32x4.splat(LOG2E), magic);
  const scale = i32x4.shl(n, 23); // 2^(n − k), straight from n's low bits
  n = f32x4.sub(n, magic);
  let t = madd(n, f32x4.splat(MINUS_LN2_HI), x);
  t = madd(n, f32x4.splat(MINUS_LN2_LO), t);
  let p = madd(f32x4.splat(C5), t, f32x4.splat(C4));
  p = madd(p, t, f32x4.splat(C3));
  p = madd(p, t, f32x4.splat(C2));
  p = madd(p, t, f32x4.splat(C1));
  t = f32x4.mul(t, scale);
  const f = madd(t, p, scale);
  return v128.andnot(f, f32x4.lt(x, floor));
}

/** expScaledv's scalar form, with k itself: the same n, 2^(n − k) and
 *  polynomial (so the same bits, but for FMA), and a flush decided on the
 *  exponent (2^(n − k) below the normal range), which needs no per-row
 *  constant: V8 rebuilt a floor computed from k inside every scalar loop. */
@inline export function expScaleds(x: f32, k: i32): f32 {
  let n = x * LOG2E + MAGIC;
  const biased = reinterpret<i32>(n) - MAGIC_BITS - k; // 127 + n − k
  const scale = reinterpret<f32>(biased << 23);
  n -= MAGIC;
  let t = n * MINUS_LN2_HI + x;
  t = n * MINUS_LN2_LO + t;
  let p = C5 * t + C4;
  p = p * t + C3;
  p = p * t + C2;
  p = p * t + C1;
  t *= scale;
  const f = t * p + scale;
  return biased > 0 || x != x ? f : 0; // a NaN's bits may carry a sign: keep it NaN
}

/** The magic bias of expScaled for 2^−k (k small: an exact f32 integer). */
@inline export function magicOf(k: i32): f32 {
  return MAGIC - <f32>k;
}

/** Where expScaled for 2^−k flushes: x − k·ln 2 below the normal range. */
@inline export function floorOf(k: i32): f32 {
  return FLUSH_BELOW + <f32>(<f64>k * LN2);
}

/** magicOf and floorOf for four k at once (k as f32 integers). */
@inline export function magicOfv(k: v128): v128 {
  return f32x4.sub(f32x4.splat(MAGIC), k);
}

@inline export function floorOfv(k: v128): v128 {
  return f32x4.add(f32x4.splat(FLUSH_BELOW), f32x4.mul(k, f32x4.splat(<f32>LN2)));
}

/** exp for any argument: exp(min(x, 0))·exp(h)² with h = min(max(x, 0)/2, 88),
 *  so large positive arguments overflow to +∞ (exp(88)² does) instead of
 *  wrapping the exponent bits; NaN stays NaN (max and min propagate it). */
@inline export function expAnyv(x: v128): v128 {
  const h = f32x4.min(f32x4.mul(f32x4.max(x, f32x4.splat(0)), f32x4.splat(0.5)), f32x4.splat(88));
  const half = expv(h);
  return f32x4.mul(expv(f32x4.min(x, f32x4.splat(0))), f32x4.mul(half, half));
}

@inline export function expAnys(x: f32): f32 {
  const half = exps(min(max(x, 0) * 0.5, 88));
  return exps(min(x, 0)) * (half * half);
}
