// Cross-entropy with probability targets q (same shape as x), as
// F.cross_entropy with soft labels. With q' = (1−ε)q + ε/C and row max m:
//   loss = Σ_c w_c·q'_c·(lse − x_c) = Σ_c w_c·q'_c·(m − x_c) + (Σ_c w_c·q'_c)·log Σ exp(x − m)
// (no cancellation for q ≥ 0, however large the logits), gradient
//   g·(Σ_c w_c q'_c · softmax(x) − w ⊙ q').
// With zLoss, each row adds zLoss·lse² (lse = m + log Σ exp(x − m)) and its
// gradient g·2·zLoss·lse·softmax(x); with softcap the kernel runs on capped
// logits (softcap.ts).
import { at, demote4, hsum2, hsum64, madd, promoteHigh, SUM_BLOCK } from './simd';
import { addPartial } from './partials';
import { logSumAboutMax } from './shift';
import { expStoreProbed, Probed, sumExpProbed } from './sum_exp';
import { expsAt, lanesColumn, lanesLogSum, lanesMax, lanesOut, lanesPut, lanesSlot, lanesStore, lanesSumExp, lanesX, LANES_BELOW, spareRows } from './lanes';
import { capGrad, capInto } from './softcap';

/** Partial slots per block of rows (partials.ts) for probability targets:
 *  Σ row cross-entropy, Σ lse² (with zLoss > 0). The bindings read the count
 *  from the instance (probSlots() in index.ts); they are the totals the
 *  Kernels interface returns, in that order (bindings/kernels.ts). */
export const PROB_SLOTS = 2;
const PROB_Z = 1;

/** Σ w_c·q'_c of the row probTerms last saw: set by probTerms, read by
 *  crossEntropyProb right after it, for the same row. */
namespace Terms {
  export let mass: f64 = 0;
}

/** w_c·q'_c of element i of a row (w = 0: unweighted), q' = q·keep + spread.
 *  Takes: q, w, i, keep, spread. Returns: it (two or three roundings). State: none. */
@inline function coefficient(q: usize, w: usize, i: i32, keep: f32, spread: f32): f32 {
  return (load<f32>(at(q, i)) * keep + spread) * (w ? load<f32>(at(w, i)) : 1);
}

/** coefficient for elements i..i+3. */
@inline function coefficientv(q: usize, w: usize, i: i32, keep: v128, spread: v128): v128 {
  const c = madd(v128.load(at(q, i)), keep, spread);
  return w ? f32x4.mul(c, v128.load(at(w, i))) : c;
}

/** Σ w_c·q'_c·(m − x_c) of a row of n, and Σ w_c·q'_c into Terms.mass: one
 *  pass, summed in f32 blocks of SUM_BLOCK and then in f64 (every term ≥ 0
 *  for q ≥ 0). Takes: x, q, w, n, m (the row max), keep, spread. Returns:
 *  the first sum, in f64. State: sets Terms.mass. */
function probTerms(x: usize, q: usize, w: usize, n: i32, m: f32, keep: f32, spread: f32): f64 {
  let gap: f64 = 0, mass: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m), vk = f32x4.splat(keep), vs = f32x4.splat(spread);
    const whole = n & ~3;
    while (i < whole) {
      const end = min(i + SUM_BLOCK, whole);
      let g = f32x4.splat(0), s = g;
      do { // do-while: see CONSTANT_LOOPS in simd.ts
        const c = coefficientv(q, w, i, vk, vs);
        g = madd(c, f32x4.sub(vm, v128.load(at(x, i))), g);
        s = f32x4.add(s, c);
        i += 4;
      } while (i < end);
      gap += hsum64(g);
      mass += hsum64(s);
    }
  }
  for (; i < n; i++) {
    const c = coefficient(q, w, i, keep, spread);
    gap += c * (m - load<f32>(at(x, i)));
    mass += c;
  }
  Terms.mass = mass;
  return gap;
}

/** grad = e·a − w_c·q'_c·g over a row of n, from the row's exps at e (which
 *  may be grad). Takes: e, grad, q, w, n, a, g, keep, spread. State: none. */
function probGradRow(e: usize, grad: usize, q: usize, w: usize, n: i32, a: f32, g: f32, keep: f32, spread: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a), vg = f32x4.splat(g), vk = f32x4.splat(keep), vs = f32x4.splat(spread);
    if (i + 4 <= n) do { // do-while: see CONSTANT_LOOPS in simd.ts
      const c = coefficientv(q, w, i, vk, vs);
      v128.store(at(grad, i), f32x4.sub(f32x4.mul(v128.load(at(e, i)), va), f32x4.mul(c, vg)));
      i += 4;
    } while (i + 4 <= n);
  }
  for (; i < n; i++) store<f32>(at(grad, i), load<f32>(at(e, i)) * a - coefficient(q, w, i, keep, spread) * g);
}

/**
 * Rows r0.. of fewer than LANES_BELOW classes four at a time, one row per
 * lane (lanes.ts), with the same formulas as crossEntropyProb's rows (the
 * log-sum a float32 log, as for index targets); returns the first row left.
 * x is all read into the slot before the gradient is stored: grad may be x.
 * State: uses scratch slot 0; no globals.
 */
function probGroups(
  x: usize, q: usize, w: usize, r0: i32, r1: i32, n: i32, keep: f32, spread: f32,
  out: usize, partials: usize, grad: usize, gradScale: f32, gradOut: usize, zLoss: f32,
): i32 {
  const g = lanesSlot(0), vk = f32x4.splat(keep), vs = f32x4.splat(spread);
  let r = r0;
  for (; r + 4 <= r1; r += 4) {
    const qr = at(q, r * n);
    const s = lanesSumExp(g, at(x, r * n), n, grad != 0, true);
    const m = lanesMax(g);
    let gap = f32x4.splat(0), mass = gap;
    for (let c = 0; c < n; c++) {
      const coef = columnCoefficients(qr, w, n, c, vk, vs);
      gap = madd(coef, f32x4.sub(m, lanesX(g, c)), gap);
      mass = f32x4.add(mass, coef);
    }
    const ls = lanesLogSum(g, s, false);
    const lo = f64x2.add(f64x2.promote_low_f32x4(gap), f64x2.mul(f64x2.promote_low_f32x4(mass), f64x2.promote_low_f32x4(ls)));
    const hi = f64x2.add(promoteHigh(gap), f64x2.mul(promoteHigh(mass), promoteHigh(ls)));
    const lse = f32x4.add(m, ls);
    if (zLoss > 0) {
      const zl = f64x2.add(f64x2.promote_low_f32x4(m), f64x2.promote_low_f32x4(ls)), zh = f64x2.add(promoteHigh(m), promoteHigh(ls));
      const zLo = f64x2.mul(zl, zl), zHi = f64x2.mul(zh, zh), c = f64x2.splat(zLoss);
      if (out) v128.store(at(out, r), demote4(f64x2.add(lo, f64x2.mul(c, zLo)), f64x2.add(hi, f64x2.mul(c, zHi))));
      addPartial(partials, r, PROB_SLOTS, PROB_Z, hsum2(f64x2.add(zLo, zHi)));
    } else if (out) v128.store(at(out, r), demote4(lo, hi));
    // row by row, as crossEntropyProb adds them
    addPartial(partials, r, PROB_SLOTS, 0, f64x2.extract_lane(lo, 0));
    addPartial(partials, r + 1, PROB_SLOTS, 0, f64x2.extract_lane(lo, 1));
    addPartial(partials, r + 2, PROB_SLOTS, 0, f64x2.extract_lane(hi, 0));
    addPartial(partials, r + 3, PROB_SLOTS, 0, f64x2.extract_lane(hi, 1));
    if (grad) {
      const dy = f32x4.mul(gradOut ? v128.load(at(gradOut, r)) : f32x4.splat(1), f32x4.splat(gradScale));
      // mass/s, as crossEntropyProb takes it in f64 and rounds: a float32
      // division of the two float32s gives those bits (53 ≥ 2·24 + 2)
      const k = zLoss > 0 ? f32x4.add(mass, f32x4.mul(f32x4.splat(2 * zLoss), lse)) : mass;
      const a = f32x4.mul(f32x4.div(k, s), dy);
      for (let c = 0; c < n; c++) {
        lanesPut(g, c, f32x4.sub(f32x4.mul(lanesOut(g, c), a), f32x4.mul(columnCoefficients(qr, w, n, c, vk, vs), dy)));
      }
      lanesStore(g, at(grad, r * n), n);
    }
  }
  return r;
}

/** w_c·q'_c of column c of the four rows of n at q. Takes: q, w, n, c, keep,
 *  spread. Returns: it, one row per lane. State: none. */
@inline function columnCoefficients(q: usize, w: usize, n: i32, c: i32, keep: v128, spread: v128): v128 {
  const k = madd(lanesColumn(q, n, c), keep, spread);
  return w ? f32x4.mul(k, v128.load32_splat(at(w, c))) : k;
}

/**
 * Cross-entropy with probability targets q over rows [r0, r1), as
 * F.cross_entropy(x, q, weight, label_smoothing) with soft labels.
 * Takes: x (logits, rows of `classes`); q (same shape); weight (f32 per
 * class, 0: unweighted); r0, r1 (r0 a multiple of four); smoothing ε; out
 * (f32 per row, 0: none); partials (PROB_SLOTS f64 per block of rows
 * (partials.ts), zeroed by the caller, 0: none); grad (0: none; may be x,
 * with the same results); gradScale; gradOut (f32 per row, 0: 1); zLoss ≥ 0;
 * softcap (> 0: x → softcap·tanh(x/softcap) first, softcap.ts; 0: off).
 * Writes: out[r] = Σ_c w_c·q'_c·(lse − x_c) + zLoss·lse²; adds Σ row
 * cross-entropy and Σ lse² into partials; grad's rows =
 * g·gradScale·((Σ_c w_c q'_c + 2·zLoss·lse) · p − w ⊙ q'), g = gradOut[r],
 * times the cap's 1 − tanh² with softcap.
 * Accuracy: within the tolerance README.md states (section Accuracy).
 * Range: any logits, with PyTorch's results for NaN and ±∞; q ≥ 0 for the
 * no-cancellation guarantee above.
 * State: none across calls (Probed, Shift and Terms are read right after the
 * pass that sets them). With grad = x, or softcap, and classes > GROUPS_UP_TO,
 * reads Aside (the row setAside lent: expsAt and spareAt in lanes.ts).
 */
export function crossEntropyProb(
  x: usize, q: usize, weight: usize, r0: i32, r1: i32, classes: i32, smoothing: f32,
  out: usize, partials: usize, grad: usize, gradScale: f32, gradOut: usize, zLoss: f32, softcap: f32,
): void {
  if (!(softcap > 0)) {
    probRows(x, q, weight, r0, r1, classes, smoothing, out, partials, grad, gradScale, gradOut, zLoss);
    return;
  }
  // piece by piece through the capped copy, the same rows in the same groups
  const step = spareRows(classes);
  for (let a = r0; a < r1; a += step) {
    const b = min(r1, a + step), y = capInto(x, a, b, classes, softcap);
    probRows(y, q, weight, a, b, classes, smoothing, out, partials, grad, gradScale, gradOut, zLoss);
    if (grad) capGrad(y, grad, a, b, classes, softcap);
  }
}

/** crossEntropyProb's rows [r0, r1) of x, uncapped. */
function probRows(
  x: usize, q: usize, weight: usize, r0: i32, r1: i32, classes: i32, smoothing: f32,
  out: usize, partials: usize, grad: usize, gradScale: f32, gradOut: usize, zLoss: f32,
): void {
  const keep: f32 = 1 - smoothing, spread: f32 = smoothing / <f32>classes;
  let r = r0;
  if (ASC_FEATURE_SIMD && classes < LANES_BELOW) {
    r = probGroups(x, q, weight, r0, r1, classes, keep, spread, out, partials, grad, gradScale, gradOut, zLoss);
  }
  for (; r < r1; r++) {
    const xr = at(x, r * classes), qr = at(q, r * classes), gr = at(grad, r * classes);
    // One probed pass, the terms about the max it found.
    const e = grad ? expsAt(lanesSlot(0), 0, xr, gr, classes) : 0;
    const s = grad ? expStoreProbed(xr, e, classes) : sumExpProbed(xr, classes);
    const m = Probed.max;
    const gap = probTerms(xr, qr, weight, classes, m, keep, spread);
    const ls = logSumAboutMax(s, m), mass = Terms.mass, loss = gap + mass * ls;
    const lse = <f64>m + ls, z = zLoss > 0 ? lse * lse : 0;
    if (out) store<f32>(at(out, r), <f32>(loss + zLoss * z));
    addPartial(partials, r, PROB_SLOTS, 0, loss);
    if (zLoss > 0) addPartial(partials, r, PROB_SLOTS, PROB_Z, z);
    if (grad) {
      const g: f32 = (gradOut ? load<f32>(at(gradOut, r)) : 1) * gradScale;
      const k = zLoss > 0 ? mass + 2 * <f64>zLoss * lse : mass;
      probGradRow(e, gr, qr, weight, classes, <f32>(k / s) * g, g, keep, spread);
    }
  }
}
