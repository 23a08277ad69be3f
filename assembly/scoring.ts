// Language-model scoring over rows of logits (tokens × vocabulary): per row
// the log-probability of the target under softmax(x / T), the entropy of that
// softmax and the argmax, and the sums `evaluate` adds up (Σ nll, kept rows,
// rows whose argmax is the target), all from one exp pass per row.
//
// Everything is taken relative to the row max m, so huge logits never cancel:
//   nll = (m − x_t)/T + log s,   s = Σ exp(z), z = (x − m)/T ≤ 0
//   H   = log s + Σ exp(z)·(−z) / s   (both terms ≥ 0)
// At T = 1 without entropy the row takes cross-entropy's probed pass
// (sum_exp.ts), with cross-entropy's bits; otherwise, in the simd builds,
// one pass about a shift that follows the max, which also finds the argmax
// (score_pass.ts: the same formulas about that shift), and in the scalar
// build and rows under 4 classes a max pass first and then one pass over z
// (scaledSumExp).
import { at, hsum64, madd, SUM_BLOCK, tailMask } from './simd';
import { expScaleds, expScaledv, floorOf, magicOf } from './exp';
import { addPartial } from './partials';
import { logSumAboutMax, rowMax } from './shift';
import { Probed, sumExpProbed } from './sum_exp';
import { targetAt } from './targets';
import { firstEqual, rowArgmax } from './argmax';
import { scorePass, ScorePass } from './score_pass';

/** Partial slots per block of rows (partials.ts): Σ nll over the kept rows,
 *  their count, and how many of them have the target as argmax. The bindings
 *  read the count from the instance (scoreSlots() in index.ts). */
export const SCORE_SLOTS = 3;
const SCORE_NLL = 0, SCORE_TOKENS = 1, SCORE_CORRECT = 2;

/** Where z is clamped for the entropy's z·exp(z): an exp below it is 0 anyway
 *  (it flushes below −87.34), and 0·(−∞) would be NaN. */
const Z_FLOOR: f32 = -88;

/** 1/T as f32 is kept within [smallest subnormal, f32 max]: a T so small or so
 *  large that 1/T leaves f32 would make z = 0·∞ = NaN at the max (or at −∞). */
const INV_T_MIN: f32 = reinterpret<f32>(1), INV_T_MAX: f32 = reinterpret<f32>(0x7F7FFFFF);

/** What the last scaledSumExp with entropy found besides its sum: Σ exp(z)·z
 *  (≤ 0), in f64. Read by score right after the call. */
namespace Scaled {
  export let zSum: f64 = 0;
}

/**
 * Scores rows [r0, r1) of logits x (rows of `classes`) under temperature T.
 * Takes: x; target (i32 per row, 0: none, every row ignored); r0, r1;
 * classes; ignoreIndex; temperature T > 0 (finite); logProbs (f32 per row,
 * 0: none); entropy (f32 per row, 0: none); argmax (i32 per row, 0: none);
 * partials (SCORE_SLOTS f64 per block of rows, zeroed by the caller, 0: none).
 * Writes: logProbs[r] = log_softmax(x/T)[t] (0 for an ignored row);
 * entropy[r] = −Σ p log p of p = softmax(x/T); argmax[r] = the first index
 * of the row max, a NaN counting as the max (as argmax.ts); adds Σ nll, the
 * kept rows and those whose argmax is t into partials.
 * Accuracy: within the tolerance README.md states (section Accuracy); each
 * row's values do not depend on how the batch is split.
 * Range: any logits, with PyTorch's results for NaN and ±∞ (a NaN, a +∞ or
 * a row all −∞ gives NaN log-probability and entropy); a target neither a
 * class nor ignoreIndex is taken as ignoreIndex (targets.ts).
 * State: none kept between calls.
 */
export function score(
  x: usize, target: usize, r0: i32, r1: i32, classes: i32, ignoreIndex: i32, temperature: f64,
  logProbs: usize, entropy: usize, argmax: usize, partials: usize,
): void {
  const invT = <f32>max(min(1 / temperature, <f64>INV_T_MAX), <f64>INV_T_MIN);
  const plain = temperature == 1 && !entropy;
  for (let r = r0; r < r1; r++) {
    const xr = at(x, r * classes);
    let m: f32, s: f64, ls: f64, h: f64 = 0, first = -1;
    if (plain) {
      s = sumExpProbed(xr, classes);
      m = Probed.max;
      ls = logSumAboutMax(s, m);
    } else if (ASC_FEATURE_SIMD && classes >= 4) {
      // one pass about a shift c that follows the max (score_pass.ts):
      // nll = (c − x_t)/T + log Σ exp(z), as (m − x_t)/T + log s below
      s = temperature == 1 ? scorePass(xr, classes, 1, false, true) // with entropy
        : entropy ? scorePass(xr, classes, invT, true, true) : scorePass(xr, classes, invT, true, false);
      m = ScorePass.shift;
      ls = Math.log(s);
      if (entropy) h = ls - ScorePass.zSum / s;
      first = ScorePass.first;
    } else {
      m = rowMax(xr, classes);
      s = temperature == 1 ? scaledSumExp(xr, classes, m, 1, false, true) // with entropy
        : entropy ? scaledSumExp(xr, classes, m, invT, true, true) : scaledSumExp(xr, classes, m, invT, true, false);
      ls = Math.log(s);
      if (entropy) h = ls - Scaled.zSum / s;
    }
    if (entropy) store<f32>(at(entropy, r), <f32>h);
    const t = target ? targetAt(target, r, classes, ignoreIndex) : ignoreIndex;
    // A finite s means no NaN, no +∞ and not all −∞: the argmax is then the
    // first element equal to m; any other row takes argmax's element loop.
    const clean = s - s == 0;
    let correct = false;
    if (argmax) {
      const a = !clean ? rowArgmax(xr, classes) : first >= 0 ? first : firstEqual(xr, classes, m);
      store<i32>(at(argmax, r), a);
      correct = a == t;
    } else if (t != ignoreIndex) {
      correct = !clean ? rowArgmax(xr, classes) == t : first >= 0 ? first == t
        : load<f32>(at(xr, t)) == m && firstEqual(xr, t, m) == t;
    }
    if (t == ignoreIndex) {
      if (logProbs) store<f32>(at(logProbs, r), 0);
      continue;
    }
    const nll = (<f64>m - <f64>load<f32>(at(xr, t))) / temperature + ls;
    if (logProbs) store<f32>(at(logProbs, r), <f32>-nll);
    addPartial(partials, r, SCORE_SLOTS, SCORE_NLL, nll);
    addPartial(partials, r, SCORE_SLOTS, SCORE_TOKENS, 1);
    if (correct) addPartial(partials, r, SCORE_SLOTS, SCORE_CORRECT, 1);
  }
}

/**
 * Σ exp(z), z = (x − m)·invT, over a row of n whose max is m; with `entropy`
 * also Σ exp(z)·z into Scaled.zSum. `scaled` (invT ≠ 1) and `entropy` are
 * compile-time constants at each call. Sums are taken as in sum_exp.ts: f32
 * blocks of SUM_BLOCK per lane added into f64 totals, two blocks side by side
 * while two are left (two independent exp chains), the last n % 4 through one
 * overlapping masked vector; the scalar form adds every term in f64.
 * Takes: x, n ≥ 1, m, invT, scaled, entropy. Returns: the sum, in f64.
 * Accuracy: each exp ≤ 2 ULP; z carries the roundings of x − m and of the
 * product (≤ 1.5 ULP of z). Range: any m; a NaN or an m of ±∞ gives NaN.
 * State: with entropy, sets Scaled.zSum.
 */
@inline function scaledSumExp(x: usize, n: i32, m: f32, invT: f32, scaled: bool, entropy: bool): f64 {
  let total: f64 = 0, zs: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const mv = f32x4.splat(m), tv = f32x4.splat(invT), magic = f32x4.splat(magicOf(0)), floor = f32x4.splat(floorOf(0));
    const whole = n & ~3;
    while (i + 2 * SUM_BLOCK <= whole) {
      const end = i + SUM_BLOCK;
      let a = f32x4.splat(0), b = a, qa = a, qb = a;
      do { // do-while: see CONSTANT_LOOPS in simd.ts
        const za = zOf(v128.load(at(x, i)), mv, tv, scaled), ea = expScaledv(za, magic, floor);
        a = f32x4.add(a, ea);
        if (entropy) qa = madd(ea, clampZ(za), qa);
        const zb = zOf(v128.load(at(x, i + SUM_BLOCK)), mv, tv, scaled), eb = expScaledv(zb, magic, floor);
        b = f32x4.add(b, eb);
        if (entropy) qb = madd(eb, clampZ(zb), qb);
        i += 4;
      } while (i < end);
      total += hsum64(a);
      total += hsum64(b);
      if (entropy) { zs += hsum64(qa); zs += hsum64(qb); }
      i += SUM_BLOCK;
    }
    while (i < whole) {
      const end = min(i + SUM_BLOCK, whole);
      let a = f32x4.splat(0), q = a;
      do {
        const z = zOf(v128.load(at(x, i)), mv, tv, scaled), e = expScaledv(z, magic, floor);
        a = f32x4.add(a, e);
        if (entropy) q = madd(e, clampZ(z), q);
        i += 4;
      } while (i < end);
      total += hsum64(a);
      if (entropy) zs += hsum64(q);
    }
    if (whole != n && n >= 4) { // only the new lanes of the overlapping last vector count
      const z = zOf(v128.load(at(x, n - 4)), mv, tv, scaled), mask = tailMask(n - whole);
      const e = v128.and(expScaledv(z, magic, floor), mask);
      total += hsum64(e);
      if (entropy) zs += hsum64(f32x4.mul(e, clampZ(z)));
      i = n;
    }
  }
  for (; i < n; i++) {
    let z = load<f32>(at(x, i)) - m;
    if (scaled) z *= invT;
    const e = expScaleds(z, 0);
    total += e;
    if (entropy) zs += <f64>(e * max(z, Z_FLOOR));
  }
  if (entropy) Scaled.zSum = zs;
  return total;
}

/** z = (x − m)·invT of four logits, or x − m (scaled false). */
@inline function zOf(v: v128, m: v128, invT: v128, scaled: bool): v128 {
  const d = f32x4.sub(v, m);
  return scaled ? f32x4.mul(d, invT) : d;
}

/** z kept at or above Z_FLOOR (NaN stays NaN), for exp(z)·z. */
@inline function clampZ(z: v128): v128 {
  return f32x4.pmax(z, f32x4.splat(Z_FLOOR));
}
