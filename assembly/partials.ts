// Reductions leave one f64 slot group per block of rows (or elements); the
// caller zeroes them and adds them up in block order afterwards, so a total
// is the same however the rows were split between calls or threads, as long
// as no block is split between threads. How many rows a block holds is the
// running job's (Blocks): the bindings pick it per call, long rows in small
// blocks so that the worker pool can share few rows, elementwise kernels in
// blocks of PARTIAL_ROWS elements.
import { PARTIAL_ROWS } from './simd';

/** The running job's blocks: 1 << shift rows (or elements) each. Set by
 *  setPartialShift before each job, on every thread that runs it; read by
 *  every kernel that takes partials (and cross_entropy.ts's runs). */
export namespace Blocks {
  export let shift: i32 = 10;
}

/** Sets the rows (or elements) per partial-sum block to 1 << shift, shift in
 *  [2, 10] (4 to PARTIAL_ROWS). State: Blocks. */
export function setPartialShift(shift: i32): void {
  Blocks.shift = max(2, min(shift, <i32>ctz(PARTIAL_ROWS)));
}

/** Address of slot k of row (or element) r's partial group. Takes: partials,
 *  r ≥ 0, slots, k < slots. Returns: the address. State: reads Blocks. */
@inline function slotOf(partials: usize, r: i32, slots: i32, k: i32): usize {
  return partials + (((<usize>r >> <usize>Blocks.shift) * <usize>slots + <usize>k) << 3); // rows are never negative
}

/** partials[(r >> Blocks.shift)·slots + k] += v; partials = 0 means "not
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
