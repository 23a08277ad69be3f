// Short rows (classes < LANES_BELOW), four at a time with one row per lane:
// a "column" vector holds element c of four consecutive rows. For such rows a
// row's horizontal sums, tail and log would cost more than its exps; here they
// are done once per four rows, and the callers finish the four rows in vector
// form too (no per-row calls, which make V8 spill every vector register).
// Callers split batches at multiples of four rows, so a row always lands in
// the same group whatever the split.
import { at } from './simd';
import { expv } from './exp';
import { logv } from './log';
import { REDO_ABOVE } from './reduce';

export const LANES_BELOW = 16;

/** This instance's scratch: the exps of a group, one vector per column, then
 *  the group's shift and row maxima. Set once by the bindings, one block per
 *  instance, so instances (threads) that share a memory never share it. */
let SCRATCH: usize = 0;
const SHIFT_AT: usize = <usize>LANES_BELOW << 4;
const SEEN_AT: usize = SHIFT_AT + 16;

export function scratchBytes(): i32 {
  return <i32>SEEN_AT + 16;
}

export function setScratch(p: usize): void {
  SCRATCH = p;
}

/** Lane j = the element at p + j·n·4: element c of four consecutive rows of n. */
@inline export function gather(p: usize, n: i32): v128 {
  const stride = <usize>n << 2;
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + stride, v, 1);
  v = v128.load32_lane(p + 2 * stride, v, 2);
  return v128.load32_lane(p + 3 * stride, v, 3);
}

@inline export function scatter(p: usize, n: i32, v: v128): void {
  const stride = <usize>n << 2;
  v128.store32_lane(p, v, 0);
  v128.store32_lane(p + stride, v, 1);
  v128.store32_lane(p + 2 * stride, v, 2);
  v128.store32_lane(p + 3 * stride, v, 3);
}

/** Columns c..c+3 of the four rows of n (p: column c of the first row),
 *  transposed back and stored as four row pieces. */
@inline export function storeColumns(p: usize, n: i32, c0: v128, c1: v128, c2: v128, c3: v128): void {
  const stride = <usize>n << 2;
  const u0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5), u1 = i32x4.shuffle(c2, c3, 0, 4, 1, 5);
  const u2 = i32x4.shuffle(c0, c1, 2, 6, 3, 7), u3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  v128.store(p, i64x2.shuffle(u0, u1, 0, 2));
  v128.store(p + stride, i64x2.shuffle(u0, u1, 1, 3));
  v128.store(p + 2 * stride, i64x2.shuffle(u2, u3, 0, 2));
  v128.store(p + 3 * stride, i64x2.shuffle(u2, u3, 1, 3));
}

/**
 * Σ exp(x − h) of each of the four rows of n at x, in one pass with h = the
 * max of the row's first four elements; only if some row's max is more than
 * REDO_ABOVE above that (or h is not finite) is it taken again with h = the
 * row max. lanesLogSum(s) then gives log Σ exp(x − max), lanesMax() the row
 * maxima (NaN skipped), and with keep, lanesExp(c) the exps of column c.
 */
@inline export function lanesSumExp(x: usize, n: i32, keep: bool): v128 {
  const last = n - 1;
  let h = f32x4.pmax(f32x4.splat(-Infinity), gather(x, n)); // pmax(acc, NaN) keeps acc
  h = f32x4.pmax(f32x4.pmax(h, gather(at(x, min(1, last)), n)), gather(at(x, min(2, last)), n));
  h = f32x4.pmax(h, gather(at(x, min(3, last)), n));
  let s = sumAbout(x, n, h, keep);
  const m = lanesMax();
  if (!allFinite(h) || v128.any_true(f32x4.gt(f32x4.sub(m, h), f32x4.splat(REDO_ABOVE)))) {
    h = m;
    s = sumAbout(x, n, h, keep);
  }
  v128.store(SCRATCH + SHIFT_AT, h);
  return s;
}

/** log Σ exp(x − m) of each row (m = lanesMax()) from the last lanesSumExp's
 *  s = Σ exp(x − h): rescaled first, so the float32 log sees a sum in [1, n]. */
@inline export function lanesLogSum(s: v128): v128 {
  return logv(f32x4.mul(s, expv(f32x4.sub(lanesShift(), lanesMax()))));
}

/** The shift of the last lanesSumExp. */
@inline function lanesShift(): v128 {
  return v128.load(SCRATCH + SHIFT_AT);
}

/** The row maxima (NaN skipped) of the last lanesSumExp. */
@inline export function lanesMax(): v128 {
  return v128.load(SCRATCH + SEEN_AT);
}

/** exp(x − shift) of column c of the last lanesSumExp(…, keep = true). */
@inline export function lanesExp(c: i32): v128 {
  return v128.load(SCRATCH + (<usize>c << 4));
}

@inline function sumAbout(x: usize, n: i32, h: v128, keep: bool): v128 {
  let s = f32x4.splat(0), m = h;
  for (let c = 0; c < n; c++) {
    const v = gather(at(x, c), n);
    m = f32x4.pmax(m, v);
    const y = expv(f32x4.sub(v, h));
    if (keep) v128.store(SCRATCH + (<usize>c << 4), y);
    s = f32x4.add(s, y);
  }
  v128.store(SCRATCH + SEEN_AT, m); // the row maxima, NaN skipped
  return s;
}

/** Σ_c w_c·(m − x_c) of each row (w = 0: Σ (m − x_c)); every term ≥ 0 for
 *  m the row max, so the sum never cancels. */
@inline export function lanesGap(x: usize, n: i32, m: v128, w: usize): v128 {
  let g = f32x4.splat(0);
  for (let c = 0; c < n; c++) {
    const d = f32x4.sub(m, gather(at(x, c), n));
    g = f32x4.add(g, w ? f32x4.mul(d, v128.load32_splat(at(w, c))) : d);
  }
  return g;
}

/** Whether every lane is finite. */
@inline export function allFinite(v: v128): bool {
  return i32x4.all_true(f32x4.eq(f32x4.sub(v, v), f32x4.splat(0)));
}
