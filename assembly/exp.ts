// exp(x) for f32, scalar and f32x4 forms of one algorithm (after XNNPACK's
// rr2-p5): n = round(x·log2e) by a "magic bias" add whose low bits are already
// the biased exponent of 2^n (of 2^(n − k) for expScaled), a two-constant ln2
// range reduction, a degree-5 polynomial on [−ln2/2, ln2/2]. Within 2 ULP of
// exp on [−87.3, 88.3] (tests/exp-accuracy.test.js); results below the normal
// range flush to 0 (the scalar form: once 2^n leaves it, a few subnormals
// later), exp(−∞) = 0, NaN stays NaN. Larger arguments need `expAny`.
//
// Constants are written as their float32 bits, the exact value beside them.
import { madd } from './simd';

export const LOG2E: f32 = reinterpret<f32>(0x3FB8AA3B); /* 1.44269502162933349609375 */
/** 1.5·2^23 + 127 (0x1.8000FEp23): n + MAGIC holds 127 + n in its low bits. */
const MAGIC: f32 = reinterpret<f32>(0x4B40007F); /* 12583039 */
const MAGIC_BITS: i32 = 0x4B400000; // the bits of 1.5·2^23: MAGIC's bits minus these are 127
const MINUS_LN2_HI: f32 = reinterpret<f32>(0xBF317200); /* -0.693145751953125 */
const MINUS_LN2_LO: f32 = reinterpret<f32>(0xB5BFBE8E); /* -1.428606765330187045037746429443359375e-6 */
const C5: f32 = reinterpret<f32>(0x3C07CFCE); /* 0.00828929059207439422607421875 */
const C4: f32 = reinterpret<f32>(0x3D2B9D0D); /* 0.0418978221714496612548828125 */
const C3: f32 = reinterpret<f32>(0x3E2AAD40); /* 0.16667652130126953125 */
const C2: f32 = reinterpret<f32>(0x3EFFFEE3); /* 0.4999915063381195068359375 */
const C1: f32 = reinterpret<f32>(0x3F7FFFFB); /* 0.999999701976776123046875 */
/** Below this, exp(x) is under the normal range (2^−126) and flushes to 0. */
const FLUSH_BELOW: f32 = reinterpret<f32>(0xC2AEAC4F); /* -87.33654022216796875 */
const LN2: f64 = reinterpret<f64>(0x3FE62E42FEFA39EF); /* 0.69314718055994528622676398299518041312694549560546875 */

/**
 * exp of four lanes.
 * Takes: x, any f32x4. Returns: exp(x) per lane.
 * Accuracy: ≤ 2 ULP. Range: x in [−87.34, 88.3]; below, 0 (exp(−∞) = 0);
 * above, wrong (use expAnyv); NaN stays NaN.
 * State: none.
 */
@inline export function expv(x: v128): v128 {
  return expScaledv(x, f32x4.splat(MAGIC), f32x4.splat(FLUSH_BELOW));
}

/**
 * expv's scalar form (the same bits, but for relaxed-simd's FMA).
 * Takes: x. Returns: exp(x).
 * Accuracy: ≤ 2 ULP. Range: as expv, but flushing to 0 a few subnormals
 * later (once 2^n leaves the normal range). State: none.
 */
@inline export function exps(x: f32): f32 {
  return expScaleds(x, 0);
}

/**
 * exp(x)·2^−k, for shifts that are whole multiples of ln 2: the range
 * reduction is taken on x itself, so it is exact where x − k·ln 2 rounded
 * would not be (|x| < 354: n·ln2_hi is exact for |n| < 512). 2^−k costs
 * nothing: it is folded into the magic bias.
 * Takes: x; magic = magicOf(k) and floor = floorOf(k) in every lane (or
 * magicOfv, floorOfv: one k per lane).
 * Returns: exp(x)·2^−k per lane.
 * Accuracy: ≤ 2 ULP. Range: x − k·ln 2 in [−87.34, 88.3]; where x < floor
 * (x − k·ln 2 below the normal range), 0; NaN stays NaN.
 * State: none.
 */
@inline export function expScaledv(x: v128, magic: v128, floor: v128): v128 {
  return v128.andnot(expUnflushedv(x, magic), f32x4.lt(x, floor));
}

/**
 * expScaledv without its flush, for callers that keep x at or above the
 * floor themselves (scoring's pass clamps its z once for the exp and the
 * product that both read it: score_pass.ts).
 * Takes: x; magic = magicOf(k). Returns: exp(x)·2^−k per lane.
 * Accuracy: ≤ 2 ULP. Range: x − k·ln 2 in [−87.34, 88.3]; below, garbage.
 * State: none.
 */
@inline export function expUnflushedv(x: v128, magic: v128): v128 {
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
  return madd(t, p, scale);
}

/**
 * expScaledv's scalar form, with k itself: the same n, 2^(n − k) and
 * polynomial (so the same bits, but for FMA), and a flush decided on the
 * exponent (2^(n − k) below the normal range), which needs no per-row
 * constant: V8 rebuilt a floor computed from k inside every scalar loop.
 * Takes: x, k. Returns: exp(x)·2^−k.
 * Accuracy: ≤ 2 ULP. Range: as expScaledv; 0 once 2^(n − k) is below the
 * normal range; NaN stays NaN. State: none.
 */
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

/**
 * The magic bias of expScaled for 2^−k.
 * Takes: k, small (|k| < 2^22: an exact f32 integer). Returns: MAGIC − k.
 * Accuracy: exact. State: none.
 */
@inline export function magicOf(k: i32): f32 {
  return MAGIC - <f32>k;
}

/**
 * Where expScaled for 2^−k flushes: x − k·ln 2 below the normal range.
 * Takes: k. Returns: FLUSH_BELOW + k·ln 2, rounded once to f32.
 * Accuracy: 0.5 ULP. State: none.
 */
@inline export function floorOf(k: i32): f32 {
  return FLUSH_BELOW + <f32>(<f64>k * LN2);
}

/**
 * magicOf for four k at once.
 * Takes: k, four f32 integers. Returns: MAGIC − k per lane.
 * Accuracy: exact. State: none.
 */
@inline export function magicOfv(k: v128): v128 {
  return f32x4.sub(f32x4.splat(MAGIC), k);
}

/**
 * floorOf for four k at once, in f32 throughout (so not floorOf's bits).
 * Takes: k, four f32 integers. Returns: FLUSH_BELOW + k·ln 2 per lane.
 * Accuracy: two f32 roundings. State: none.
 */
@inline export function floorOfv(k: v128): v128 {
  return f32x4.add(f32x4.splat(FLUSH_BELOW), f32x4.mul(k, f32x4.splat(<f32>LN2)));
}

/**
 * exp for any argument: exp(min(x, 0))·exp(h)² with h = min(max(x, 0)/2, 88),
 * so large positive arguments overflow to +∞ (exp(88)² does) instead of
 * wrapping the exponent bits.
 * Takes: x, any f32x4. Returns: exp(x) per lane.
 * Accuracy: ≤ 2 ULP for x ≤ 0, ≤ 6 ULP above (three exps and two products;
 * measured over 2^20 points of [0, 88.7]). Range: all of f32: 0 below −87.34,
 * +∞ above ~88.72; NaN stays NaN (max and min propagate it).
 * State: none.
 */
@inline export function expAnyv(x: v128): v128 {
  const h = f32x4.min(f32x4.mul(f32x4.max(x, f32x4.splat(0)), f32x4.splat(0.5)), f32x4.splat(88));
  const half = expv(h);
  return f32x4.mul(expv(f32x4.min(x, f32x4.splat(0))), f32x4.mul(half, half));
}

/**
 * expAnyv's scalar form. Takes: x. Returns: exp(x).
 * Accuracy, range: as expAnyv. State: none.
 */
@inline export function expAnys(x: f32): f32 {
  const half = exps(min(max(x, 0) * 0.5, 88));
  return exps(min(x, 0)) * (half * half);
}
