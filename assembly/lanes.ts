// Short rows (classes < LANES_BELOW), four at a time with one row per lane:
// a "column" vector holds element c of four consecutive rows. For such rows a
// row's horizontal sums, tail and log would cost more than its exps; here they
// are done once per four rows, in vector form, and the caller finishes the
// four rows in vector form too (no per-row calls, which make V8 spill every
// vector register). Callers split batches at multiples of four rows, so a row
// always lands in the same group whatever the split.
import { at } from './simd';
import { expv } from './exp';

export const LANES_BELOW = 16;

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

/** The row maxima of the four rows of n at x (NaN skipped, as rowMax). */
@inline export function lanesMax(x: usize, n: i32): v128 {
  let m = f32x4.splat(-Infinity);
  for (let c = 0; c < n; c++) m = f32x4.pmax(m, gather(at(x, c), n));
  return m;
}

/** Max of each row's first four elements (all of a shorter row): the shift of lanesSumExpFrom. */
@inline export function lanesProbe(x: usize, n: i32): v128 {
  const a = f32x4.pmax(gather(x, n), gather(at(x, min(1, n - 1)), n));
  return f32x4.pmax(a, f32x4.pmax(gather(at(x, min(2, n - 1)), n), gather(at(x, min(3, n - 1)), n)));
}

/** How far above the shift a row's max may be for lanesSumExpFrom's sum: log s
 *  stays below 8 + log 16, so its float32 log keeps ~1e-6 absolute accuracy. */
const LANES_REDO_ABOVE: f32 = 8;

/** Set by lanesSumExpFrom: some row's shift was not finite, or its max was
 *  more than LANES_REDO_ABOVE above it (take the exact lanesMax path). */
export let lanesRedo = false;

/**
 * Σ exp(x − h) of each row in one pass, h = lanesProbe(x, n) (any
 * shift gives the same log-sum-exp, h + log Σ); with e ≠ 0 (never x) the exps
 * are stored at e. Sets lanesRedo when the sum cannot be used.
 */
@inline export function lanesSumExpFrom(x: usize, n: i32, h: v128, e: usize): v128 {
  let s = f32x4.splat(0), m = h;
  for (let c = 0; c < n; c++) {
    const v = gather(at(x, c), n);
    m = f32x4.pmax(m, v);
    const y = expv(f32x4.sub(v, h));
    if (e) scatter(at(e, c), n, y);
    s = f32x4.add(s, y);
  }
  lanesRedo = !allFinite(h) || v128.any_true(f32x4.gt(f32x4.sub(m, h), f32x4.splat(LANES_REDO_ABOVE)));
  return s;
}

/** Σ exp(x − m) of each row; with e ≠ 0 the exps are also stored at e (same
 *  layout; e may be x, each element is read before it is overwritten). */
@inline export function lanesSumExp(x: usize, n: i32, m: v128, e: usize): v128 {
  let s = f32x4.splat(0);
  for (let c = 0; c < n; c++) {
    const v = expv(f32x4.sub(gather(at(x, c), n), m));
    if (e) scatter(at(e, c), n, v);
    s = f32x4.add(s, v);
  }
  return s;
}

/** Σ_c w_c·(m − x_c) of each row (w = 0: Σ (m − x_c)): every term ≥ 0. */
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
