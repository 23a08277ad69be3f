// Σ exp over one row, in one pass: the exp pass every log-sum-exp, softmax
// and cross-entropy row takes (rows of 16 to 4096 classes two at a time where
// they can: sum_exp_pair.ts). The f32x4 form runs over whole vectors, the last
// n % 4 through one overlapping vector when n ≥ 4; the scalar form serves the
// scalar build and rows shorter than 4. Sums are added in f32 blocks of
// SUM_BLOCK and then into an f64 total, in one fixed order.
//
// Accuracy of every pass here: each exp ≤ 2 ULP (exp.ts); in the simd builds
// each lane adds the ≤ 64 exps of a block in f32 before the block goes into
// the f64 total, the scalar form adds every exp in f64. The order depends on
// n alone, so a row's sum has the same bits however its batch is split.
import { at, hmax, hsum64, SUM_BLOCK, tailMask } from './simd';
import { expScaleds, expScaledv, floorOf, magicOf } from './exp';
import { less, pickShift, probe, REDO_ABOVE, rowMax, Shift, unshiftedAt, unshiftedTo } from './shift';

/**
 * Σ exp(x − shift) over one array: the benchmark's exp-only reference pass
 * (bench/exp-pass.js) and tests/exp-accuracy.test.js's window on the exp.
 * Takes: x, n, shift. Returns: the sum, in f64.
 * Accuracy: as above. Range: x − shift ≤ 88.3 (no overflow guard); below
 * −87.34 an exp is 0. State: none.
 */
export function sumExp(x: usize, n: i32, shift: f32): f64 {
  return expSum(x, 0, n, shift, 0, false, false);
}

/**
 * y = exp(x − h)·2^−k over a row of n, about a shift the caller chose.
 * Takes: x, y (may be x), n, h, k. Returns: Σ y, in f64; stores y.
 * Accuracy: as above. Range: x − h − k·ln 2 ≤ 88.3. State: none.
 */
export function expStore(x: usize, y: usize, n: i32, h: f32, k: i32 = 0): f64 {
  return expSum(x, y, n, h, k, true, false);
}

/**
 * What the last probed pass found: the row's max (NaN skipped). Set by
 * sumExpProbed and expStoreProbed, and for row a by pairSumExp and
 * pairExpStore; read by their callers right after the call (rowwise.ts,
 * cross_entropy.ts, cross_entropy_prob.ts, rowsSumExp in lanes.ts), and by
 * the probed pass itself to decide whether it must be taken again.
 */
export namespace Probed {
  export let max: f32 = 0;
}

/**
 * Σ exp(x − shift) in one pass instead of a max pass and a sum pass, while the
 * pass tracks the true max. The max of the first PROBE elements picks the
 * shift: none if it lies in unshiftedFrom/To(keep) (the pass is taken again if
 * the true max does not), else that probe (taken again if the true max exceeds
 * it by more than REDO_ABOVE, or it is not finite); the redo is about the true
 * max. Any shift gives the same log-sum-exp (shift + log Σ); this one just must
 * not overflow.
 * Takes: x, n ≥ 1. Returns: s = Σ exp(x − h)·2^−k, in f64.
 * Accuracy: as above. Range: any x: the largest term is at most e^80 (e^64
 * above a shift). A NaN or +∞, or a row all −∞, gives a NaN or infinite s,
 * which the callers turn into PyTorch's results.
 * State: sets Probed.max (the row max, NaN skipped) and Shift (the shift
 * used; logSumAboutMax reads it).
 */
export function sumExpProbed(x: usize, n: i32): f64 {
  return probed(x, 0, n, false);
}

/**
 * sumExpProbed that also stores the exps, about the same shift, into y.
 * Takes: x, y ≠ x (in place, the caller passes a row set aside: expsAt in
 * lanes.ts), n ≥ 1. Returns: Σ y, in f64; stores y.
 * Accuracy: as above. Range: as sumExpProbed, with the narrower unshifted
 * range [0, 40] (every stored exp ≤ e^40). State: as sumExpProbed.
 */
export function expStoreProbed(x: usize, y: usize, n: i32): f64 {
  return probed(x, y, n, true);
}

/** sumExpProbed (keep false) or expStoreProbed (keep true, a compile-time
 *  constant). State: sets Probed.max and Shift; reads Probed.max after each
 *  pass to decide whether it must be taken again. */
@inline function probed(x: usize, y: usize, n: i32, keep: bool): f64 {
  const m0 = probe(x, n);
  const unshifted = unshiftedAt(m0, keep);
  if (ASC_FEATURE_SIMD && unshifted) {
    // Its own copy of the pass, with compile-time constants: faster in the
    // simd builds, but slower code for the scalar build's loop, which shares
    // one below (docs/kernel-notes.md).
    pickShift(0);
    const s = expSum(x, y, n, 0, 0, keep, true);
    if (Probed.max <= unshiftedTo(keep)) return s;
  } else if (unshifted || m0 - m0 == 0) {
    if (unshifted) pickShift(0); // a branch, not a select: the exps need not wait for m0
    else pickShift(m0);
    const s = expSum(x, y, n, Shift.h, Shift.k, keep, true);
    if (unshifted ? Probed.max <= unshiftedTo(keep) : !(Probed.max - m0 > REDO_ABOVE)) return s;
  } else {
    Probed.max = rowMax(x, n);
  }
  pickShift(Probed.max);
  return expSum(x, y, n, Shift.h, Shift.k, keep, false);
}

/**
 * Every pass of this file: Σ exp(x − h)·2^−k over a row of n. `keep` (store
 * the exps into y) and `track` (the row max) are constants at each call, so
 * each copy keeps only its own work. h = 0, pickShift's usual case, gets a
 * copy without the subtraction: one instruction in ~25 per vector.
 * Takes: x, y, n, h, k, keep, track. Returns: the sum, in f64.
 * State: with track, sets Probed.max.
 */
@inline function expSum(x: usize, y: usize, n: i32, h: f32, k: i32, keep: bool, track: bool): f64 {
  return h == 0 ? expSumAbout(x, y, n, h, k, keep, track, false) : expSumAbout(x, y, n, h, k, keep, track, true);
}

/** expSum's loops, with x − h or (shifted false) x itself. */
@inline function expSumAbout(x: usize, y: usize, n: i32, h: f32, k: i32, keep: bool, track: bool, shifted: bool): f64 {
  let total: f64 = 0;
  let i = 0;
  let m: f32 = -Infinity;
  if (ASC_FEATURE_SIMD) {
    const s = f32x4.splat(h), mv = f32x4.splat(magicOf(k)), fv = f32x4.splat(floorOf(k));
    const whole = n & ~3;
    // One sum and one max per block: a second pair of accumulators for the
    // same block made V8 spill them (16 XMM registers, 10 of them the exp's
    // constants). But while two whole blocks are left, a sum's are taken side
    // by side, a vector of each a step: two independent exp chains, which the
    // CPU overlaps better than one (docs/kernel-notes.md), and each block's
    // sum still in its own order. Where the exps are stored as well, that
    // measured no faster.
    let ma = f32x4.splat(-Infinity);
    while (!keep && i + 2 * SUM_BLOCK <= whole) {
      const end = i + SUM_BLOCK;
      let a = f32x4.splat(0), b = a;
      do { // do-while: see CONSTANT_LOOPS in simd.ts
        // each exp added before the next is taken (see pairPass in sum_exp_pair.ts)
        const v = v128.load(at(x, i));
        if (track) ma = f32x4.pmax(ma, v);
        a = f32x4.add(a, expScaledv(less(v, s, shifted), mv, fv));
        const w = v128.load(at(x, i + SUM_BLOCK));
        if (track) ma = f32x4.pmax(ma, w);
        b = f32x4.add(b, expScaledv(less(w, s, shifted), mv, fv));
        i += 4;
      } while (i < end);
      total += hsum64(a);
      total += hsum64(b);
      i += SUM_BLOCK;
    }
    while (i < whole) {
      const end = min(i + SUM_BLOCK, whole);
      let a = f32x4.splat(0);
      for (; i < end; i += 4) {
        const v = v128.load(at(x, i));
        if (track) ma = f32x4.pmax(ma, v);
        const e = expScaledv(less(v, s, shifted), mv, fv);
        if (keep) v128.store(at(y, i), e);
        a = f32x4.add(a, e);
      }
      total += hsum64(a);
    }
    if (whole != n && n >= 4) {
      // Overlapping last vector: only the new lanes are stored and counted
      // (with y = x the repeated lanes already hold results).
      const v = v128.load(at(x, n - 4));
      if (track) ma = f32x4.pmax(ma, v);
      const mask = tailMask(n - whole);
      const e = v128.and(expScaledv(less(v, s, shifted), mv, fv), mask);
      if (keep) v128.store(at(y, n - 4), v128.bitselect(e, v128.load(at(y, n - 4)), mask));
      total += hsum64(e);
      i = n;
    }
    if (track) m = hmax(ma);
  }
  for (; i < n; i++) {
    const v = load<f32>(at(x, i));
    if (track && v > m) m = v;
    const e = expScaleds(v - h, k);
    if (keep) store<f32>(at(y, i), e);
    total += e;
  }
  if (track) Probed.max = m;
  return total;
}
