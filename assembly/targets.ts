// Class-index targets, checked before any kernel reads x[t] or weight[t].
// The bindings check them (badTarget) before a kernel runs, but memory is
// shared: another thread may write a target between that check and the
// kernel. So every kernel reads its targets through targetAt / targetsAt,
// which turn a value that is neither a class nor ignoreIndex into
// ignoreIndex: such a row is skipped, and no address is ever made from an
// unchecked value.
import { at } from './simd';

/** target[r], or ignoreIndex where it is not a class in [0, classes).
 *  Takes: target, r, classes, ignoreIndex. Returns: a class or ignoreIndex. State: none. */
@inline export function targetAt(target: usize, r: i32, classes: i32, ignoreIndex: i32): i32 {
  const t = load<i32>(at(target, r));
  return <u32>t < <u32>classes ? t : ignoreIndex;
}

/** targetAt for rows r..r+3, one per lane. Returns: an i32x4. State: none. */
@inline export function targetsAt(target: usize, r: i32, classes: i32, ignoreIndex: i32): v128 {
  const t = v128.load(at(target, r));
  return v128.bitselect(t, i32x4.splat(ignoreIndex), i32x4.lt_u(t, i32x4.splat(classes)));
}

/**
 * The check the bindings make before an index-target kernel runs.
 * Takes: target, r0, r1, classes, ignoreIndex. Returns: the first row in
 * [r0, r1) whose target is neither in [0, classes) nor ignoreIndex; −1 if
 * none. Accuracy: exact. State: none.
 */
export function badTarget(target: usize, r0: i32, r1: i32, classes: i32, ignoreIndex: i32): i32 {
  let r = r0;
  if (ASC_FEATURE_SIMD) {
    // four at a time; the scalar loop below finds the row in a vector that has one
    const C = i32x4.splat(classes), ignored = i32x4.splat(ignoreIndex);
    for (; r + 4 <= r1; r += 4) {
      const t = v128.load(at(target, r));
      if (v128.any_true(v128.andnot(i32x4.ge_u(t, C), i32x4.eq(t, ignored)))) break;
    }
  }
  for (; r < r1; r++) {
    const t = load<i32>(at(target, r));
    if (<u32>t >= <u32>classes && t != ignoreIndex) return r;
  }
  return -1;
}

/**
 * The divisor of a 'mean' with a gradient.
 * Takes: target, weight (0: unweighted), r0, r1, classes, ignoreIndex.
 * Returns: Σ weight[t] over rows whose target is a class (weight = 0: their
 * count; the simd count assumes targets already checked: badTarget), in f64.
 * Accuracy: each weight exact in f64, one rounding per add. State: none.
 */
export function targetWeight(target: usize, weight: usize, r0: i32, r1: i32, classes: i32, ignoreIndex: i32): f64 {
  let total: f64 = 0;
  let r = r0;
  if (ASC_FEATURE_SIMD && !weight) {
    // a count: each lane subtracts its rows' "not ignored" masks (−1 each)
    const ignored = i32x4.splat(ignoreIndex);
    let kept = i32x4.splat(0);
    for (; r + 4 <= r1; r += 4) kept = i32x4.sub(kept, i32x4.ne(v128.load(at(target, r)), ignored));
    total = <f64>(i32x4.extract_lane(kept, 0) + i32x4.extract_lane(kept, 1) + i32x4.extract_lane(kept, 2) + i32x4.extract_lane(kept, 3));
  }
  for (; r < r1; r++) {
    const t = targetAt(target, r, classes, ignoreIndex);
    if (t != ignoreIndex) total += weight ? <f64>load<f32>(at(weight, t)) : 1;
  }
  return total;
}
