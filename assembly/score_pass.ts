// score's one pass over a row where it needs more than cross-entropy's sum
// (an entropy, or a temperature ≠ 1): Σ exp(z) and Σ exp(z)·z with
// z = (x − c)·(1/T), the row's max, and where each lane first reached its
// max (so the argmax costs a search of one block, not of the row). Simd
// builds, rows of 4 or more; scoring.ts keeps a max pass then an exp pass
// about the max for the rest.
//
// The shift c is not the row max but follows it: it starts at the row's
// probe (shift.ts) and moves to the max so far whenever that exceeds it by
// more than SHIFT_SLACK in z, the sums taken so far brought along exactly,
//   Σ e^(z − d) = e^−d Σ e^z,   Σ e^(z − d)(z − d) = e^−d [Σ e^z·z − d Σ e^z],
// and the block in hand taken again about the new shift. The entropy is
// shift-invariant, H = log Σ e^z − Σ e^z·z / Σ e^z, and so is the
// log-probability, (x_t − c)/T − log Σ e^z. About the max every z ≤ 0 and
// nothing cancels; about c < m the terms of Σ e^z·z have both signs, and
// each rounding is relative to |z| ≤ |x − m|/T + SHIFT_SLACK instead of
// |x − m|/T, so a large term e^z·z rounds Σ e^z·z by about z times what it
// would about the max: the error grows with the slack, which at 4 keeps it
// a few percent of the README's tolerance (docs/kernel-notes.md).
import { at, hmax, hsum64, madd, SUM_BLOCK, tailMask } from './simd';
import { expUnflushedv, magicOf } from './exp';
import { firstEqual } from './argmax';

/** How far (in z) the row max may rise above the shift before the shift moves up to it. */
const SHIFT_SLACK: f32 = 4;
/** z is raised to this before its exp and its product: exp(−80) ≈ 1.8e−35
 *  stands for every smaller term (−∞ included, where 0·(−∞) would be NaN),
 *  and keeps the exp's steps in the normal range. */
const Z_CLAMP: f32 = -80;
/** The lowest shift: a row whose probe is all −∞ starts from here, so that
 *  z = x − c is −∞ for the −∞ logits (not −∞ − −∞ = NaN) until a finite
 *  logit moves the shift. */
const LOWEST: f32 = -3.40282346638528859812e38;

/** What the last scorePass found besides Σ e^z: the shift c its z are taken
 *  about, Σ e^z·z (with entropy), the row max (NaN skipped) and the first
 *  index of that max. Set by scorePass, read by score right after it. */
export namespace ScorePass {
  export let shift: f32 = 0, zSum: f64 = 0, max: f32 = 0, first: i32 = 0;
}

/**
 * Σ exp(z), z = (x − c)·invT, over a row of n ≥ 4 (simd builds), with
 * entropy also Σ exp(z)·z; `scaled` (invT ≠ 1) and `entropy` are
 * compile-time constants at each call. Blocks of SUM_BLOCK are summed in f32
 * per lane and added in f64, in an order that depends on n alone (a block
 * taken again about a new shift replaces its first sums). One block at a
 * time: with two side by side (as sum_exp.ts) the accumulators, the max and
 * the exp's constants outnumber the registers (docs/kernel-notes.md).
 * Takes: x, n ≥ 4, invT > 0, scaled, entropy. Returns: the sum, in f64.
 * Accuracy: each exp ≤ 2 ULP; z carries the roundings of x − c and of the
 * product. Range: any x; a NaN or +∞, or a row all −∞, gives a NaN sum.
 * State: sets ScorePass (first is meaningful only where the row holds no NaN).
 */
@inline export function scorePass(x: usize, n: i32, invT: f32, scaled: bool, entropy: bool): f64 {
  let c = max(hmax(v128.load(x)), LOWEST); // the probe (shift.ts), NaN kept
  const slack: f32 = scaled ? SHIFT_SLACK / invT : SHIFT_SLACK;
  const tv = f32x4.splat(invT), magic = f32x4.splat(magicOf(0)), low = f32x4.splat(Z_CLAMP);
  const whole = n & ~3;
  let total: f64 = 0, zs: f64 = 0;
  let ma = f32x4.splat(-Infinity), start = i32x4.splat(0), before = ma;
  let i = 0;
  while (i < n) {
    const cv = f32x4.splat(c);
    let s: f64, q: f64 = 0, from = i, next: i32;
    if (i < whole) {
      let a = f32x4.splat(0), qa = a, j = i;
      const end = min(i + SUM_BLOCK, whole);
      do {
        const v = v128.load(at(x, j));
        ma = f32x4.pmax(ma, v);
        const z = zOf(v, cv, tv, low, scaled), e = expUnflushedv(z, magic);
        a = f32x4.add(a, e);
        if (entropy) qa = madd(e, z, qa);
        j += 4;
      } while (j < end);
      s = hsum64(a);
      if (entropy) q = hsum64(qa);
      next = end;
    } else { // only the new lanes of the overlapping last vector count
      from = n - 4;
      const v = v128.load(at(x, from));
      ma = f32x4.pmax(ma, v);
      const z = zOf(v, cv, tv, low, scaled), e = v128.and(expUnflushedv(z, magic), tailMask(n - whole));
      s = hsum64(e);
      if (entropy) q = hsum64(f32x4.mul(e, z));
      next = n;
    }
    if (v128.any_true(f32x4.gt(ma, f32x4.splat(c + slack)))) {
      // the max rose too far above the shift: move it there, bring the sums
      // along, and take this block again (ma already holds its maxima)
      const up = hmax(ma);
      if (total != 0) {
        const d = (<f64>up - <f64>c) * <f64>invT, f = Math.exp(-d);
        if (entropy) zs = f * (zs - d * total);
        total *= f;
      }
      c = up;
      continue;
    }
    total += s;
    if (entropy) zs += q;
    // lanes whose max rose in this block first reached it here
    start = i32x4.max_s(start, v128.and(f32x4.lt(before, ma), i32x4.splat(from)));
    before = ma;
    i = next;
  }
  ScorePass.shift = c;
  ScorePass.zSum = zs;
  ScorePass.max = hmax(ma);
  ScorePass.first = firstOfMax(x, n, ma, start);
  // a row all −∞ has no distribution: NaN, as about its max (−∞ − −∞)
  return ScorePass.max == -Infinity ? NaN : total;
}

/** z = (x − c)·invT (or x − c) of four logits, raised to Z_CLAMP (NaN stays NaN). */
@inline function zOf(v: v128, c: v128, invT: v128, low: v128, scaled: bool): v128 {
  const d = f32x4.sub(v, c);
  return f32x4.pmax(scaled ? f32x4.mul(d, invT) : d, low);
}

/** The first index of the row max, from each lane's max m and the start of
 *  the first block where the lane reached it: the least start among the
 *  lanes at the row max, then that block searched (as blockFirst in argmax.ts). */
@inline function firstOfMax(x: usize, n: i32, m: v128, start: v128): i32 {
  const top = f32x4.splat(hmax(m));
  // the others 0xFFFFFFFF, the largest unsigned
  let c = v128.or(start, f32x4.ne(m, top));
  c = i32x4.min_u(c, i64x2.shuffle(c, c, 1, 0));
  c = i32x4.min_u(c, i32x4.shuffle(c, c, 1, 0, 3, 2));
  const b = i32x4.extract_lane(c, 0);
  return b + firstEqual(at(x, b), n - b, f32x4.extract_lane(top, 0));
}
