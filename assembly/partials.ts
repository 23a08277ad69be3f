// Reductions leave one f64 slot group per PARTIAL_ROWS rows (or elements);
// the caller zeroes them and adds them up in index order afterwards, so a
// total is the same however the rows were split between calls or threads.
import { PARTIAL_ROWS } from './simd';

/** Address of slot k of row (or element) r's partial group. Takes: partials,
 *  r ≥ 0, slots, k < slots. Returns: the address. State: none. */
@inline function slotOf(partials: usize, r: i32, slots: i32, k: i32): usize {
  return partials + ((<usize>r / <usize>PARTIAL_ROWS * <usize>slots + <usize>k) << 3); // rows are never negative
}

/** partials[(r / PARTIAL_ROWS)·slots + k] += v; partials = 0 means "not
 *  wanted". Accuracy: one f64 rounding. State: the partials' memory. */
@inline export function addPartial(partials: usize, r: i32, slots: i32, k: i32, v: f64): void {
  if (partials) {
    const p = slotOf(partials, r, slots, k);
    store<f64>(p, load<f64>(p) + v);
  }
}

/** The slot addPartial adds to (0 when partials = 0), for kernels that add a
 *  block's rows in a register and store it back with setPartial. Returns:
 *  its value. State: the partials' memory. */
@inline export function partialAt(partials: usize, r: i32, slots: i32, k: i32): f64 {
  return partials ? load<f64>(slotOf(partials, r, slots, k)) : 0;
}

/** Sets the slot addPartial adds to (nothing when partials = 0). */
@inline export function setPartial(partials: usize, r: i32, slots: i32, k: i32, v: f64): void {
  if (partials) store<f64>(slotOf(partials, r, slots, k), v);
}
