// Cross-entropy of logits, as F.cross_entropy: one kernel for the loss
// (per row and/or partial sums) and, in the same pass, its gradient.
//
// Index targets (probability targets: cross_entropy_prob.ts), row loss with
// smoothing ε over C classes:
//   (1−ε)·w_t·(lse − x_t) + (ε/C)·Σ_c w_c·(lse − x_c)
// lse − x_c is evaluated as (m − x_c) + log Σ exp(x − m), m the row max, so
// huge logits never cancel; the sum itself is taken about a probed shift and
// brought to m exactly (logSumAboutMax in shift.ts, lanesRatio in lanes.ts).
import { at, demote4, gather, hsum2, hsum64, promoteHigh } from './simd';
import { addPartial, Blocks, partialAt, setPartial } from './partials';
import { targetAt, targetsAt } from './targets';
import { logAtLeast1v } from './log';
import { logSumAboutMax } from './shift';
import { expStoreProbed, Probed, sumExpProbed } from './sum_exp';
import { gapSum } from './row_sums';
import { capFactor, capFactorv, capInto } from './softcap';
import { expsAt, GROUPS_UP_TO, lanesAt, lanesRatio, lanesGap, lanesPick, lanesSlot, lanesMax, lanesOut, lanesPut, lanesStore, lanesSumExp, lanesX, rowsSumExp, transposeOut, LANES_BELOW, spareRows } from './lanes';

/** Partial slots per block of rows (partials.ts) for index targets: Σ w_t·nll (CE_NLL),
 *  Σ w_t of the kept rows (CE_WEIGHT), Σ smoothing term (CE_SMOOTH), Σ lse²
 *  of the kept rows (CE_Z, with zLoss > 0), and a run's pending product in
 *  two lanes (CE_PENDING and the next; see RUN_ROWS; 0: none). The bindings
 *  read the count and CE_PENDING from the instance (ceSlots(), cePending()
 *  in index.ts); the first four are the totals the Kernels interface
 *  returns, in that order (bindings/kernels.ts). */
export const CE_SLOTS = 6;
const CE_NLL = 0, CE_WEIGHT = 1, CE_SMOOTH = 2, CE_Z = 3;
export const CE_PENDING = 4;

/**
 * A mean or sum without class weights or per-row losses needs Σ log Σ exp(x − m)
 * over the kept rows, not each row's: there the grouped rows' ratios
 * Σ exp(x − m) (s over the exp of the max, in [1, C]) are multiplied in float64
 * instead, two lanes in row order, and one log is taken per run of RUN_ROWS
 * rows at absolute multiples of RUN_ROWS (a float32 log per four rows was a
 * large part of a 10-class call: docs/kernel-notes.md). A lane's 32 ratios
 * stay below 2^384 (C ≤ GROUPS_UP_TO = 2^12), the two lanes' product below
 * 2^768. A run a call leaves unfinished waits in its block's CE_PENDING slots
 * for the next call (or, at the batch's end, for the caller: settleRuns in
 * bindings/wasm.ts), so the bits do not depend on how rows were split, as
 * long as a block's rows are not split between threads (their partial sums
 * could not be either).
 */
const RUN_ROWS = 64;

/** A run is RUN_ROWS rows, or a block where blocks are shorter (partials.ts),
 *  so that no run spans two blocks: rows − 1 as a mask. */
@inline function runMask(): i32 {
  return min(RUN_ROWS, 1 << Blocks.shift) - 1;
}

/** grad = e·A − B·w (w = 0: − B) from the row's exps at e (which may be g);
 *  with a capped row y (softcap), times the cap's 1 − (y·inv)² in the same
 *  pass (no pass of its own over the gradient afterwards). */
function gradRow(e: usize, g: usize, w: usize, n: i32, A: f32, B: f32, y: usize, inv: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(A), vb = f32x4.splat(B);
    if (y) {
      const vi = f32x4.splat(inv);
      // do-while (CONSTANT_LOOPS in simd.ts), one loop per weighting
      if (w && i + 4 <= n) do {
        const v = f32x4.sub(f32x4.mul(v128.load(at(e, i)), va), f32x4.mul(vb, v128.load(at(w, i))));
        v128.store(at(g, i), f32x4.mul(v, capFactorv(v128.load(at(y, i)), vi)));
        i += 4;
      } while (i + 4 <= n);
      else if (i + 4 <= n) do {
        const v = f32x4.sub(f32x4.mul(v128.load(at(e, i)), va), vb);
        v128.store(at(g, i), f32x4.mul(v, capFactorv(v128.load(at(y, i)), vi)));
        i += 4;
      } while (i + 4 <= n);
    } else if (w) for (; i + 4 <= n; i += 4) {
      v128.store(at(g, i), f32x4.sub(f32x4.mul(v128.load(at(e, i)), va), f32x4.mul(vb, v128.load(at(w, i)))));
    } else if (B != 0) for (; i + 4 <= n; i += 4) {
      v128.store(at(g, i), f32x4.sub(f32x4.mul(v128.load(at(e, i)), va), vb));
    } else for (; i + 4 <= n; i += 4) { // no smoothing: e·A − 0 is e·A, bit for bit
      v128.store(at(g, i), f32x4.mul(v128.load(at(e, i)), va));
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(at(e, i)) * A - (w ? B * load<f32>(at(w, i)) : B);
    store<f32>(at(g, i), y ? v * capFactor(load<f32>(at(y, i)), inv) : v);
  }
}

/** Whether the rows are capped (Call.capInv ≠ 0): row r of the capped copy
 *  for gradRow, else 0. */
@inline function cappedRow(r: i32): usize {
  return Call.capInv != 0 ? at(Call.x, r * Call.classes) : 0;
}

/** grad[t] −= d at row gr's target, times the cap's factor there where capped. */
@inline function targetGrad(gr: usize, r: i32, t: i32, d: f32): void {
  const f: f32 = Call.capInv != 0 ? capFactor(load<f32>(at(Call.x, r * Call.classes + t)), Call.capInv) : 1;
  store<f32>(at(gr, t), load<f32>(at(gr, t)) - d * f);
}

/** An ignored row's gradient is 0·softmax(row) in PyTorch: zeros, but NaN
 *  throughout when the row's softmax is NaN (a NaN, a +∞, or all −∞). */
@inline function ignoredRowGrad(g: usize, n: i32, m: f32, s: f64): void {
  const nan = m == Infinity || m == -Infinity || isNaN(s);
  memory.fill(g, nan ? 0xff : 0, <usize>n << 2); // all-ones bytes are a NaN
}

/**
 * The crossEntropyIndex call in progress: its arguments, as every row helper
 * below reads them. Set only at the top of crossEntropyIndex, all at once;
 * read by the helpers it calls (shortGroups, longGroups and what they call,
 * finishRow), never outside one call. Globals are per instance, so this stays
 * per thread.
 */
namespace Call {
  export let x: usize = 0, target: usize = 0, weight: usize = 0, weightTotal: f32 = 0, classes: i32 = 0;
  export let ignore: i32 = 0, smoothing: f32 = 0, out: usize = 0, partials: usize = 0;
  export let grad: usize = 0, gradNll: f32 = 0, gradSmooth: f32 = 0, gradOut: usize = 0;
  export let zLoss: f32 = 0, gradZ: f32 = 0;
  /** 1/softcap while Call.x is a capped copy (the gradient then takes the
   *  cap's factor as it is written), else 0. */
  export let capInv: f32 = 0;
  /** Whether grouped rows multiply their ratios into a run's product instead of
   *  taking logs (a mean or sum without weights, per-row losses or zLoss: RUN_ROWS). */
  export let products: bool = false;
}

/**
 * Cross-entropy with class-index targets over rows [r0, r1), as
 * F.cross_entropy(x, target, weight, ignore_index, label_smoothing): the
 * row losses, their partial sums and the gradient, in one pass over x.
 * Each row: what the loss needs from x is read first (the gradient may
 * overwrite it), then the row statistics (max m, s = Σ exp(x − m), the exps
 * stored into grad), then the loss and gradient. Rows up to GROUPS_UP_TO
 * classes go four at a time (lanes.ts).
 * Takes: x (logits, rows of `classes`); target (i32 per row); weight (f32
 * per class, 0: unweighted) and weightTotal = Σ_c w_c (C when unweighted);
 * r0, r1 (r0 a multiple of four); ignoreIndex; smoothing ε in [0, 1]; out
 * (f32 per row, 0: none); partials (CE_SLOTS f64 per block of rows (partials.ts),
 * zeroed by the caller before the batch, 0: none); grad (0: none; may be x);
 * gradNll, gradSmooth (the caller folds (1−ε), ε/C and the reduction's
 * divisor into them); gradOut (f32 per row, 0: 1); zLoss ≥ 0 (PaLM's
 * auxiliary zLoss·lse² per kept row) and gradZ (2·zLoss times its
 * reduction's scale); softcap (> 0: x → softcap·tanh(x/softcap) first,
 * softcap.ts; 0: off).
 * Writes: out[r] = (1−ε)·w_t·(lse − x_t) + (ε/C)·Σ_c w_c·(lse − x_c) +
 * zLoss·lse² (0 for an ignored row); adds Σ w_t·nll, Σ w_t, Σ smoothing
 * term and Σ lse² into partials (see CE_SLOTS); grad's rows =
 * g·[gradNll·w_t·(p − onehot_t) + gradSmooth·(weightTotal·p − w) +
 * gradZ·lse·p], g = gradOut[r], times the cap's 1 − tanh² with softcap.
 * Accuracy: within the tolerance README.md states (section Accuracy); the
 * sums' bits do not depend on how the batch is split into calls.
 * Range: any logits, with PyTorch's results for NaN and ±∞; a target
 * neither a class nor ignoreIndex is taken as ignoreIndex (targets.ts).
 * State: sets Call at entry, for this call's helpers. With Call.products,
 * an unfinished run's product is left in the partials' CE_PENDING slots for
 * the next call over the following rows (resumeRun) or for the caller
 * (settleRuns in bindings/wasm.ts). With grad = x and classes > GROUPS_UP_TO,
 * reads Aside (the row setAside lent: expsAt in lanes.ts); with softcap and
 * classes > GROUPS_UP_TO, likewise (spareAt in lanes.ts).
 */
export function crossEntropyIndex(
  x: usize, target: usize, weight: usize, weightTotal: f32, r0: i32, r1: i32, classes: i32,
  ignoreIndex: i32, smoothing: f32, out: usize, partials: usize,
  grad: usize, gradNll: f32, gradSmooth: f32, gradOut: usize, zLoss: f32, gradZ: f32, softcap: f32,
): void {
  Call.x = x; Call.target = target; Call.weight = weight; Call.weightTotal = weightTotal; Call.classes = classes;
  Call.ignore = ignoreIndex; Call.smoothing = smoothing; Call.out = out; Call.partials = partials;
  Call.grad = grad; Call.gradNll = gradNll; Call.gradSmooth = gradSmooth; Call.gradOut = gradOut;
  Call.zLoss = zLoss; Call.gradZ = gradZ; Call.capInv = 0;
  Call.products = partials != 0 && out == 0 && weight == 0 && zLoss == 0;
  if (!(softcap > 0)) {
    indexRows(r0, r1);
    return;
  }
  // piece by piece through the capped copy, the same rows in the same groups
  const step = spareRows(classes);
  for (let a = r0; a < r1; a += step) {
    const b = min(r1, a + step);
    Call.x = capInto(x, a, b, classes, softcap);
    Call.capInv = 1 / softcap;
    indexRows(a, b);
  }
}

/** crossEntropyIndex's rows [r0, r1) of Call.x, as Call sets them. */
function indexRows(r0: i32, r1: i32): void {
  const x = Call.x, grad = Call.grad, classes = Call.classes;
  let r = r0;
  if (ASC_FEATURE_SIMD && classes < LANES_BELOW) r = shortGroups(r0, r1);
  else if (ASC_FEATURE_SIMD && classes <= GROUPS_UP_TO) r = longGroups(r0, r1);
  for (; r < r1; r++) {
    const xr = at(x, r * classes), e = grad ? expsAt(lanesSlot(0), 0, xr, at(grad, r * classes), classes) : 0;
    const s = grad ? expStoreProbed(xr, e, classes) : sumExpProbed(xr, classes);
    const m = Probed.max;
    finishRow(r, e, targetLogit(r), gap(r, m), m, s, logSumAboutMax(s, m));
  }
}

// The two group loops are functions of their own: inlined into one, each
// made the other's code slower (docs/kernel-notes.md).

/** Rows r0.. of short rows, four at a time with two groups in flight
 *  (lanes.ts); returns the first row left. */
function shortGroups(r0: i32, r1: i32): i32 {
  const g0 = lanesSlot(0), g1 = lanesSlot(1);
  let p = resumeRun(r0);
  let r = r0;
  for (; r + 8 <= r1; r += 8) {
    const a = fourSums(g0, r), b = fourSums(g1, r + 4);
    p = multiplyRun(p, r, fourRows(g0, r, a));
    p = multiplyRun(p, r + 4, fourRows(g1, r + 4, b));
  }
  if (r + 4 <= r1) {
    p = multiplyRun(p, r, fourRows(g0, r, fourSums(g0, r)));
    r += 4;
  }
  parkRun(r, p);
  return r;
}

/** Rows r0.. of LANES_BELOW to GROUPS_UP_TO classes, four at a time, each
 *  row through its own exp pass (rowsSumExp), with two groups in flight as
 *  in shortGroups; returns the first row left. The exps leave x whole
 *  (in place they are set aside: expsAt); a group's gradient overwrites it
 *  only once its losses are taken. */
function longGroups(r0: i32, r1: i32): i32 {
  const g0 = lanesSlot(0), g1 = lanesSlot(1);
  let p = resumeRun(r0);
  let r = r0;
  for (; r + 8 <= r1; r += 8) {
    const a = longSums(g0, r), q = r + 4, b = longSums(g1, q);
    p = multiplyRun(p, r, longFinish(g0, r, a));
    p = multiplyRun(p, q, longFinish(g1, q, b));
  }
  if (r + 4 <= r1) {
    p = multiplyRun(p, r, longFinish(g0, r, longSums(g0, r)));
    r += 4;
  }
  parkRun(r, p);
  return r;
}

/** A run's product (f64x2: rows 0 and 2 of each group, rows 1 and 3) at row
 *  r: 1 at a run's start, else what the call before parked. */
function resumeRun(r: i32): v128 {
  if (!Call.products || (r & runMask()) == 0) return f64x2.splat(1);
  const a = partialAt(Call.partials, r, CE_SLOTS, CE_PENDING), b = partialAt(Call.partials, r, CE_SLOTS, CE_PENDING + 1);
  setPartial(Call.partials, r, CE_SLOTS, CE_PENDING, 0);
  setPartial(Call.partials, r, CE_SLOTS, CE_PENDING + 1, 0);
  return f64x2.replace_lane(f64x2.splat(a != 0 ? a : 1), 1, b != 0 ? b : 1);
}

/** Leaves the product p of an unfinished run (rows before r) in its block's CE_PENDING slots. */
function parkRun(r: i32, p: v128): void {
  if (!Call.products || (r & runMask()) == 0) return;
  setPartial(Call.partials, r - 1, CE_SLOTS, CE_PENDING, f64x2.extract_lane(p, 0));
  setPartial(Call.partials, r - 1, CE_SLOTS, CE_PENDING + 1, f64x2.extract_lane(p, 1));
}

/** The run's product p times rows r..r+3's ratios q; where the run ends with
 *  them, its log goes into the sums and the next run starts at 1. */
@inline function multiplyRun(p: v128, r: i32, q: v128): v128 {
  if (!Call.products) return p;
  p = f64x2.mul(p, f64x2.mul(f64x2.promote_low_f32x4(q), promoteHigh(q)));
  if (((r + 4) & runMask()) != 0) return p;
  const L = Math.log(f64x2.extract_lane(p, 0) * f64x2.extract_lane(p, 1));
  addPartial(Call.partials, r, CE_SLOTS, CE_NLL, L);
  if (Call.smoothing > 0) addPartial(Call.partials, r, CE_SLOTS, CE_SMOOTH, <f64>Call.weightTotal * L);
  return f64x2.splat(1);
}

/** Σ exp(x − h) of rows r..r+3 of long rows, each row's recorded in slot g;
 *  the exps are stored for grad (expsAt). */
@inline function longSums(g: usize, r: i32): v128 {
  return rowsSumExp(g, at(Call.x, r * Call.classes), Call.grad ? at(Call.grad, r * Call.classes) : 0, Call.classes);
}

/** fourFinish for rows r..r+3 of long rows, from their longSums s into slot g. */
@inline function longFinish(g: usize, r: i32, s: v128): v128 {
  const t = targetsAt(Call.target, r, Call.classes, Call.ignore);
  return fourFinish(g, r, s, t, targetLogits(r, t), gaps(r, lanesMax(g)), true);
}

/** The smoothing gaps of rows r..r+3, whose maxima are m (see gap). */
@inline function gaps(r: i32, m: v128): v128 {
  let gp = f32x4.splat(0);
  if (Call.smoothing > 0) {
    gp = f32x4.replace_lane(gp, 0, <f32>gap(r, f32x4.extract_lane(m, 0)));
    gp = f32x4.replace_lane(gp, 1, <f32>gap(r + 1, f32x4.extract_lane(m, 1)));
    gp = f32x4.replace_lane(gp, 2, <f32>gap(r + 2, f32x4.extract_lane(m, 2)));
    gp = f32x4.replace_lane(gp, 3, <f32>gap(r + 3, f32x4.extract_lane(m, 3)));
  }
  return gp;
}

@inline function targetOf(r: i32): i32 {
  return targetAt(Call.target, r, Call.classes, Call.ignore);
}

/** x[r, t] (0 for an ignored row). */
@inline function targetLogit(r: i32): f32 {
  const t = targetOf(r);
  return t == Call.ignore ? 0 : load<f32>(at(Call.x, r * Call.classes + t));
}

/** Σ exp(x − h) of rows r..r+3 of short rows, read into the scratch slot at
 *  g (see lanes.ts); the exps are kept for the gradient. */
@inline function fourSums(g: usize, r: i32): v128 {
  return lanesSumExp(g, at(Call.x, r * Call.classes), Call.classes, Call.grad != 0, true);
}

/**
 * finishRow for rows r..r+3 of short rows, one row per lane, from their
 * fourSums s into slot g: the same formulas. An ignored row has weight 0,
 * loss 0 and gradient 0·softmax, as in finishRow. x of these rows is still
 * unwritten here (the gradient of earlier rows may have overwritten those).
 */
@inline function fourRows(g: usize, r: i32, s: v128): v128 {
  const t = targetsAt(Call.target, r, Call.classes, Call.ignore);
  // the target logits from the group's columns, whose offsets are one
  // constant vector (docs/kernel-notes.md, "Read a short-row group's target
  // logits from its columns")
  const xt = lanesPick(g, knownTargets(t));
  const gap = Call.smoothing > 0 ? lanesGap(g, Call.classes, lanesMax(g), Call.weight) : f32x4.splat(0);
  return fourFinish(g, r, s, t, xt, gap, false);
}

/** x[r + j, t_j] of rows r..r+3 (x[r + j, 0] where ignored). */
@inline function targetLogits(r: i32, t: v128): v128 {
  return pick4(at(Call.x, r * Call.classes), Call.classes, knownTargets(t));
}

/** Targets t with an ignored row's replaced by class 0, which it then reads
 *  (its terms are masked out). */
@inline function knownTargets(t: v128): v128 {
  return v128.andnot(t, i32x4.eq(t, i32x4.splat(Call.ignore)));
}

/** Loss, partial sums and gradient of rows r..r+3 from their sums s in slot
 *  g, targets t, target logits xt and smoothing gaps; long: rowsSumExp rows.
 *  Returns the rows' ratios Σ exp(x − m) (1 where ignored) for multiplyRun,
 *  which with Call.products takes their logs in its place. */
@inline function fourFinish(g: usize, r: i32, s: v128, t: v128, xt: v128, gap: v128, long: bool): v128 {
  const ignored = i32x4.eq(t, i32x4.splat(Call.ignore));
  const wt = v128.andnot(Call.weight ? pick4(Call.weight, 0, knownTargets(t)) : f32x4.splat(1), ignored);
  const m = lanesMax(g);
  const ratio = v128.bitselect(f32x4.splat(1), lanesRatio(g, s, long), ignored);
  let ls = ratio; // unused with Call.products (no zLoss)
  if (Call.products) runSums(r, m, xt, gap, ignored);
  else {
    ls = logAtLeast1v(ratio);
    fourLosses(r, m, xt, wt, ls, gap, ignored);
  }
  if (Call.grad) fourGradients(g, r, s, m, wt, t, ignored, long, f32x4.add(m, ls));
  return ratio;
}

/** fourLosses' partial sums where the run's product stands in for the logs
 *  (Call.products: no weights, no per-row losses): Σ (m − x_t) in f64, the kept
 *  rows, Σ gap. The same sums in the same order, with less to compute. */
@inline function runSums(r: i32, m: v128, xt: v128, gap: v128, ignored: v128): void {
  const mk = v128.andnot(m, ignored), xk = v128.andnot(xt, ignored);
  const d = f64x2.add(f64x2.sub(f64x2.promote_low_f32x4(mk), f64x2.promote_low_f32x4(xk)),
    f64x2.sub(promoteHigh(mk), promoteHigh(xk)));
  addPartial(Call.partials, r, CE_SLOTS, CE_NLL, hsum2(d));
  addPartial(Call.partials, r, CE_SLOTS, CE_WEIGHT, <f64>(4 - popcnt(i32x4.bitmask(ignored))));
  if (Call.smoothing > 0) addPartial(Call.partials, r, CE_SLOTS, CE_SMOOTH, hsum64(v128.andnot(gap, ignored)));
}

/** Loss and partial sums of fourRows, in f64 lane pairs (lanes 0–1, then 2–3):
 *  nll = w_t·((m − x_t) + ls), smooth = gap + W·ls, ls = log Σ exp(x − m),
 *  and with zLoss, z = (m + ls)² (the row's lse²). */
@inline function fourLosses(r: i32, m: v128, xt: v128, wt: v128, ls: v128, gap: v128, ignored: v128): void {
  const keepLo = v128.not(i64x2.extend_low_i32x4_s(ignored)), keepHi = v128.not(i64x2.extend_high_i32x4_s(ignored));
  const lsLo = f64x2.promote_low_f32x4(ls), lsHi = promoteHigh(ls);
  const nllLo = v128.and(keepLo, f64x2.mul(f64x2.promote_low_f32x4(wt),
    f64x2.add(f64x2.sub(f64x2.promote_low_f32x4(m), f64x2.promote_low_f32x4(xt)), lsLo)));
  const nllHi = v128.and(keepHi, f64x2.mul(promoteHigh(wt), f64x2.add(f64x2.sub(promoteHigh(m), promoteHigh(xt)), lsHi)));
  let smoothLo = f64x2.splat(0), smoothHi = smoothLo;
  if (Call.smoothing > 0) {
    const W = f64x2.splat(Call.weightTotal);
    smoothLo = v128.and(keepLo, f64x2.add(f64x2.promote_low_f32x4(gap), f64x2.mul(W, lsLo)));
    smoothHi = v128.and(keepHi, f64x2.add(promoteHigh(gap), f64x2.mul(W, lsHi)));
  }
  let zLo = f64x2.splat(0), zHi = zLo;
  if (Call.zLoss > 0) {
    const lo = f64x2.add(f64x2.promote_low_f32x4(m), lsLo), hi = f64x2.add(promoteHigh(m), lsHi);
    zLo = v128.and(keepLo, f64x2.mul(lo, lo));
    zHi = v128.and(keepHi, f64x2.mul(hi, hi));
  }
  if (Call.out) {
    const a = f64x2.splat(1 - <f64>Call.smoothing), b = f64x2.splat(<f64>Call.smoothing / Call.classes);
    const z = f64x2.splat(Call.zLoss);
    v128.store(at(Call.out, r), demote4(
      f64x2.add(f64x2.add(f64x2.mul(a, nllLo), f64x2.mul(b, smoothLo)), f64x2.mul(z, zLo)),
      f64x2.add(f64x2.add(f64x2.mul(a, nllHi), f64x2.mul(b, smoothHi)), f64x2.mul(z, zHi))));
  }
  if (Call.partials) {
    addPartial(Call.partials, r, CE_SLOTS, CE_NLL, hsum2(f64x2.add(nllLo, nllHi)));
    addPartial(Call.partials, r, CE_SLOTS, CE_WEIGHT, hsum64(wt));
    if (Call.smoothing > 0) addPartial(Call.partials, r, CE_SLOTS, CE_SMOOTH, hsum2(f64x2.add(smoothLo, smoothHi)));
    if (Call.zLoss > 0) addPartial(Call.partials, r, CE_SLOTS, CE_Z, hsum2(f64x2.add(zLo, zHi)));
  }
}

/**
 * Gradient of fourRows (x is all read by now: grad may be x): per column
 * e·A − B·w_c − D·[c = t] with e = exp(x − h) from lanesOut (for long rows,
 * from grad itself) and A ∝ 1/s,
 * s = Σ exp(x − h). An ignored row gets A = B = D = 0, or A = NaN when its
 * softmax is NaN (a NaN, or a max of ±∞). lse: the rows' log-sum-exp, for
 * the z-term's gradZ·lse·p (read only with zLoss).
 */
@inline function fourGradients(g: usize, r: i32, s: v128, m: v128, wt: v128, t: v128, ignored: v128, long: bool, lse: v128): void {
  const dy = Call.gradOut ? v128.load(at(Call.gradOut, r)) : f32x4.splat(1);
  let k = f32x4.add(f32x4.mul(f32x4.splat(Call.gradNll), wt), f32x4.splat(Call.gradSmooth * Call.weightTotal));
  if (Call.zLoss > 0) k = f32x4.add(k, f32x4.mul(f32x4.splat(Call.gradZ), lse));
  // dy·k/s in f64, as finishRow. Without gradOut, dy = 1 and that is k/s
  // rounded to f64 then to f32: the same bits as a float32 division of the
  // two float32s (53 ≥ 2·24 + 2), at a fraction of the cost.
  let A = !Call.gradOut ? f32x4.div(k, s) : demote4(
    f64x2.div(f64x2.mul(f64x2.promote_low_f32x4(dy), f64x2.promote_low_f32x4(k)), f64x2.promote_low_f32x4(s)),
    f64x2.div(f64x2.mul(promoteHigh(dy), promoteHigh(k)), promoteHigh(s)));
  const nanRow = v128.or(f32x4.ne(s, s), f32x4.eq(f32x4.abs(m), f32x4.splat(Infinity)));
  A = v128.bitselect(v128.and(nanRow, f32x4.splat(NaN)), A, ignored);
  const B = v128.andnot(f32x4.mul(dy, f32x4.splat(Call.gradSmooth)), ignored);
  const D = v128.andnot(f32x4.mul(f32x4.mul(dy, f32x4.splat(Call.gradNll)), wt), ignored);
  const C = Call.classes, gr = at(Call.grad, r * C), w = Call.weight;
  if (long) { // their exps are stored already (expsAt)
    lanesPut(g, 1, A);
    lanesPut(g, 2, B);
    lanesPut(g, 3, D);
    lanesPut(g, 4, knownTargets(t));
    for (let j = 0; j < 4; j++) {
      const row = at(gr, j * C);
      gradRow(expsAt(g, j, at(Call.x, (r + j) * C), row, C), row, w, C, lanesAt(g, 1, j), lanesAt(g, 2, j), cappedRow(r + j), Call.capInv);
      targetGrad(row, r + j, reinterpret<i32>(lanesAt(g, 4, j)), lanesAt(g, 3, j));
    }
  } else if (C < 4) {
    for (let c = 0; c < C; c++) lanesPut(g, c, gradColumn(g, c, A, B, D, t, w));
    lanesStore(g, gr, C);
  } else {
    for (let c = 0; c < C; c += 4) { // straight from registers to rows: faster than via lanesPut
      const f = min(c, C - 4);
      transposeOut(at(gr, f), C, gradColumn(g, f, A, B, D, t, w), gradColumn(g, f + 1, A, B, D, t, w),
        gradColumn(g, f + 2, A, B, D, t, w), gradColumn(g, f + 3, A, B, D, t, w));
    }
  }
}

/** Lane j = element t_j of row j of the four rows of n at p (n = 0: of one row). */
@inline function pick4(p: usize, n: i32, t: v128): v128 {
  return gather(p, i32x4.shl(i32x4.add(t, i32x4(0, n, 2 * n, 3 * n)), 2));
}

/** Column c of fourRows' gradient: e·A − B·w_c − D·[c = t], times the
 *  cap's factor of the column's capped logits where capped. */
@inline function gradColumn(g: usize, c: i32, A: v128, B: v128, D: v128, t: v128, w: usize): v128 {
  let v = f32x4.sub(f32x4.mul(lanesOut(g, c), A), w ? f32x4.mul(B, v128.load32_splat(at(w, c))) : B);
  v = f32x4.sub(v, v128.and(D, i32x4.eq(t, i32x4.splat(c))));
  return Call.capInv != 0 ? f32x4.mul(v, capFactorv(lanesX(g, c), f32x4.splat(Call.capInv))) : v;
}

/** The smoothing term's Σ w·(m − x) of row r, m its max (0 without smoothing). */
@inline function gap(r: i32, m: f32): f64 {
  if (!(Call.smoothing > 0) || targetOf(r) == Call.ignore) return 0;
  return gapSum(at(Call.x, r * Call.classes), Call.weight, Call.classes, m);
}

/** Loss, partial sums and gradient of row r from its statistics: max m,
 *  s = Σ of the exps stored at e for the gradient, ls = log Σ exp(x − m). */
@inline function finishRow(r: i32, e: usize, xt: f32, gap: f64, m: f32, s: f64, ls: f64): void {
  const t = targetOf(r);
  if (t == Call.ignore) {
    if (Call.out) store<f32>(at(Call.out, r), 0);
    if (Call.grad) ignoredRowGrad(at(Call.grad, r * Call.classes), Call.classes, m, s);
    return;
  }
  const wt: f32 = Call.weight ? load<f32>(at(Call.weight, t)) : 1;
  const nll = <f64>wt * ((<f64>m - <f64>xt) + ls);
  const smooth = Call.smoothing > 0 ? gap + <f64>Call.weightTotal * ls : 0;
  const lse = <f64>m + ls, z = Call.zLoss > 0 ? lse * lse : 0;
  if (Call.out) {
    store<f32>(at(Call.out, r), <f32>((1 - <f64>Call.smoothing) * nll + <f64>Call.smoothing / Call.classes * smooth + Call.zLoss * z));
  }
  addPartial(Call.partials, r, CE_SLOTS, CE_NLL, nll);
  addPartial(Call.partials, r, CE_SLOTS, CE_WEIGHT, wt);
  if (Call.smoothing > 0) addPartial(Call.partials, r, CE_SLOTS, CE_SMOOTH, smooth); // else it stays 0
  if (Call.zLoss > 0) addPartial(Call.partials, r, CE_SLOTS, CE_Z, z);
  if (Call.grad) {
    const g: f32 = Call.gradOut ? load<f32>(at(Call.gradOut, r)) : 1;
    const gr = at(Call.grad, r * Call.classes);
    const k = <f64>(Call.gradNll * wt + Call.gradSmooth * Call.weightTotal) + (Call.zLoss > 0 ? <f64>Call.gradZ * lse : 0);
    gradRow(e, gr, Call.weight, Call.classes, <f32>(<f64>g * k / s), g * Call.gradSmooth, cappedRow(r), Call.capInv);
    targetGrad(gr, r, t, g * Call.gradNll * wt);
  }
}
