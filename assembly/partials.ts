// Reductions leave one f64 slot group per PARTIAL_ROWS rows (or elements);
// the caller zeroes them and adds them up in index order afterwards, so a
// total is the same however the rows were split between calls or threads.
import { PARTIAL_ROWS } from './simd';

/** partials[(r / PARTIAL_ROWS)·slots + k] += v; partials = 0 means "not wanted". */
@inline export function addPartial(partials: usize, r: i32, slots: i32, k: i32, v: f64): void {
  if (partials) {
    const p = partials + ((<usize>r / <usize>PARTIAL_ROWS * <usize>slots + <usize>k) << 3); // rows are never negative
    store<f64>(p, load<f64>(p) + v);
  }
}
