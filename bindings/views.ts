// Kernel-memory views a caller gave back with k.free, on every backend: using
// one again is a TypeError, never a read of memory that now belongs to
// someone else.

const freed = new WeakSet<object>();

export function markFreed(view: object): void {
  freed.add(view);
}

/** Memory given back whole: a js-backend view's own ArrayBuffer, which its subarrays share. */
export function markBufferFreed(buffer: ArrayBufferLike): void {
  freed.add(buffer);
}

export function isFreed(view: unknown): boolean {
  return typeof view === 'object' && view !== null && freed.has(view);
}

/** A TypeError naming the argument if it is a freed view or lies in freed memory. */
export function notFreed(name: string, view: unknown, buffer?: ArrayBufferLike): void {
  if (isFreed(view) || (buffer !== undefined && freed.has(buffer)))
    throw new TypeError(`${name} is a kernel-memory view that was freed (k.free) and cannot be used; make a new one with k.f32 / k.i32`);
}
