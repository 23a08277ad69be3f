// Row-wise operations on a row-major [rows, classes] batch. Every kernel
// works on rows [r0, r1) so that the rows of one batch can be split freely
// (at multiples of four rows: lanes.ts). Pointers are byte addresses of f32
// arrays (argmax's out: i32); `classes` ≥ 1. Accuracy, for every kernel here:
// within the tolerance README.md states (section Accuracy) against PyTorch in
// float64; PyTorch's results for NaN, ±∞ and all −∞ rows. None of them reads
// or leaves a global that another call depends on (the passes' Probed and
// Shift are read right after each pass).
import { at, hsum64, madd, SUM_BLOCK } from './simd';
import { expAnyv, expAnys } from './exp';
import { logv, logs } from './log';
import { logSumAboutMax, rowMax } from './shift';
import { expStore, expStoreProbed, Probed, sumExpProbed } from './sum_exp';
import { scaleStore, shiftStore } from './row_scale';
import { sumProduct } from './row_sums';
import { allFinite, expsAt, GROUPS_UP_TO, lanesAt, lanesSlot, lanesLogSum, lanesMax, lanesOut, lanesPut, lanesStore, lanesSumExp, lanesX, LANES_BELOW, rowsSumExp } from './lanes';

/** log Σ exp(x) of one row of n as PyTorch computes it: an all −∞ row gives
 *  −∞, a +∞ entry gives +∞, a NaN gives NaN. Returns it in f64. State:
 *  reads Probed and Shift right after its pass. */
function rowLogSumExp(x: usize, n: i32): f64 {
  const s = sumExpProbed(x, n);
  const m = Probed.max;
  if (m == Infinity || m == -Infinity) return hasNaN(x, n) ? NaN : m;
  return <f64>m + logSumAboutMax(s, m);
}

/** Whether the row of n at x holds a NaN. */
function hasNaN(x: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (isNaN(load<f32>(at(x, i)))) return true;
  return false;
}

/**
 * out[r] = log Σ_c exp(x[r, c]), as torch.logsumexp(x, 1).
 * Takes: x, out, r0, r1, classes. Writes: out[r0..r1).
 * Accuracy: as above. Range: any x. State: none across calls.
 */
export function logSumExp(x: usize, out: usize, r0: i32, r1: i32, classes: i32): void {
  let r = r0;
  if (ASC_FEATURE_SIMD && classes <= GROUPS_UP_TO) r = groupRows(LSE, x, out, r0, r1, classes);
  logSumExpRows(x, out, r, r1, classes);
}

/** groupRows' ops (compile-time constants at each call). */
const LSE = 0, SOFTMAX = 1, LOG_SOFTMAX = 2;

/** Rows r0.. in groups of four (see lanes.ts) with two groups in flight, for
 *  op (a constant); returns the first row left (r1 − r0 mod 4). Softmax,
 *  whose rows end in a division only, groups short rows alone. logSumExp's
 *  long rows take three groups in flight: their finish (the exp of each max,
 *  the division, the log) is one long chain of dependent steps, and three
 *  overlap better than two (docs/kernel-notes.md; other ops and lengths
 *  measured no better). Uses scratch slots 0–2. */
@inline function groupRows(op: i32, x: usize, y: usize, r0: i32, r1: i32, classes: i32): i32 {
  const g0 = lanesSlot(0), g1 = lanesSlot(1), g2 = lanesSlot(2);
  let r = r0;
  if (op == LSE && classes >= LANES_BELOW) for (; r + 12 <= r1; r += 12) {
    const a = groupSums(op, g0, at(x, r * classes), classes);
    const b = groupSums(op, g1, at(x, (r + 4) * classes), classes);
    const c = groupSums(op, g2, at(x, (r + 8) * classes), classes);
    fourRows(op, g0, x, y, r, classes, a);
    fourRows(op, g1, x, y, r + 4, classes, b);
    fourRows(op, g2, x, y, r + 8, classes, c);
  }
  for (; r + 8 <= r1; r += 8) {
    const a = groupSums(op, g0, at(x, r * classes), classes);
    const b = groupSums(op, g1, at(x, (r + 4) * classes), classes);
    fourRows(op, g0, x, y, r, classes, a);
    fourRows(op, g1, x, y, r + 4, classes, b);
  }
  if (r + 4 <= r1) {
    fourRows(op, g0, x, y, r, classes, groupSums(op, g0, at(x, r * classes), classes));
    r += 4;
  }
  return r;
}

/** The exp pass of rows r..r+3 at x into slot g, for op (lanes.ts). */
@inline function groupSums(op: i32, g: usize, x: usize, classes: i32): v128 {
  return classes < LANES_BELOW ? lanesSumExp(g, x, classes, op == SOFTMAX, op != SOFTMAX) : rowsSumExp(g, x, 0, classes);
}

/** Rows r..r+3 of op into y (out for LSE), from their groupSums s into slot g. */
@inline function fourRows(op: i32, g: usize, x: usize, y: usize, r: i32, classes: i32, s: v128): void {
  if (op == LSE) logSumExpFour(g, x, y, r, classes, s);
  else if (op == SOFTMAX) softmaxFour(g, at(y, r * classes), classes, s);
  else if (classes < LANES_BELOW) logSoftmaxFour(g, at(y, r * classes), classes, s);
  else logSoftmaxRows(g, x, y, r, classes, s);
}

/** logSumExp of rows r..r+3 from their groupSums s in slot g; rows with a
 *  max of ±∞ or NaN go again through rowLogSumExp (PyTorch's cases). */
@inline function logSumExpFour(g: usize, x: usize, out: usize, r: i32, classes: i32, s: v128): void {
  const ls = lanesLogSum(g, s, classes >= LANES_BELOW), m = lanesMax(g);
  // m + log Σ exp(x − m), rounded once: a float32 add of two float32s is the
  // float64 sum rounded to float32, bit for bit (53 ≥ 2·24 + 2: the double
  // rounding is innocuous), so it needs no float64 detour (docs/kernel-notes.md).
  v128.store(at(out, r), f32x4.add(m, ls));
  if (!allFinite(m)) logSumExpRows(x, out, r, r + 4, classes); // PyTorch's ±∞ cases
}

/** logSumExp row by row (rows no group takes, and PyTorch's ±∞ cases). */
function logSumExpRows(x: usize, out: usize, r0: i32, r1: i32, classes: i32): void {
  for (let r = r0; r < r1; r++) store<f32>(at(out, r), <f32>rowLogSumExp(at(x, r * classes), classes));
}

/**
 * y[r] = softmax(x[r]), as torch.softmax(x, 1).
 * Takes: x, y (may be x), r0, r1, classes. Writes: y's rows r0..r1.
 * Accuracy: as above. Range: any x. State: with y = x and classes >
 * GROUPS_UP_TO, reads Aside (the row setAside lent: expsAt in lanes.ts).
 */
export function softmax(x: usize, y: usize, r0: i32, r1: i32, classes: i32): void {
  let r = r0;
  if (ASC_FEATURE_SIMD && classes < LANES_BELOW) r = groupRows(SOFTMAX, x, y, r0, r1, classes);
  for (; r < r1; r++) {
    const xr = at(x, r * classes), yr = at(y, r * classes), e = expsAt(lanesSlot(0), 0, xr, yr, classes);
    scaleStore(e, yr, classes, <f32>(1 / expStoreProbed(xr, e, classes)));
  }
}

/** Four rows of softmax into y from their exps, kept in slot g. */
@inline function softmaxFour(g: usize, y: usize, classes: i32, s: v128): void {
  const inv = f32x4.div(f32x4.splat(1), s);
  for (let c = 0; c < classes; c++) lanesPut(g, c, f32x4.mul(lanesOut(g, c), inv));
  lanesStore(g, y, classes);
}

/**
 * y[r] = log_softmax(x[r]) = (x − max) − log Σ exp(x − max), as
 * torch.log_softmax(x, 1).
 * Takes: x, y (may be x), r0, r1, classes. Writes: y's rows r0..r1.
 * Accuracy: as above. Range: any x. State: none across calls.
 */
export function logSoftmax(x: usize, y: usize, r0: i32, r1: i32, classes: i32): void {
  let r = r0;
  if (ASC_FEATURE_SIMD && classes <= GROUPS_UP_TO) r = groupRows(LOG_SOFTMAX, x, y, r0, r1, classes);
  for (; r < r1; r++) {
    const xr = at(x, r * classes);
    const ls = <f32>logSumAboutMax(sumExpProbed(xr, classes), Probed.max);
    shiftStore(xr, at(y, r * classes), classes, Probed.max, ls); // (x − max) − log Σ exp(x − max)
  }
}

/** Four rows of logSoftmax into y: (x − m) − log Σ exp(x − m). */
@inline function logSoftmaxFour(g: usize, y: usize, classes: i32, s: v128): void {
  const ls = lanesLogSum(g, s, false), m = lanesMax(g);
  for (let c = 0; c < classes; c++) lanesPut(g, c, f32x4.sub(f32x4.sub(lanesX(g, c), m), ls));
  lanesStore(g, y, classes);
}

/** logSoftmaxFour for rows of rowsSumExp: each row stored from its own max and log-sum. */
@inline function logSoftmaxRows(g: usize, x: usize, y: usize, r: i32, classes: i32, s: v128): void {
  lanesPut(g, 1, lanesLogSum(g, s, true));
  lanesPut(g, 2, lanesMax(g));
  for (let j = 0; j < 4; j++) {
    const o = (r + j) * classes;
    shiftStore(at(x, o), at(y, o), classes, lanesAt(g, 2, j), lanesAt(g, 1, j));
  }
}

/**
 * out[r] = −Σ_c p log p with 0·log 0 = 0 (the entropy of each row of p).
 * Takes: p, out, r0, r1, classes. Writes: out[r0..r1).
 * Accuracy: as above (each p log p: logv's ~1 ULP and a product; summed in
 * f32 blocks of SUM_BLOCK, then f64). Range: p ≥ 0 (a negative p gives NaN).
 * State: none.
 */
export function entropy(p: usize, out: usize, r0: i32, r1: i32, classes: i32): void {
  for (let r = r0; r < r1; r++) {
    const pr = at(p, r * classes);
    let total: f64 = 0;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const whole = classes & ~3;
      while (i < whole) {
        const end = min(i + SUM_BLOCK, whole);
        let a = f32x4.splat(0);
        do { // do-while: see CONSTANT_LOOPS in simd.ts
          const v = v128.load(at(pr, i));
          const t = f32x4.mul(v, logv(v));
          a = f32x4.add(a, v128.andnot(t, f32x4.eq(v, f32x4.splat(0))));
          i += 4;
        } while (i < end);
        total += hsum64(a);
      }
    }
    for (; i < classes; i++) {
      const v = load<f32>(at(pr, i));
      if (v != 0) total += v * logs(v);
    }
    store<f32>(at(out, r), <f32>-total);
  }
}

/**
 * dx = y ⊙ (dy − Σ dy⊙y) per row: softmax's gradient, from its output y.
 * Takes: y, dy, dx (may be y or dy), r0, r1, classes. Writes: dx's rows.
 * Accuracy: as above (Σ dy⊙y in f64, then rounded once). State: none.
 */
export function softmaxBackward(y: usize, dy: usize, dx: usize, r0: i32, r1: i32, classes: i32): void {
  for (let r = r0; r < r1; r++) {
    const o = r * classes;
    const yr = at(y, o), dyr = at(dy, o), dxr = at(dx, o);
    const s = <f32>sumProduct(dyr, yr, classes);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(s);
      for (; i + 4 <= classes; i += 4) {
        const v = f32x4.mul(v128.load(at(yr, i)), f32x4.sub(v128.load(at(dyr, i)), vs));
        v128.store(at(dxr, i), v);
      }
    }
    for (; i < classes; i++) store<f32>(at(dxr, i), load<f32>(at(yr, i)) * (load<f32>(at(dyr, i)) - s));
  }
}

/**
 * dx = dy − exp(y)·Σ dy per row: logSoftmax's gradient, from its output y.
 * Takes: y, dy, dx (may be y or dy), r0, r1, classes. Writes: dx's rows.
 * Accuracy: as above (Σ dy in f64; exp by expAny). Range: any y. State: none.
 */
export function logSoftmaxBackward(y: usize, dy: usize, dx: usize, r0: i32, r1: i32, classes: i32): void {
  for (let r = r0; r < r1; r++) {
    const o = r * classes;
    const yr = at(y, o), dyr = at(dy, o), dxr = at(dx, o);
    const s = <f32>sumProduct(dyr, 0, classes);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(-s);
      if (i + 4 <= classes) do { // do-while: see CONSTANT_LOOPS in simd.ts
        v128.store(at(dxr, i), madd(expAnyv(v128.load(at(yr, i))), vs, v128.load(at(dyr, i))));
        i += 4;
      } while (i + 4 <= classes);
    }
    for (; i < classes; i++) store<f32>(at(dxr, i), load<f32>(at(dyr, i)) - expAnys(load<f32>(at(yr, i))) * s);
  }
}

/**
 * dx = softmax(x)·dy[r] per row: logSumExp's gradient (dy one value per row).
 * Takes: x, dy, dx (may be x), r0, r1, classes. Writes: dx's rows.
 * Accuracy: as above (a max pass, then the exps about the max). State: none.
 */
export function logSumExpBackward(x: usize, dy: usize, dx: usize, r0: i32, r1: i32, classes: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = at(x, r * classes), dxr = at(dx, r * classes);
    const m = rowMax(xr, classes);
    const s = expStore(xr, dxr, classes, m);
    scaleStore(dxr, dxr, classes, <f32>(load<f32>(at(dy, r)) / s));
  }
}
