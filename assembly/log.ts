// Natural log for f32, scalar and f32x4 forms of one algorithm (Cephes logf):
// split x = m·2^e with m in [√½, √2), a degree-9 polynomial in m − 1, and
// ln2 in two parts. About 1 ULP on normal positive numbers. log(0) = −∞,
// log(x<0) = NaN, log(+∞) = +∞, NaN stays NaN.
import { madd } from './simd';

const SQRT_HALF: f32 = 0.707106781;
const P0: f32 = 7.0376836292e-2;
const P1: f32 = -1.1514610310e-1;
const P2: f32 = 1.1676998740e-1;
const P3: f32 = -1.2420140846e-1;
const P4: f32 = 1.4249322787e-1;
const P5: f32 = -1.6668057665e-1;
const P6: f32 = 2.0000714765e-1;
const P7: f32 = -2.4999993993e-1;
const P8: f32 = 3.3333331174e-1;
const LN2_LO: f32 = -2.12194440e-4;
const LN2_HI: f32 = 0.693359375;

// The polynomial in m (z = m²) in Estrin's form: pairs of terms, then pairs
// of pairs, four dependent steps where Horner's takes eight. A row's log is
// the tail of the chain its finish waits on (logSumExp at 10 classes +7%);
// still within 1 ULP (16M arguments over (0, ∞), as Horner's).
@inline function poly(m: v128, z: v128): v128 {
  const z2 = f32x4.mul(z, z);
  const a0 = madd(f32x4.splat(P7), m, f32x4.splat(P8)), a1 = madd(f32x4.splat(P5), m, f32x4.splat(P6));
  const a2 = madd(f32x4.splat(P3), m, f32x4.splat(P4)), a3 = madd(f32x4.splat(P1), m, f32x4.splat(P2));
  const c = madd(madd(a3, z, a2), z2, madd(a1, z, a0));
  return madd(f32x4.mul(f32x4.splat(P0), z2), z2, c);
}

/** logv for positive normal x only (no edge case is looked at). */
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

@inline export function logv(x: v128): v128 {
  // Edge cases: 0 → −∞, negative → NaN, +∞ and NaN → themselves.
  let r = v128.bitselect(f32x4.splat(-Infinity), logNormalv(x), f32x4.eq(x, f32x4.splat(0)));
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x, f32x4.splat(0)));
  return v128.bitselect(r, x, f32x4.lt(x, f32x4.splat(Infinity))); // false for +∞ and NaN
}

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

/** logv for finite x ≥ 1, or NaN (which stays NaN): a row's sum over its
 *  largest term, or log1p's 1 + u. One step where logv's edge cases take
 *  six, at the end of the chain a group's finish waits on (+2–3% at 10
 *  classes). */
@inline export function logAtLeast1v(x: v128): v128 {
  return f32x4.add(logNormalv(x), f32x4.sub(x, x)); // x − x: 0, or NaN
}

/** log(1 + u) for u ≥ 0, accurate for tiny u (Kahan: log(w)·u/(w − 1), w = 1 + u). */
@inline export function log1pv(u: v128): v128 {
  const w = f32x4.add(u, f32x4.splat(1));
  const d = f32x4.sub(w, f32x4.splat(1));
  const r = f32x4.div(f32x4.mul(logAtLeast1v(w), u), d);
  return v128.bitselect(u, r, f32x4.eq(d, f32x4.splat(0)));
}

@inline export function log1ps(u: f32): f32 {
  const w = u + 1;
  const d = w - 1;
  return d == 0 ? u : logs(w) * u / d;
}
