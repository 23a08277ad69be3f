// Σ exp over two rows in one loop: rows of 16 to 4096 classes whose probes
// both need no shift (rowsSumExp in lanes.ts), each row's sum in the order
// its own pass (sum_exp.ts) would add it, so the same bits.
import { at, hmax, hsum64, SUM_BLOCK, tailMask } from './simd';
import { expScaledv, floorOf, magicOf } from './exp';
import { Probed } from './sum_exp';

/**
 * Row b of the last pairSumExp or pairExpStore: its Σ exp and its max (NaN
 * skipped); row a's sum is their result and its max Probed.max. Set there
 * only; read by rowsSumExp (lanes.ts) right after the call.
 */
export namespace Pair {
  export let sum: f64 = 0, max: f32 = 0;
}

/**
 * expSumAbout (sum_exp.ts), unshifted and tracking the max, for two rows in
 * one loop: each row's sum in the same order as its own pass, so the same
 * bits. The two rows' exps are independent chains side by side, which the
 * CPU overlaps better than one row's steps (docs/kernel-notes.md); the rows
 * share the exp's constants, where two shifts of their own would not fit
 * the 16 registers. Vector form only: the simd builds' groups of long rows
 * (rowsSumExp in lanes.ts) use it.
 * Takes: a, b, two rows of n ≥ 4 whose maxima the caller expects in the
 * unshifted range (probesUnshifted). Returns: Σ exp(a), in f64.
 * Accuracy: as sumExpProbed's unshifted pass (sum_exp.ts), bit for bit.
 * Range: a row whose max lies above unshiftedTo may have overflowed: the
 * caller checks Probed.max and Pair.max and takes such a row again alone.
 * State: sets Probed.max (a's max) and Pair (b's sum and max); not Shift.
 */
export function pairSumExp(a: usize, b: usize, n: i32): f64 {
  return pairPass(a, b, 0, 0, n, false);
}

/**
 * pairSumExp that also stores the rows' exps into ya and yb (neither a nor b).
 * Takes: a, b, ya, yb, n ≥ 4. Returns: Σ exp(a); stores ya, yb.
 * Accuracy, range, state: as pairSumExp, with unshiftedTo(true) for range.
 */
export function pairExpStore(a: usize, b: usize, ya: usize, yb: usize, n: i32): f64 {
  return pairPass(a, b, ya, yb, n, true);
}

/** pairSumExp (keep false) or pairExpStore (keep true, a compile-time constant). */
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
      // the accumulators on the stack and did not unroll the loop, which
      // lost most of the pair's gain (docs/kernel-notes.md)
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
