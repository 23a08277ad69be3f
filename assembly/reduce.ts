// Row primitives over n contiguous f32 at x: each has its f32x4 form (main
// loop over whole vectors, the last n % 4 through one overlapping vector when
// n ≥ 4) and a scalar form (the scalar build, and rows shorter than 4). Sums
// of many terms are added in f32 blocks of SUM_BLOCK and then into an f64
// total, in one fixed order.
import { at, hmax, hsum2, hsum64, madd, promoteHigh, SUM_BLOCK } from './simd';
import { expScaleds, expScaledv, floorOf, LOG2E, magicOf } from './exp';

/** Largest element; NaN is skipped (callers let NaN reach the result via exp). */
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

/** Lanes holding the last `rem` (1..3) elements of an overlapping final load. */
@inline function tailMask(rem: i32): v128 {
  return i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(4 - rem));
}

/** Σ exp(x − shift). */
export function sumExp(x: usize, n: i32, shift: f32): f64 {
  return expSum(x, 0, n, shift, 0, false, false);
}

/** y = exp(x − h)·2^−k, returning Σ y. y may be x. */
export function expStore(x: usize, y: usize, n: i32, h: f32, k: i32 = 0): f64 {
  return expSum(x, y, n, h, k, true, false);
}

/** Elements whose max becomes a row's provisional shift in sumExpProbed: one
 *  vector (a longer probe measured slower; the redo below is rare either way). */
const PROBE = 4;
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
 * and then nothing is computed from the row before its exps can start (+5% at
 * 100 classes). For a sum, [−40, 80]: the exp of x itself neither overflows
 * (nor does a float32 block sum of up to SUM_BLOCK of them: 256·e^80 <
 * 3.4e38), nor loses a term that matters (those that flush, below e^−87.3, are
 * e^−47 of the max and less). Where the exps are kept (softmax, gradients),
 * [0, 40]: an exp that flushes is then one whose softmax is below the normal
 * range too, as with a shift at the max, and 1/Σ stays far above it.
 */
@inline export function unshiftedFrom(keep: bool): f32 {
  return keep ? 0 : -40;
}

@inline export function unshiftedTo(keep: bool): f32 {
  return keep ? 40 : 80;
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
 * not overflow. Leaves the true max in Probed.max and the shift used in Shift.h,
 * Shift.k (see logSumAboutMax).
 */
export function sumExpProbed(x: usize, n: i32): f64 {
  return probed(x, 0, n, false);
}

/** sumExpProbed that also stores the exps (about the same shift) into y ≠ x. */
export function expStoreProbed(x: usize, y: usize, n: i32): f64 {
  return probed(x, y, n, true);
}

@inline function probe(x: usize, n: i32): f32 {
  return ASC_FEATURE_SIMD && n >= PROBE ? hmax(v128.load(x)) : rowMax(x, min(n, PROBE));
}

/** Whether the max v of a row's probe lets its pass take no shift (false for NaN). */
@inline function unshiftedAt(v: f32, keep: bool): bool {
  return v >= unshiftedFrom(keep) && v <= unshiftedTo(keep);
}

/** Whether the row at x (of at least PROBE elements) probes where its pass
 *  needs no shift: every lane of its probe at most unshiftedTo and one at
 *  least unshiftedFrom, which is probe's max in range without its horizontal
 *  steps (+4% at 100 classes). A NaN lane answers no, where probe may skip it:
 *  that row then takes its own pass, which probes as it always did. */
@inline export function probesUnshifted(x: usize, keep: bool): bool {
  const v = v128.load(x);
  return i32x4.all_true(f32x4.le(v, f32x4.splat(unshiftedTo(keep)))) && v128.any_true(f32x4.ge(v, f32x4.splat(unshiftedFrom(keep))));
}

@inline function probed(x: usize, y: usize, n: i32, keep: bool): f64 {
  const m0 = probe(x, n);
  const unshifted = unshiftedAt(m0, keep);
  if (ASC_FEATURE_SIMD && unshifted) {
    // Its own copy of the pass, with compile-time constants: +2% here, but
    // 12% slower code for the scalar build's loop, which shares one below.
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

/** The loops above, Σ exp(x − h)·2^−k; `keep` (store the exps) and `track`
 *  (the row max into Probed.max) are constants at each call, so each copy
 *  keeps only its own work. h = 0, pickShift's usual case, gets a copy
 *  without the subtraction: one instruction in ~25 per vector. */
@inline function expSum(x: usize, y: usize, n: i32, h: f32, k: i32, keep: bool, track: bool): f64 {
  return h == 0 ? expSumAbout(x, y, n, h, k, keep, track, false) : expSumAbout(x, y, n, h, k, keep, track, true);
}

/** x − s, or x itself where the shift is known to be 0. */
@inline export function less(x: v128, s: v128, shifted: bool): v128 {
  return shifted ? f32x4.sub(x, s) : x;
}

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
    // CPU overlaps better than one (the exp pass +18%, logSumExp at 32000
    // classes +8%), and each block's sum still in its own order. Where the
    // exps are stored as well, that measured no faster.
    let ma = f32x4.splat(-Infinity);
    while (!keep && i + 2 * SUM_BLOCK <= whole) {
      const end = i + SUM_BLOCK;
      let a = f32x4.splat(0), b = a;
      do { // do-while: see CONSTANT_LOOPS in simd.ts
        // each exp added before the next is taken (see pairPass)
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

/**
 * Row b of the last pairSumExp or pairExpStore: its Σ exp and its max (NaN
 * skipped); row a's sum is their result and its max Probed.max. Set there
 * only; read by rowsSumExp (lanes.ts) right after the call.
 */
export namespace Pair {
  export let sum: f64 = 0, max: f32 = 0;
}

/**
 * expSumAbout, unshifted and tracking the max, for two rows of n ≥ 4 at a and
 * b in one loop: each row's sum in the same order as its own pass, so the
 * same bits. The two rows' exps are independent chains side by side, which
 * the CPU overlaps better than one row's steps (logSumExp at 100 classes
 * +12%, at 1000 +6%); the rows share the exp's constants, where
 * two shifts of their own would not fit the 16 registers. Returns a's sum
 * (its max into Probed.max); b's into Pair.sum and Pair.max. Vector form only:
 * the simd builds' groups of long rows (rowsSumExp in lanes.ts) use it.
 */
export function pairSumExp(a: usize, b: usize, n: i32): f64 {
  return pairPass(a, b, 0, 0, n, false);
}

/** pairSumExp that also stores the rows' exps into ya and yb. */
export function pairExpStore(a: usize, b: usize, ya: usize, yb: usize, n: i32): f64 {
  return pairPass(a, b, ya, yb, n, true);
}

@inline function pairPass(a: usize, b: usize, ya: usize, yb: usize, n: i32, keep: bool): f64 {
  let ta: f64 = 0, tb: f64 = 0;
  let i = 0;
  const mv = f32x4.splat(magicOf(0)), fv = f32x4.splat(floorOf(0));
  let ma = f32x4.splat(-Infinity), mb = ma;
  const whole = n & ~3;
  while (i < whole) {
    const end = min(i + SUM_BLOCK, whole);
    let sa = f32x4.splat(0), sb = sa;
    do { // do-while: see CONSTANT_LOOPS in simd.ts
      const u = v128.load(at(a, i)), v = v128.load(at(b, i));
      ma = f32x4.pmax(ma, u);
      mb = f32x4.pmax(mb, v);
      // a's exp added before b's is taken: with both exps first, V8 kept
      // the accumulators on the stack and did not unroll the loop (a harness
      // measured +1% over one row a step, against +11% this way)
      const eu = expScaledv(u, mv, fv);
      if (keep) v128.store(at(ya, i), eu);
      sa = f32x4.add(sa, eu);
      const ev = expScaledv(v, mv, fv);
      if (keep) v128.store(at(yb, i), ev);
      sb = f32x4.add(sb, ev);
      i += 4;
    } while (i < end);
    ta += hsum64(sa);
    tb += hsum64(sb);
  }
  if (whole != n) { // as expSumAbout's overlapping last vector
    const mask = tailMask(n - whole);
    const u = v128.load(at(a, n - 4)), v = v128.load(at(b, n - 4));
    ma = f32x4.pmax(ma, u);
    mb = f32x4.pmax(mb, v);
    const eu = v128.and(expScaledv(u, mv, fv), mask), ev = v128.and(expScaledv(v, mv, fv), mask);
    if (keep) {
      v128.store(at(ya, n - 4), v128.bitselect(eu, v128.load(at(ya, n - 4)), mask));
      v128.store(at(yb, n - 4), v128.bitselect(ev, v128.load(at(yb, n - 4)), mask));
    }
    ta += hsum64(eu);
    tb += hsum64(ev);
  }
  Probed.max = hmax(ma);
  Pair.max = hmax(mb);
  Pair.sum = tb;
  return ta;
}

/** y = x·f. y may be x. */
export function scaleStore(x: usize, y: usize, n: i32, f: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(f);
    for (; i + 4 <= n; i += 4) v128.store(at(y, i), f32x4.mul(v128.load(at(x, i)), v));
  }
  for (; i < n; i++) store<f32>(at(y, i), load<f32>(at(x, i)) * f);
}

/** y = (x − a) − b: two roundings, so huge a never swamps a small result. */
export function shiftStore(x: usize, y: usize, n: i32, a: f32, b: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a), vb = f32x4.splat(b);
    for (; i + 4 <= n; i += 4) {
      v128.store(at(y, i), f32x4.sub(f32x4.sub(v128.load(at(x, i)), va), vb));
    }
  }
  for (; i < n; i++) store<f32>(at(y, i), (load<f32>(at(x, i)) - a) - b);
}

/** Σ x (w = 0) or Σ x·w, in f64 throughout: these sums cancel (gradients of
 *  either sign), so float32 blocks would lose the small result. */
export function sumProduct(x: usize, w: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let lo = f64x2.splat(0), hi = lo;
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i));
      if (w) {
        const u = v128.load(at(w, i));
        lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(u)));
        hi = f64x2.add(hi, f64x2.mul(promoteHigh(v), promoteHigh(u)));
      } else {
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, promoteHigh(v));
      }
    }
    total = hsum2(f64x2.add(lo, hi));
  }
  if (w) for (; i < n; i++) total += <f64>load<f32>(at(x, i)) * <f64>load<f32>(at(w, i));
  else for (; i < n; i++) total += load<f32>(at(x, i));
  return total;
}

/** Σ w·(m − x) (w = 0: Σ (m − x)): every term ≥ 0 for m = max x, so the sum
 *  has no cancellation even when the logits are huge. */
export function gapSum(x: usize, w: usize, n: i32, m: f32): f64 {
  let total: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m);
    const whole = n & ~3;
    while (i < whole) {
      const end = min(i + SUM_BLOCK, whole);
      let a = f32x4.splat(0);
      if (w) for (; i < end; i += 4) a = madd(f32x4.sub(vm, v128.load(at(x, i))), v128.load(at(w, i)), a);
      else for (; i < end; i += 4) a = f32x4.add(a, f32x4.sub(vm, v128.load(at(x, i))));
      total += hsum64(a);
    }
  }
  if (w) for (; i < n; i++) total += (m - load<f32>(at(x, i))) * load<f32>(at(w, i));
  else for (; i < n; i++) total += m - load<f32>(at(x, i));
  return total;
}
