// Small vector helpers shared by every kernel. Each build compiles only the
// branch its features allow (ASC_FEATURE_* are compile-time constants).
//
// CONSTANT_LOOPS: a loop whose body uses v128 constants (an exp's or log's
// coefficients) is written `if (cond) do { … } while (cond)`, not `for`.
// TurboFan hoists a loop-invariant value only out of a loop whose body
// dominates its exit; in a `for` loop (the test first) each constant is
// rebuilt every iteration, three instructions apiece (docs/kernel-notes.md).

/**
 * a·b + c per lane: one fused instruction in the relaxed-simd build, a
 * multiply and an add otherwise.
 * Takes: a, b, c (f32x4). Returns: a·b + c.
 * Accuracy: one rounding (fused) or two. State: none.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * Sum of the four lanes, in f64 so that long rows keep their precision.
 * Takes: v (f32x4). Returns: (v0 + v2) + (v1 + v3) in f64.
 * Accuracy: three f64 adds (2^−53 relative each). State: none.
 */
@inline export function hsum64(v: v128): f64 {
  return hsum2(f64x2.add(f64x2.promote_low_f32x4(v), promoteHigh(v)));
}

/** Sum of an f64x2's two lanes. Takes: v (f64x2). Returns: v0 + v1.
 *  Accuracy: one f64 rounding. State: none. */
@inline export function hsum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** The upper two lanes of v widened to f64 (promote_low widens the lower two).
 *  Takes: v (f32x4). Returns: f64x2 (v2, v3). Accuracy: exact. State: none. */
@inline export function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 0));
}

/** f32x4 of lo's two f64 lanes then hi's.
 *  Takes: lo, hi (f64x2). Returns: (lo0, lo1, hi0, hi1) as f32.
 *  Accuracy: each rounded once (0.5 ULP). State: none. */
@inline export function demote4(lo: v128, hi: v128): v128 {
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

/**
 * Largest lane. The last step is f32.max's, taken in a vector: V8's scalar
 * max branches on which lane is larger, a guess that fails at random, where
 * the vector form has no branch (same bits; docs/kernel-notes.md).
 * Takes: v (f32x4). Returns: its largest lane.
 * Accuracy: exact. Range: a NaN in lane 2 or 3 is skipped (pmax keeps its
 * first operand), in lane 0 or 1 it is the result; the max accumulators
 * passed here hold no NaN, and probe's callers take a NaN as "not in range".
 * State: none.
 */
@inline export function hmax(v: v128): f32 {
  const m = f32x4.pmax(v, i64x2.shuffle(v, v, 1, 0));
  return f32x4.extract_lane(f32x4.max(m, i32x4.shuffle(m, m, 1, 1, 1, 1)), 0);
}

/** Lanes holding the last `rem` (1..3) elements of an overlapping final load.
 *  Takes: rem. Returns: an i32x4 mask, all ones in the last rem lanes. State: none. */
@inline export function tailMask(rem: i32): v128 {
  return i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(4 - rem));
}

/** Byte address of element i of an f32/i32 array at p. Takes: p, i ≥ 0.
 *  Returns: p + 4i. State: none. */
@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Rows summed into one f32 block before it is added to an f64 total: short
 *  enough that f32 rounding stays far below the accuracy budget. */
export const SUM_BLOCK: i32 = 256;

/** Rows (or elements) per partial sum of a reduction. Partials are added in
 *  index order, so a total never depends on how rows were split. */
export const PARTIAL_ROWS: i32 = 1024;

/** Four f32 from anywhere. Takes: p, o (i32x4 byte offsets). Returns: lane
 *  j = the f32 at p + o_j. State: none. */
@inline export function gather(p: usize, o: v128): v128 {
  let v = v128.load32_zero(p + <usize>i32x4.extract_lane(o, 0));
  v = v128.load32_lane(p + <usize>i32x4.extract_lane(o, 1), v, 1);
  v = v128.load32_lane(p + <usize>i32x4.extract_lane(o, 2), v, 2);
  return v128.load32_lane(p + <usize>i32x4.extract_lane(o, 3), v, 3);
}

/** The 4×4 transpose of rows a..d. Takes: a, b, c, d; p; step (bytes).
 *  Stores: column j at p + j·step (four vectors). Returns nothing. State: none. */
@inline export function transpose4x4(a: v128, b: v128, c: v128, d: v128, p: usize, step: usize): void {
  const u0 = i32x4.shuffle(a, b, 0, 4, 1, 5), u1 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const u2 = i32x4.shuffle(a, b, 2, 6, 3, 7), u3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(p, i64x2.shuffle(u0, u1, 0, 2));
  v128.store(p + step, i64x2.shuffle(u0, u1, 1, 3));
  v128.store(p + 2 * step, i64x2.shuffle(u2, u3, 0, 2));
  v128.store(p + 3 * step, i64x2.shuffle(u2, u3, 1, 3));
}
