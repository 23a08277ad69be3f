// Kernel-memory views a caller gave back with k.free, on every backend: using
// one again is a TypeError, never a read of memory that now belongs to
// someone else.
import { forgetViews } from './arrays.js';

const freed = new WeakSet<object>();
/** Whether any buffer was freed whole: until then no call looks a buffer up (a small call's cost). */
let buffersFreed = false;

export function markFreed(view: object): void {
  freed.add(view);
  forgetViews();
}

/** Memory given back whole: a js-backend view's own ArrayBuffer, which its subarrays share. */
export function markBufferFreed(buffer: ArrayBufferLike): void {
  buffersFreed = true;
  freed.add(buffer);
  forgetViews();
}

export function isFreed(view: unknown): boolean {
  return typeof view === 'object' && view !== null && freed.has(view);
}

const FREED = 'is a kernel-memory view that was freed (k.free) and cannot be used; make a new one with k.f32 / k.i32';

/** A TypeError naming the argument if it is a freed view. */
export function notFreed(name: string, view: unknown): void {
  if (isFreed(view)) throw new TypeError(`${name} ${FREED}`);
}

/** A TypeError naming the argument if its memory was freed whole (a subarray of a freed js-backend view). */
export function notInFreedMemory(name: string, plain: ArrayBufferView): void {
  if (buffersFreed && freed.has(plain.buffer)) throw new TypeError(`${name} ${FREED}`);
}
