// Where a row's exps are taken about. Subtracting the row's max needs a max
// pass before the exp pass; instead the max of the row's first vector (its
// probe) picks a shift, the exp pass tracks the true max as it goes, and the
// pass is taken again only when that max shows the shift was unsafe (sum_exp.ts).
// Here: the row max, the probe, the range where no shift is needed at all,
// the shift chosen otherwise (pickShift, into Shift) and logSumAboutMax, which
// brings a sum taken about that shift back to the max.
import { at, hmax } from './simd';
import { expScaleds, expScaledv, floorOf, LOG2E, magicOf } from './exp';

/**
 * Largest element of a row.
 * Takes: x, n ≥ 0 (n f32 at x). Returns: max x; −∞ for n = 0.
 * Accuracy: exact. Range: NaN is skipped (callers let NaN reach the result
 * via exp); ±∞ count. State: none.
 */
@inline export function rowMax(x: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      // Four accumulators: pmax's latency, not its throughput, would bound one.
      let a = f32x4.splat(-Infinity), b = a, c = a, d = a;
      for (; i + 16 <= n; i += 16) {
        a = f32x4.pmax(a, v128.load(at(x, i)));
        b = f32x4.pmax(b, v128.load(at(x, i + 4)));
        c = f32x4.pmax(c, v128.load(at(x, i + 8)));
        d = f32x4.pmax(d, v128.load(at(x, i + 12)));
      }
      for (; i + 4 <= n; i += 4) a = f32x4.pmax(a, v128.load(at(x, i)));
      // The last n % 4 through one overlapping load: max does not mind repeats.
      b = f32x4.pmax(b, v128.load(at(x, n - 4)));
      m = hmax(f32x4.pmax(f32x4.pmax(a, b), f32x4.pmax(c, d)));
      i = n;
    }
  }
  for (; i < n; i++) { const v = load<f32>(at(x, i)); if (v > m) m = v; }
  return m;
}

/** Elements whose max becomes a row's provisional shift in sumExpProbed: one
 *  vector (a longer probe measured slower; the redo is rare either way). */
export const PROBE = 4;
/** How far the true max may exceed that shift: e^64·n stays far inside f32. */
export const REDO_ABOVE: f32 = 64;

/**
 * A shift v is applied as h + k·ln 2: below this magnitude as k·ln 2 alone
 * (h = 0, k = round(v/ln 2)), so that exp sees x itself (expScaled) and the
 * large terms near the max keep every bit; x − v rounded to f32 would lose up
 * to half an ulp of x − v, up to 4e−6 in log Σ. From it up as h = v: then
 * x − v is exact for every term that matters (Sterbenz: x in [v/2, 2v]).
 */
export const WHOLE_LN2_BELOW: f32 = 128;

/**
 * The shift a row's exps were last taken about, as h + k·ln 2 (see
 * WHOLE_LN2_BELOW). Set by pickShift, so by every probed pass
 * (sumExpProbed, expStoreProbed), which calls it; not by pairSumExp, whose
 * rows take no shift. Read by logSumAboutMax, which must follow the probed
 * pass whose sum it is given, and by rowsSumExp (lanes.ts), which records it
 * with each row right after that row's pass.
 */
export namespace Shift {
  export let h: f32 = 0, k: i32 = 0;
}

/**
 * Chooses the shift for a row whose max is (about) v.
 * Takes: v. Returns nothing.
 * State: sets Shift.h, Shift.k: (0, round(v/ln 2)) for |v| < WHOLE_LN2_BELOW,
 * else (v, 0), also for NaN and ±∞.
 */
export function pickShift(v: f32): void {
  const small = abs(v) < WHOLE_LN2_BELOW; // false for NaN and ±∞
  Shift.h = small ? 0 : v;
  Shift.k = small ? <i32>nearest(v * LOG2E) : 0;
}

/**
 * log Σ exp(x − m) of a row whose max is m, from s = Σ exp(x − h)·2^−k about
 * the current shift: s over this same exp of the max itself, so that the
 * max's term is exactly 1 whatever the exp's rounding (as in PyTorch's
 * exp(x − max)), and a small loss keeps its relative accuracy.
 * Takes: s, the sum of the probed pass just taken; m, its max (Probed.max).
 * Returns: log(s / exp(m − h)·2^−k), in f64.
 * Accuracy: the f64 log of s/top, whose relative error (the exps' ≤ 2 ULP,
 * the f32 block sums' roundings: a few 1e−7) is the log's absolute error.
 * Range: finite m; a max of ±∞ gives NaN (rowLogSumExp in rowwise.ts
 * treats those rows itself).
 * State: reads Shift (the pass's shift): call it before any other pass.
 */
@inline export function logSumAboutMax(s: f64, m: f32): f64 {
  // The scalar form computes what the pass's vector form did, but for FMA
  // (relaxed-simd's madd rounds once), where only the vector form does.
  const top = ASC_FEATURE_RELAXED_SIMD
    ? f32x4.extract_lane(expScaledv(f32x4.sub(f32x4.splat(m), f32x4.splat(Shift.h)),
      f32x4.splat(magicOf(Shift.k)), f32x4.splat(floorOf(Shift.k))), 0)
    : expScaleds(m - Shift.h, Shift.k);
  return Math.log(s / top);
}

/**
 * Rows whose max lies in [unshiftedFrom, unshiftedTo] need no shift at all,
 * and then nothing is computed from the row before its exps can start
 * (docs/kernel-notes.md). For a sum, [−40, 80]: the exp of x itself neither overflows
 * (nor does a float32 block sum of up to SUM_BLOCK of them: 256·e^80 <
 * 3.4e38), nor loses a term that matters (those that flush, below e^−87.3, are
 * e^−47 of the max and less). Where the exps are kept (softmax, gradients),
 * [0, 40]: an exp that flushes is then one whose softmax is below the normal
 * range too, as with a shift at the max, and 1/Σ stays far above it.
 * Takes: keep (whether the pass stores its exps). Returns: the bottom of
 * the range, 0 or −40. State: none.
 */
@inline export function unshiftedFrom(keep: bool): f32 {
  return keep ? 0 : -40;
}

/** The top of the unshifted range (above). Takes: keep. Returns: 40 or 80. State: none. */
@inline export function unshiftedTo(keep: bool): f32 {
  return keep ? 40 : 80;
}

/**
 * The max of a row's first PROBE elements, from which its shift is guessed.
 * Takes: x, n ≥ 1. Returns: that max (see hmax and rowMax for NaN: it may
 * be NaN). Accuracy: exact. State: none.
 */
@inline export function probe(x: usize, n: i32): f32 {
  return ASC_FEATURE_SIMD && n >= PROBE ? hmax(v128.load(x)) : rowMax(x, min(n, PROBE));
}

/** Whether the max v of a row's probe lets its pass take no shift.
 *  Takes: v, keep. Returns: v in the unshifted range (false for NaN). State: none. */
@inline export function unshiftedAt(v: f32, keep: bool): bool {
  return v >= unshiftedFrom(keep) && v <= unshiftedTo(keep);
}

/**
 * Whether the row at x probes where its pass needs no shift: every lane of
 * its probe at most unshiftedTo and one at least unshiftedFrom, which is
 * probe's max in range without its horizontal steps (docs/kernel-notes.md).
 * Takes: x (at least PROBE elements, simd builds only), keep.
 * Returns: the answer. A NaN lane answers no, where probe may skip it: that
 * row then takes its own pass, which probes as it always did. State: none.
 */
@inline export function probesUnshifted(x: usize, keep: bool): bool {
  const v = v128.load(x);
  return i32x4.all_true(f32x4.le(v, f32x4.splat(unshiftedTo(keep)))) && v128.any_true(f32x4.ge(v, f32x4.splat(unshiftedFrom(keep))));
}

/** x − s, or x itself where the shift is known to be 0 (shifted false: a
 *  compile-time constant at every call). Takes: x, s, shifted. Returns: that.
 *  Accuracy: one rounding, or exact. State: none. */
@inline export function less(x: v128, s: v128, shifted: bool): v128 {
  return shifted ? f32x4.sub(x, s) : x;
}
