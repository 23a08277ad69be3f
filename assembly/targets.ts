// Class-index targets, checked before any kernel reads x[t] or weight[t].
import { at } from './simd';

/** First row whose target is neither in [0, classes) nor ignoreIndex; −1 if none. */
export function badTarget(target: usize, r0: i32, r1: i32, classes: i32, ignoreIndex: i32): i32 {
  for (let r = r0; r < r1; r++) {
    const t = load<i32>(at(target, r));
    if (<u32>t >= <u32>classes && t != ignoreIndex) return r;
  }
  return -1;
}

/** Σ weight[t] over rows not ignored (weight = 0: their count). */
export function targetWeight(target: usize, weight: usize, r0: i32, r1: i32, ignoreIndex: i32): f64 {
  let total: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const t = load<i32>(at(target, r));
    if (t != ignoreIndex) total += weight ? <f64>load<f32>(at(weight, t)) : 1;
  }
  return total;
}
