// Kernel memory: one shared WebAssembly.Memory, handed out in 16-byte aligned
// blocks. Users' zero-copy views and each call's scratch come from the same
// first-fit allocator. A call's scratch is carved from one block made with
// the memory (the arena), so most calls make no allocator calls at all; what
// does not fit is allocated and given back at the end of the call. A steady
// workload reuses the same addresses and never grows the memory.
//
// The memory is shared (SharedArrayBuffer-backed): growing it never detaches
// an existing view, so views from f32()/i32() stay valid after growth.

import { extentOf, type Extent } from './arrays.js';

const PAGE = 65536;
/** Pages the kernels are built for (asconfig.json maximumMemory): 2 GiB. */
export const MAX_PAGES = 32768;
const ALIGN = 16;
/** The arena: room for a row-major call's chunk buffers (CHUNK_BYTES in wasm.ts) and partial sums. */
const ARENA_BYTES = 256 << 10;
const aligned = (bytes: number) => Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);

interface Block {
  ptr: number;
  bytes: number;
}

export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  private top: number;
  private free: Block[] = [];
  private live = new Map<number, number>();
  /** Every ArrayBuffer object this memory has shown (one per size it grew to). */
  private buffers = new WeakSet<ArrayBufferLike>();
  /** Views handed out by view(): their block, for freeView(). */
  private owners = new WeakMap<ArrayBufferView, number>();
  /** Blocks that back users' views (ptr → bytes): the only places an argument may live. */
  private viewBlocks = new Map<number, number>();
  f32!: Float32Array;
  i32!: Int32Array;
  u16!: Uint16Array;
  f64!: Float64Array;
  /** The arena, the bytes the running call has carved from it, and its scratch that did not fit. */
  private readonly arena: number;
  private carved = 0;
  private spills: number[] = [];

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.memory = memory;
    this.top = Math.ceil(heapBase / ALIGN) * ALIGN;
    this.refresh();
    this.arena = this.alloc(ARENA_BYTES);
  }

  private refresh(): void {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  alloc(bytes: number): number {
    const size = aligned(bytes);
    const i = this.free.findIndex((b) => b.bytes >= size);
    let ptr: number;
    if (i >= 0) {
      const b = this.free[i];
      ptr = b.ptr;
      if (b.bytes === size) this.free.splice(i, 1);
      else {
        b.ptr += size;
        b.bytes -= size;
      }
    } else {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top += size;
    }
    this.live.set(ptr, size);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) return;
    this.live.delete(ptr);
    // Insert in address order and merge with neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, bytes: size });
    if (i + 1 < this.free.length && ptr + size === this.free[i + 1].ptr) {
      this.free[i].bytes += this.free[i + 1].bytes;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].ptr + this.free[i - 1].bytes === ptr) {
      this.free[i - 1].bytes += this.free[i].bytes;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  /** Scratch for the running call (calls never nest), until endCall(). */
  scratch(bytes: number): number {
    const size = aligned(bytes);
    if (this.carved + size <= ARENA_BYTES) {
      this.carved += size;
      return this.arena + this.carved - size;
    }
    const p = this.alloc(size);
    this.spills.push(p);
    return p;
  }

  /** Takes back the running call's scratch. */
  endCall(): void {
    this.carved = 0;
    if (!this.spills.length) return;
    for (const p of this.spills) this.release(p);
    this.spills.length = 0;
  }

  /** Makes the f32/i32/f64 views cover all of memory again after growth. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new RangeError(
        `simdloss: this call needs ${Math.ceil(end / 2 ** 20)} MiB of kernel memory; the limit is ${(MAX_PAGES * PAGE) / 2 ** 20} MiB`,
      );
    }
    this.memory.grow(pages);
    this.refresh();
  }

  /** A zero-copy view of a fresh block. */
  view<T extends Float32Array | Int32Array | Uint16Array>(
    Kind: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number },
    length: number,
  ): T {
    const ptr = this.alloc(length * Kind.BYTES_PER_ELEMENT);
    // memory.buffer can be a new object without this memory growing (in Node,
    // another shared memory's growth renews it): remember each one views use.
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    const v = new Kind(buffer, ptr, length);
    this.owners.set(v, ptr);
    this.viewBlocks.set(ptr, this.live.get(ptr)!);
    return v;
  }

  /** Gives a view's block back; the view must not be used afterwards (views.ts refuses it). */
  freeView(v: ArrayBufferView): void {
    const ptr = this.owners.get(v);
    if (ptr === undefined) throw new TypeError('free: view was not made by this kernel (k.f32 / k.i32 / k.u16)');
    this.owners.delete(v);
    this.viewBlocks.delete(ptr);
    this.release(ptr);
  }

  /** One key for every buffer this memory has shown (they all alias it). */
  keyOf(buffer: ArrayBufferLike): object {
    return this.buffers.has(buffer) ? this : buffer;
  }

  /**
   * Where an array (a plain view: arrays.ts) lives in kernel memory, or −1 if
   * it lives elsewhere. Throws for a view into kernel memory outside every
   * live view's block (a subarray of a freed view; freed views themselves
   * are refused earlier): the call's scratch may sit there.
   */
  addressOf(v: ArrayBufferView, name: string): number {
    const x = extentOf(v); // holds the answer until the next free
    if (x.homeOf !== this) {
      x.home = this.place(x, name);
      x.homeOf = this;
    }
    return x.home;
  }

  private place({ buffer, start, end }: Extent, name: string): number {
    if (start === end || !this.buffers.has(buffer)) return -1; // nothing to read or write there
    const own = this.viewBlocks.get(start); // a view itself, or a part of one from its start
    if (own !== undefined && end <= start + own) return start;
    // Views' blocks only: a call's scratch may already sit where a freed view was.
    for (const [ptr, size] of this.viewBlocks) {
      if (start >= ptr && end <= ptr + size) return start;
    }
    throw new TypeError(`${name}: this kernel-memory view was freed (k.free) and cannot be used`);
  }
}
