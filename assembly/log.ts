// Natural log for f32, scalar and f32x4 forms of one algorithm (Cephes logf):
// split x = m·2^e with m in [√½, √2), a degree-9 polynomial in m − 1, and
// ln2 in two parts. About 1 ULP on normal positive numbers. log(0) = −∞,
// log(x<0) = NaN, log(+∞) = +∞, NaN stays NaN. A subnormal x is read as if
// it were normal (its log comes out in [−88.1, −87.3], where it is as low as
// −103.3): the kernels only take it times x itself (KL, entropy), a product
// below 1.3e−36 either way.
//
// Constants are written as their float32 bits, the exact value beside them.
import { madd } from './simd';

const SQRT_HALF: f32 = reinterpret<f32>(0x3F3504F3); /* 0.707106769084930419921875 */
const P0: f32 = reinterpret<f32>(0x3D9021BB); /* 0.070376835763454437255859375 */
const P1: f32 = reinterpret<f32>(0xBDEBD1B8); /* -0.115146100521087646484375 */
const P2: f32 = reinterpret<f32>(0x3DEF251A); /* 0.11676998436450958251953125 */
const P3: f32 = reinterpret<f32>(0xBDFE5D4F); /* -0.124201409518718719482421875 */
const P4: f32 = reinterpret<f32>(0x3E11E9BF); /* 0.14249323308467864990234375 */
const P5: f32 = reinterpret<f32>(0xBE2AAE50); /* -0.1666805744171142578125 */
const P6: f32 = reinterpret<f32>(0x3E4CCEAC); /* 0.200007140636444091796875 */
const P7: f32 = reinterpret<f32>(0xBE7FFFFC); /* -0.249999940395355224609375 */
const P8: f32 = reinterpret<f32>(0x3EAAAAAA); /* 0.333333313465118408203125 */
const LN2_LO: f32 = reinterpret<f32>(0xB95E8083); /* -0.000212194441701285541057586669921875 */
const LN2_HI: f32 = reinterpret<f32>(0x3F318000); /* 0.693359375 */

/**
 * The polynomial in m (z = m²) in Estrin's form: pairs of terms, then pairs
 * of pairs, four dependent steps where Horner's takes eight. A row's log is
 * the tail of the chain its finish waits on (docs/kernel-notes.md, "Measured
 * numbers the code cites").
 * Takes: m = mantissa − 1 in [√½ − 1, √2 − 1), z = m². Returns: P(m), the
 * Cephes polynomial. Accuracy: within 1 ULP of log once finished by
 * logNormalv (16M arguments over (0, ∞), as Horner's). State: none.
 */
@inline function poly(m: v128, z: v128): v128 {
  const z2 = f32x4.mul(z, z);
  const a0 = madd(f32x4.splat(P7), m, f32x4.splat(P8)), a1 = madd(f32x4.splat(P5), m, f32x4.splat(P6));
  const a2 = madd(f32x4.splat(P3), m, f32x4.splat(P4)), a3 = madd(f32x4.splat(P1), m, f32x4.splat(P2));
  const c = madd(madd(a3, z, a2), z2, madd(a1, z, a0));
  return madd(f32x4.mul(f32x4.splat(P0), z2), z2, c);
}

/**
 * logv with no edge case looked at.
 * Takes: x, positive normal f32 per lane. Returns: log x per lane.
 * Accuracy: about 1 ULP. Range: positive normal x only; anything else gives
 * garbage. State: none.
 */
@inline function logNormalv(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_s(x, 23), i32x4.splat(126));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // [0.5, 1)
  const small = f32x4.lt(m, f32x4.splat(SQRT_HALF));
  e = i32x4.add(e, small); // −1 where m was doubled
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), f32x4.splat(1));
  const z = f32x4.mul(m, m);
  const fe = f32x4.convert_i32x4_s(e);
  let y = f32x4.mul(f32x4.mul(poly(m, z), m), z);
  y = madd(fe, f32x4.splat(LN2_LO), y);
  y = madd(z, f32x4.splat(-0.5), y);
  return madd(fe, f32x4.splat(LN2_HI), f32x4.add(m, y));
}

/**
 * Natural log of four lanes.
 * Takes: x, any f32x4. Returns: log x per lane.
 * Accuracy: about 1 ULP. Range: positive normal x; 0 → −∞, negative → NaN,
 * +∞ → +∞, NaN → NaN; subnormal x as in the header. State: none.
 */
@inline export function logv(x: v128): v128 {
  // Edge cases: 0 → −∞, negative → NaN, +∞ and NaN → themselves.
  let r = v128.bitselect(f32x4.splat(-Infinity), logNormalv(x), f32x4.eq(x, f32x4.splat(0)));
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x, f32x4.splat(0)));
  return v128.bitselect(r, x, f32x4.lt(x, f32x4.splat(Infinity))); // false for +∞ and NaN
}

/**
 * logv's scalar form: logv's steps in the same order (poly's too), so the
 * same bits where madd is not fused (all builds but relaxed-simd).
 * Takes: x. Returns: log x. Accuracy, range: as logv. State: none.
 */
export function logs(x: f32): f32 {
  if (!(x > 0 && x < Infinity)) return x == 0 ? -Infinity : x < 0 ? NaN : x;
  const bits = reinterpret<i32>(x);
  let e = (bits >> 23) - 126;
  let m = reinterpret<f32>((bits & 0x007fffff) | 0x3f000000);
  if (m < SQRT_HALF) { e -= 1; m = m + m - 1; } else m -= 1;
  const z = m * m, z2 = z * z;
  const fe = <f32>e;
  const c = ((P1 * m + P2) * z + (P3 * m + P4)) * z2 + ((P5 * m + P6) * z + (P7 * m + P8));
  let y = (P0 * z2) * z2 + c; // poly's order, step for step
  y = y * m * z + fe * LN2_LO - 0.5 * z;
  return m + y + fe * LN2_HI;
}

/**
 * logv for arguments known to be at least 1: one step where logv's edge
 * cases take six, at the end of the chain a group's finish waits on.
 * Takes: x, finite ≥ 1 or NaN per lane (a row's sum over its largest term,
 * or log1p's 1 + u). Returns: log x per lane; NaN stays NaN.
 * Accuracy: about 1 ULP. Range: [1, f32 max]; +∞ gives NaN. State: none.
 */
@inline export function logAtLeast1v(x: v128): v128 {
  return f32x4.add(logNormalv(x), f32x4.sub(x, x)); // x − x: 0, or NaN
}

/**
 * log(1 + u), accurate for tiny u (Kahan: log(w)·u/(w − 1), w = 1 + u).
 * Takes: u ≥ 0 per lane (BCE's exp(−|x|), in [0, 1]). Returns: log1p(u) per lane.
 * Accuracy: logv's plus a few roundings (not measured on its own; BCE meets
 * the tolerance in README.md). Range: finite u ≥ 0; u = 0 → 0. State: none.
 */
@inline export function log1pv(u: v128): v128 {
  const w = f32x4.add(u, f32x4.splat(1));
  const d = f32x4.sub(w, f32x4.splat(1));
  const r = f32x4.div(f32x4.mul(logAtLeast1v(w), u), d);
  return v128.bitselect(u, r, f32x4.eq(d, f32x4.splat(0)));
}

/**
 * log1pv's scalar form. Takes: u ≥ 0. Returns: log1p(u).
 * Accuracy, range: as log1pv. State: none.
 */
@inline export function log1ps(u: f32): f32 {
  const w = u + 1;
  const d = w - 1;
  return d == 0 ? u : logs(w) * u / d;
}
