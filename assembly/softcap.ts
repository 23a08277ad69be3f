// Logit soft-capping (Gemma 2): y = cap·tanh(x / cap) before the loss, and
// the chain rule's factor dy/dx = 1 − tanh²(x / cap) = 1 − (y / cap)² on
// the gradient after it. The cross-entropy kernels cap a piece of rows into
// spare scratch (spareAt in lanes.ts) and run on the capped copy; index
// targets take the factor as their gradient is written (gradRow and
// gradColumn in cross_entropy.ts), probability targets scale the piece's
// gradient afterwards (capGrad). The caller's logits are never written
// (unless they are the gradient's own memory, which the kernel writes anyway).
import { at } from './simd';
import { exps, expv } from './exp';
import { spareAt } from './lanes';

/** tanh is taken by its odd polynomial below this |u| (no cancellation in 1 − e). */
const POLY_BELOW: f32 = 0.625;
// Cephes' tanhf polynomial: tanh(u) = u + u·u²·P(u²) on [0, 0.625].
const T4: f32 = -5.70498872745e-3;
const T3: f32 = 2.06390887954e-2;
const T2: f32 = -5.37397155531e-2;
const T1: f32 = 1.33314422036e-1;
const T0: f32 = -3.33332819422e-1;

/**
 * tanh of four lanes: u + u³·P(u²) for |u| < POLY_BELOW, else
 * (1 − e)/(1 + e) with e = exp(−2|u|) ≤ 0.29 (never overflows: large |u|
 * give e = 0, so ±1), the sign put back from u.
 * Takes: u. Returns: tanh(u) per lane. Accuracy: a few ULP (the exp's 2,
 * the quotient's roundings; tests/fixtures' softcap cases hold it to the
 * README's tolerance times the cap). Range: any f32; ±∞ → ±1, NaN → NaN.
 * State: none.
 */
@inline export function tanhv(u: v128): v128 {
  const a = f32x4.abs(u), z = f32x4.mul(a, a);
  let t = f32x4.add(f32x4.mul(f32x4.mul(polyv(z), z), a), a);
  const near = f32x4.lt(a, f32x4.splat(POLY_BELOW));
  // Logits mostly lie well inside the cap (|u| < 0.625: |x| < 18.75 for a cap of 30):
  // there the exp and the division are skipped (a predictable branch per vector).
  if (!i32x4.all_true(near)) {
    const one = f32x4.splat(1), e = expv(f32x4.mul(a, f32x4.splat(-2)));
    t = v128.bitselect(t, f32x4.div(f32x4.sub(one, e), f32x4.add(one, e)), near);
  }
  return v128.or(t, v128.and(u, f32x4.splat(-0.0))); // |t| has no sign bit: u's
}

/**
 * cap·tanh(x/cap) of four lanes. Where every |x/cap| < POLY_BELOW (logits
 * mostly lie well inside the cap), straight from the polynomial as
 * x + x·u²·P(u²), u = x/cap: no absolute value, sign or product by the cap
 * (it is odd in x, and cap·u is x), about two thirds of tanhv's steps
 * (docs/kernel-notes.md); else cap·tanhv(u).
 * Takes: x, inv = 1/cap and cap in every lane. Returns: the capped lanes.
 * Accuracy: tanhv's. Range: as tanhv. State: none.
 */
@inline function capv(x: v128, inv: v128, cap: v128): v128 {
  const u = f32x4.mul(x, inv), z = f32x4.mul(u, u);
  if (!i32x4.all_true(f32x4.lt(z, f32x4.splat(POLY_BELOW * POLY_BELOW)))) return f32x4.mul(cap, tanhv(u));
  return f32x4.add(f32x4.mul(x, f32x4.mul(z, polyv(z))), x);
}

/** P(z) of tanh(u) = u + u·z·P(z), z = u², four lanes. */
@inline function polyv(z: v128): v128 {
  let p = f32x4.add(f32x4.mul(f32x4.splat(T4), z), f32x4.splat(T3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T1));
  return f32x4.add(f32x4.mul(p, z), f32x4.splat(T0));
}

/** tanhv's scalar form (the same steps). Takes: u. Returns: tanh(u). */
@inline export function tanhs(u: f32): f32 {
  const a = abs(u);
  let t: f32;
  if (a < POLY_BELOW) {
    const z = a * a;
    t = ((((T4 * z + T3) * z + T2) * z + T1) * z + T0) * z * a + a;
  } else {
    const e = exps(-2 * a);
    t = (1 - e) / (1 + e);
  }
  return copysign<f32>(t, u);
}

/**
 * Rows [r0, r1) of n at x, capped, into spare scratch (spareAt): y = cap·tanh(x·(1/cap)).
 * Takes: x, r0, r1 (r1 − r0 ≤ spareRows(n) in lanes.ts), n, cap > 0.
 * Returns: the copy's address biased by r0 rows, so that row r of it is at
 * row r of the returned pointer, as every kernel indexes its arrays.
 * Accuracy: tanhv's, and two roundings of the argument and one of the product.
 * State: writes the spare scratch.
 */
export function capInto(x: usize, r0: i32, r1: i32, n: i32, cap: f32): usize {
  const y = spareAt(n), inv: f32 = 1 / cap, count = (r1 - r0) * n, src = at(x, r0 * n);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vc = f32x4.splat(cap), vi = f32x4.splat(inv);
    if (i + 4 <= count) do { // do-while: see CONSTANT_LOOPS in simd.ts
      v128.store(at(y, i), capv(v128.load(at(src, i)), vi, vc));
      i += 4;
    } while (i + 4 <= count);
  }
  for (; i < count; i++) store<f32>(at(y, i), cap * tanhs(load<f32>(at(src, i)) * inv));
  return y - (<usize>(r0 * n) << 2);
}

/**
 * The chain rule through the cap for rows [r0, r1): grad ·= 1 − (y/cap)²,
 * y the capped rows capInto returned (biased as it returned them).
 * Takes: y, grad (rows of n), r0, r1, n, cap. State: writes grad's rows.
 */
export function capGrad(y: usize, grad: usize, r0: i32, r1: i32, n: i32, cap: f32): void {
  const inv: f32 = 1 / cap, first = r0 * n, end = r1 * n;
  let i = first;
  if (ASC_FEATURE_SIMD) {
    const vi = f32x4.splat(inv);
    for (; i + 4 <= end; i += 4) v128.store(at(grad, i), f32x4.mul(v128.load(at(grad, i)), capFactorv(v128.load(at(y, i)), vi)));
  }
  for (; i < end; i++) store<f32>(at(grad, i), load<f32>(at(grad, i)) * capFactor(load<f32>(at(y, i)), inv));
}

/** The cap's factor dy/dx = 1 − (y·inv)² of four capped logits y, inv = 1/cap.
 *  Takes: y, inv. Returns: the factor per lane. State: none. */
@inline export function capFactorv(y: v128, inv: v128): v128 {
  const t = f32x4.mul(y, inv);
  return f32x4.sub(f32x4.splat(1), f32x4.mul(t, t));
}

/** capFactorv's scalar form. Takes: y, inv. Returns: 1 − (y·inv)². */
@inline export function capFactor(y: f32, inv: f32): f32 {
  const t = y * inv;
  return 1 - t * t;
}
