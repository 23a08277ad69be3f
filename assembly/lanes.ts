// Short rows (classes < LANES_BELOW), four at a time with one row per lane:
// a "column" vector holds element c of four consecutive rows. For such rows a
// row's horizontal sums, tail and log would cost more than its exps; here they
// are done once per four rows, and the callers finish the four rows in vector
// form too (no per-row calls, which make V8 spill every vector register).
//
// A group is read once, transposed into this instance's scratch (x columns),
// and its results are put into a second set of scratch columns (first the
// exps, then whatever the caller makes of them) and transposed back out. So
// every element of x is read before anything is written: y may be x.
// Callers split batches at multiples of four rows, so a row always lands in
// the same group whatever the split.
//
// Rows from LANES_BELOW up to GROUPS_UP_TO classes are grouped too, without
// the transpose: each row takes its own exp pass (rowsSumExp), recorded in a
// slot as a short-row group is, so that their finish (the exp of each max,
// the division and the log; the callers' losses) is one vector for four rows
// as well (docs/kernel-notes.md).
//
// Callers keep two groups in flight, each in its own scratch slot (g, the
// slot's address, is the first argument below): both groups' exps first,
// then both finished. A group's finish (its log, losses, stores) is a long
// chain of dependent steps: right after its own exps the CPU mostly waits on
// it, while two such chains overlap each other (docs/kernel-notes.md; three
// groups measured no better, but for logSumExp's long rows: see groupRows in
// rowwise.ts).
import { at, gather, transpose4x4 } from './simd';
import { expScaledv, floorOf, floorOfv, LOG2E, magicOf, magicOfv } from './exp';
import { logAtLeast1v } from './log';
import { less, probesUnshifted, REDO_ABOVE, Shift, unshiftedFrom, unshiftedTo, WHOLE_LN2_BELOW } from './shift';
import { expStoreProbed, Probed, sumExpProbed } from './sum_exp';
import { Pair, pairExpStore, pairSumExp } from './sum_exp_pair';

/** Rows shorter than this go four to a vector (lanesSumExp). */
export const LANES_BELOW = 16;

/** The longest rows grouped (rowsSumExp). The bindings run a call in chunks
 *  of whole rows that fit 64 KiB, a multiple of four where four fit
 *  (bindings/wasm.ts; groupsUpTo() in index.ts): longer rows come fewer at a
 *  time, and gain nothing from a group anyway. */
export const GROUPS_UP_TO = 4096;

/**
 * This instance's scratch block: three slots, each with a group's x columns,
 * result columns, each row's max and (for short rows) largest exp, and four
 * rows set aside for exps (expsAt). Set once by the bindings (setScratch,
 * scratchBytes() bytes, right after instantiation), one block per instance,
 * so instances (threads) that share a memory never share it; read by
 * lanesSlot. Below, g is a slot's address.
 */
namespace Scratch {
  export let block: usize = 0;
}
const COLUMNS: usize = <usize>LANES_BELOW << 4;
const OUT_AT = COLUMNS, TOP_AT = COLUMNS * 2, MAX_AT = TOP_AT + 16, ASIDE_AT = MAX_AT + 16;
const ASIDE_ROW: usize = <usize>GROUPS_UP_TO << 2;
const SLOT_BYTES = ASIDE_AT + 4 * ASIDE_ROW;

/** The bytes setScratch needs: three slots. Takes nothing. State: none. */
export function scratchBytes(): i32 {
  return <i32>(SLOT_BYTES * 3);
}

/** Gives this instance its scratch block. Takes: p, scratchBytes() bytes of
 *  kernel memory no other instance uses. State: sets Scratch. */
export function setScratch(p: usize): void {
  Scratch.block = p;
}

/** The address of scratch slot 0, 1 or 2. Takes: slot. Returns: g.
 *  State: reads Scratch. */
@inline export function lanesSlot(slot: i32): usize {
  return Scratch.block + <usize>slot * SLOT_BYTES;
}

/**
 * A row of `floats` at `row` for the exps of rows longer than GROUPS_UP_TO
 * in place, lent by the bindings for one call (0, 0: none). Set by setAside
 * before and after such a call (lendAside in bindings/wasm.ts); read by
 * expsAt, which traps when the row it needs is not lent.
 */
namespace Aside {
  export let row: usize = 0, floats: i32 = 0;
}

/** Lends (or, with 0, 0, takes back) a row for the exps of long rows in
 *  place. Takes: p, floats. State: sets Aside. */
export function setAside(p: usize, floats: i32): void {
  Aside.row = p;
  Aside.floats = floats;
}

/**
 * Where the exps of row j of a group in slot g go, for a result at y from
 * the row of n at x: y itself, but in place (y = x) one of the slot's rows set
 * aside (or, for a row longer than GROUPS_UP_TO, the row setAside lent), so
 * that x stays whole for a probed pass that must be taken again (the row's
 * pass is then the one taken out of place, with the same bits, and no max
 * pass of its own before it). The
 * caller's last pass reads them from there and writes y. The bindings lend
 * a row for every call in place; a caller that lends none for a longer row
 * traps here rather than get exps taken about a shift x no longer shows.
 * The measured gain is in docs/kernel-notes.md ("In place, set the exps aside").
 * Takes: g, j (0..3), x, y, n. Returns: the address for the row's exps.
 * State: reads Aside (rows longer than GROUPS_UP_TO).
 */
@inline export function expsAt(g: usize, j: i32, x: usize, y: usize, n: i32): usize {
  if (y != x) return y;
  if (n <= GROUPS_UP_TO) return g + ASIDE_AT + <usize>j * ASIDE_ROW;
  if (n > Aside.floats) unreachable();
  return Aside.row;
}

/**
 * Where rows of n can be put for one kernel call without touching what the
 * cross-entropy kernels use (slots 0 and 1, and Aside only in place): slot 2
 * for n ≤ GROUPS_UP_TO, as many rows as fit (spareRows, a multiple of four),
 * else the row setAside lent, one row (trapping when none as long is lent).
 * Softcap's capped logits go there (softcap.ts).
 * Takes: n. Returns: the address. State: reads Scratch, Aside.
 */
export function spareAt(n: i32): usize {
  if (n <= GROUPS_UP_TO) return lanesSlot(2);
  if (n > Aside.floats) unreachable();
  return Aside.row;
}

/** How many rows of n spareAt(n) holds: a multiple of four (at least four)
 *  up to GROUPS_UP_TO, else 1. Takes: n. State: none. */
export function spareRows(n: i32): i32 {
  return n <= GROUPS_UP_TO ? (<i32>(SLOT_BYTES >> 2) / n) & ~3 : 1;
}

/** Column c of the group lanesSumExp read into slot g (element c of each
 *  row). Takes: g, c < n. Returns: that vector. State: slot g's memory. */
@inline export function lanesX(g: usize, c: i32): v128 {
  return v128.load(g + (<usize>c << 4));
}

/** Result column c: exp(x − shift) after lanesSumExp(…, keep = true), or what
 *  lanesPut put there. Takes: g, c. Returns: that vector. State: slot g's memory. */
@inline export function lanesOut(g: usize, c: i32): v128 {
  return v128.load(g + OUT_AT + (<usize>c << 4));
}

/** Stores v as result column c of slot g. State: slot g's memory. */
@inline export function lanesPut(g: usize, c: i32, v: v128): void {
  v128.store(g + OUT_AT + (<usize>c << 4), v);
}

/** Lane j of x column c_j: element c_j of each row. Takes: g, c (i32x4 of
 *  columns < n). Returns: that vector. State: slot g's memory. */
@inline export function lanesPick(g: usize, c: v128): v128 {
  return gather(g, i32x4.add(i32x4.shl(c, 4), i32x4(0, 4, 8, 12)));
}

/** Lane j of result column c: for callers that go on row by row. Takes: g,
 *  c, j. Returns: that f32. State: slot g's memory. */
@inline export function lanesAt(g: usize, c: i32, j: i32): f32 {
  return load<f32>(g + OUT_AT + (<usize>c << 4) + (<usize>j << 2));
}

/** Stores v as lane j of result column c of slot g. */
@inline function lanesSetAt(g: usize, c: i32, j: i32, v: f32): void {
  store<f32>(g + OUT_AT + (<usize>c << 4) + (<usize>j << 2), v);
}

/**
 * Σ exp(x − shift) of each of the four rows of n at x, in one pass, choosing
 * the shift as sumExpProbed does for long rows, from p, the max of each row's
 * first four elements: none if every p lies in unshiftedFrom/To(keep) (the
 * pass is taken again if some row max does not), else h + k·ln 2 from p per
 * lane (taken again if some row max is more than REDO_ABOVE above its p, or p
 * is not finite); the redo is about the row max. The group goes into the
 * scratch slot at g; then lanesLogSum(g, s, false) gives log Σ exp(x − max) (if
 * logSum), lanesMax(g) the row maxima (NaN skipped), lanesX(g, c) the
 * columns, and with keep, lanesOut(g, c) the exps.
 * Takes: g, x (four rows of n), n (1 ≤ n < LANES_BELOW), keep, logSum
 * (compile-time constants). Returns: s, each row's Σ exp(x − h)·2^−k in f32.
 * Accuracy: each exp ≤ 2 ULP, n f32 adds per lane. Range: as sumExpProbed
 * (sum_exp.ts). State: fills slot g (columns, maxima, largest exps, exps);
 * no globals.
 */
@inline export function lanesSumExp(g: usize, x: usize, n: i32, keep: bool, logSum: bool): v128 {
  readColumns(g, x, n);
  let p = f32x4.pmax(f32x4.splat(-Infinity), lanesX(g, 0)); // pmax(acc, NaN) keeps acc
  for (let c = 1; c < min(n, 4); c++) p = f32x4.pmax(p, lanesX(g, c));
  const from = f32x4.splat(unshiftedFrom(keep)), to = f32x4.splat(unshiftedTo(keep));
  if (i32x4.all_true(v128.and(f32x4.ge(p, from), f32x4.le(p, to)))) {
    const s = sumAbout(g, n, p, keep, logSum, false);
    if (!v128.any_true(f32x4.gt(lanesMax(g), to))) return s;
  } else {
    const s = sumAbout(g, n, p, keep, logSum, true);
    if (allFinite(p) && !v128.any_true(f32x4.gt(f32x4.sub(lanesMax(g), p), f32x4.splat(REDO_ABOVE)))) return s;
  }
  return sumAbout(g, n, lanesMax(g), keep, logSum, true);
}

/**
 * lanesSumExp for four rows of n at x, LANES_BELOW ≤ n ≤ GROUPS_UP_TO: each
 * row through its own probed pass (sumExpProbed; with y, whose rows may be
 * x's, expStoreProbed into expsAt), its max and shift recorded in slot g, so
 * that lanesMax, and lanesLogSum and lanesRatio with long, serve these rows
 * as they serve lanesSumExp's. Rows 0–1 and 2–3 that both probe unshifted
 * take that pass together (pairSumExp), with the same bits; a row whose max
 * then lies above the unshifted range takes its own pass again. The sums are
 * rounded to float32 (n·e^80 is still below its max).
 * Takes: g, x (four rows of n), y (where the exps go, may be x; 0: none), n.
 * Returns: result column 0, the four sums (in f32; their f64 passes as
 * sum_exp.ts). Accuracy: as sumExpProbed, then one f32 rounding.
 * State: fills slot g (records, maxima; exps set aside in place); uses
 * Probed, Shift and Pair as its passes leave them, right after each pass.
 */
export function rowsSumExp(g: usize, x: usize, y: usize, n: i32): v128 {
  const keep = y != 0;
  for (let j = 0; j < 4; j += 2) {
    const a = at(x, j * n), b = at(a, n);
    const ya = keep ? expsAt(g, j, a, at(y, j * n), n) : 0, yb = keep ? expsAt(g, j + 1, b, at(y, (j + 1) * n), n) : 0;
    let doneA = false, doneB = false;
    if (probesUnshifted(a, keep) && probesUnshifted(b, keep)) {
      const s = keep ? pairExpStore(a, b, ya, yb, n) : pairSumExp(a, b, n), to = unshiftedTo(keep);
      if ((doneA = Probed.max <= to)) record(g, j, s, Probed.max, 0, 0);
      if ((doneB = Pair.max <= to)) record(g, j + 1, Pair.sum, Pair.max, 0, 0);
    }
    if (!doneA) record(g, j, keep ? expStoreProbed(a, ya, n) : sumExpProbed(a, n), Probed.max, Shift.h, Shift.k);
    if (!doneB) record(g, j + 1, keep ? expStoreProbed(b, yb, n) : sumExpProbed(b, n), Probed.max, Shift.h, Shift.k);
  }
  return lanesOut(g, 0);
}

/** Row j's pass in slot g: its sum s, max m and shift h + k·ln 2, in result
 *  columns 0–3 (free for these rows) and the max column. State: slot g's memory. */
@inline function record(g: usize, j: i32, s: f64, m: f32, h: f32, k: i32): void {
  lanesSetAt(g, 0, j, <f32>s);
  store<f32>(g + MAX_AT + (<usize>j << 2), m);
  lanesSetAt(g, 1, j, h);
  lanesSetAt(g, 2, j, magicOf(k));
  lanesSetAt(g, 3, j, floorOf(k));
}

/**
 * log Σ exp(x − m) of each row (m = lanesMax(g)) from the s of lanesSumExp
 * (or of rowsSumExp: long) for slot g: over that pass's own largest exp,
 * whose term is then exactly 1 (see logSumAboutMax), so the float32 log
 * sees a sum in [1, n].
 * Takes: g, s, long. Returns: the four logs.
 * Accuracy: the ratio's f32 rounding and logAtLeast1v's ~1 ULP: about 1e−7
 * absolute. Range: NaN rows stay NaN. State: reads slot g.
 */
@inline export function lanesLogSum(g: usize, s: v128, long: bool): v128 {
  return logAtLeast1v(lanesRatio(g, s, long));
}

/**
 * Σ exp(x − m) of each row: s over its pass's largest exp, in [1, n]. For
 * rowsSumExp's rows (long) that exp is taken here, from what each pass
 * recorded, as the pass took it: taken at the end of rowsSumExp, it waited
 * on the records just stored lane by lane, and the next group's passes on
 * it (docs/kernel-notes.md, "Do not load a vector from lanes just stored").
 * Takes: g, s, long. Returns: the four ratios.
 * Accuracy: one f32 division (the exp, for long rows, ≤ 2 ULP as the pass's
 * own). State: reads slot g.
 */
@inline export function lanesRatio(g: usize, s: v128, long: bool): v128 {
  const top = long ? expScaledv(f32x4.sub(lanesMax(g), lanesOut(g, 1)), lanesOut(g, 2), lanesOut(g, 3)) : v128.load(g + TOP_AT);
  return f32x4.div(s, top);
}

/** The row maxima (NaN skipped) of the group in slot g. Takes: g. Returns:
 *  them. State: reads slot g (set by lanesSumExp or rowsSumExp). */
@inline export function lanesMax(g: usize): v128 {
  return v128.load(g + MAX_AT);
}

/** Σ exp(x − h)·2^−k over the columns, h + k·ln 2 chosen from v per lane as
 *  pickShift does (v ≤ the row max), or no shift at all (shift false: the
 *  constants need no work that the exps would wait for). Takes: g, n, v,
 *  keep, logSum, shift. Returns: the sums. State: leaves the row maxima and
 *  largest exps (and with keep, the exps) in slot g. */
@inline function sumAbout(g: usize, n: i32, v: v128, keep: bool, logSum: bool, shift: bool): v128 {
  const small = f32x4.lt(f32x4.abs(v), f32x4.splat(WHOLE_LN2_BELOW)); // false for NaN, ±∞
  const k = shift ? v128.and(f32x4.nearest(f32x4.mul(v, f32x4.splat(LOG2E))), small) : f32x4.splat(0);
  const h = shift ? v128.andnot(v, small) : k;
  const magic = magicOfv(k), floor = floorOfv(k);
  return shift && v128.any_true(h)
    ? columnsSum(g, n, v, h, magic, floor, keep, logSum, true)
    : columnsSum(g, n, v, h, magic, floor, keep, logSum, false);
}

/** sumAbout's loop; without the subtraction where every h is 0 (as in expSum).
 *  For lanesLogSum (logSum) it keeps the largest exp too: the exp of the max,
 *  with no exp of its own after the loop for the finish to wait on. (Where
 *  rounding makes a slightly smaller x's exp the larger, both terms are ~1 and
 *  the log-sum ≥ log 2: no accuracy is lost.) */
@inline function columnsSum(g: usize, n: i32, v: v128, h: v128, magic: v128, floor: v128, keep: bool, logSum: bool, shifted: bool): v128 {
  let s = f32x4.splat(0), m = v, top = s;
  for (let c = 0; c < n; c++) {
    const x = lanesX(g, c);
    m = f32x4.pmax(m, x);
    const y = expScaledv(less(x, h, shifted), magic, floor);
    if (keep) lanesPut(g, c, y);
    if (logSum) top = f32x4.pmax(top, y);
    s = f32x4.add(s, y);
  }
  v128.store(g + MAX_AT, m);
  if (logSum) v128.store(g + TOP_AT, top);
  return s;
}

/** Σ_c w_c·(m − x_c) of each row (w = 0: Σ (m − x_c)); every term ≥ 0 for
 *  m the row max, so the sum never cancels. Takes: g, n, m, w (or 0).
 *  Returns: the four sums. Accuracy: n f32 steps per lane (one or two
 *  roundings each). State: reads slot g's columns. */
@inline export function lanesGap(g: usize, n: i32, m: v128, w: usize): v128 {
  let sum = f32x4.splat(0);
  for (let c = 0; c < n; c++) {
    const d = f32x4.sub(m, lanesX(g, c));
    sum = f32x4.add(sum, w ? f32x4.mul(d, v128.load32_splat(at(w, c))) : d);
  }
  return sum;
}

/** Whether every lane is finite (no NaN, no ±∞). Takes: v. Returns: that. State: none. */
@inline export function allFinite(v: v128): bool {
  return i32x4.all_true(f32x4.eq(f32x4.sub(v, v), f32x4.splat(0)));
}

/** The four rows of n at x into slot g's x columns: 4×4 blocks of four row
 *  loads and eight shuffles; the last block may overlap the one before (the
 *  same columns written again). Rows under four elements go element by
 *  element. State: writes slot g's x columns. */
@inline function readColumns(g: usize, x: usize, n: i32): void {
  const stride = <usize>n << 2;
  if (n < 4) {
    for (let c = 0; c < n; c++) v128.store(g + (<usize>c << 4), lanesColumn(x, n, c));
    return;
  }
  for (let c = 0; c < n; c += 4) {
    const f = min(c, n - 4), p = at(x, f), q = g + (<usize>f << 4);
    transpose4x4(v128.load(p), v128.load(p + stride), v128.load(p + 2 * stride), v128.load(p + 3 * stride), q, 16);
  }
}

/** Element c of each of the four rows of n at p, one row per lane.
 *  Takes: p, n, c. Returns: that vector. State: none. */
@inline export function lanesColumn(p: usize, n: i32, c: i32): v128 {
  const stride = <usize>n << 2, e = at(p, c);
  let v = v128.load32_zero(e);
  v = v128.load32_lane(e + stride, v, 1);
  v = v128.load32_lane(e + 2 * stride, v, 2);
  return v128.load32_lane(e + 3 * stride, v, 3);
}

/** Slot g's result columns out to the four rows of n at y, as readColumns
 *  in reverse. Takes: g, y, n. State: reads slot g. */
@inline export function lanesStore(g: usize, y: usize, n: i32): void {
  const stride = <usize>n << 2;
  if (n < 4) {
    for (let c = 0; c < n; c++) {
      const p = at(y, c), v = lanesOut(g, c);
      v128.store32_lane(p, v, 0);
      v128.store32_lane(p + stride, v, 1);
      v128.store32_lane(p + 2 * stride, v, 2);
      v128.store32_lane(p + 3 * stride, v, 3);
    }
    return;
  }
  for (let c = 0; c < n; c += 4) {
    const f = min(c, n - 4);
    transposeOut(at(y, f), n, lanesOut(g, f), lanesOut(g, f + 1), lanesOut(g, f + 2), lanesOut(g, f + 3));
  }
}

/** Columns f..f+3 of four rows of n out to y (at column f of the first row).
 *  Takes: y, n, c0..c3. State: none. */
@inline export function transposeOut(y: usize, n: i32, c0: v128, c1: v128, c2: v128, c3: v128): void {
  transpose4x4(c0, c1, c2, c3, y, <usize>n << 2);
}

