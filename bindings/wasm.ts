// The wasm backends (scalar, simd, relaxed-simd): the same Kernels interface
// over one instantiated build. Arrays that already live in kernel memory are
// used in place; the others stream through a small scratch buffer a chunk of
// rows at a time (copy in, kernel, copy out), so the data stays in cache and
// a call never needs kernel memory the size of its input. Channels-first
// arrays (spatial) always stream: each chunk is laid out as rows on the way
// in and back on the way out, by the wasm transpose (layout.ts).
import type { KernelMemory } from './memory.js';
import { runCall, type Call, type Exports, type Ptr } from './exports.js';
import { MAX_STREAMS, MAX_TASKS, SLOTS_PER_THREAD, type Feed, type Moved, type Pool } from './pool.js';
import { redoCrossEntropyIndex, redoCrossEntropyProb, redoElementwise } from './redo.js';
import { Half, type HalfDtype, type MaybeHalf } from './half.js';
import {
  sumPartials,
  type CrossEntropyIndexCall,
  type CrossEntropyProbCall,
  type DistillationCall,
  type ElementwiseBackwardCall,
  type ElementwiseCall,
  type F32,
  type I32,
  type Kernels,
  type NllBackwardCall,
  type NllCall,
  type ScoreCall,
} from './kernels.js';

/** How one array takes part in a call: `per` elements per row (0: the whole
 *  array, e.g. class weights), whether the kernel writes it, and for a value
 *  per class whether it is channels-first (spatial S > 1: [N][C][S]). With a
 *  dtype, `a` holds half-precision bits, which always stream: widened into the
 *  chunk buffer from where they lie (widen), or for an output rounded from it
 *  into place (narrow). */
interface Part {
  a: F32 | I32 | U16 | null;
  per: number;
  out: boolean;
  spatial: number;
  dtype: HalfDtype | undefined;
}
type U16 = Uint16Array;
/** Every Part has one shape (the same fields in the same order), so that run()'s reads of them stay monomorphic. */
const part = (a: MaybeHalf | I32 | null, per: number, out: boolean, spatial: number): Part =>
  a instanceof Half ? { a: a.bits, per, out, spatial, dtype: a.dtype } : { a, per, out, spatial, dtype: undefined };
const whole = (a: F32 | I32 | null): Part => part(a, 0, false, 1);
const input = (a: MaybeHalf | I32 | null, per = 1, spatial = 1): Part => part(a, per, false, spatial);
const output = (a: MaybeHalf | I32 | null, per = 1, spatial = 1): Part => part(a, per, true, spatial);
/** A BCE weight: streamed with the input at its length, else (a period broadcast
 *  along the last axis) passed whole; the kernel reads element i's at i mod its length. */
const periodic = (w: F32 | null, length: number): Part => (w && w.length < length ? whole(w) : input(w));

/** Bytes of copied data per chunk: small enough to stay in L2 between copy and kernel. */
const CHUNK_BYTES = 64 * 1024;

/** A copied array, moved through its chunk buffer. A channels-first one is
 *  laid out as rows on the way in and back on the way out (layIn, layOut):
 *  from and to its place in kernel memory (home ≥ 0), else through staging. */
interface Stream {
  a: F32 | I32 | U16;
  per: number;
  copyIn: boolean;
  copyOut: boolean;
  buffer: Ptr;
  /** Its slots (one, or a pool job's ring): slotBytes each from base. */
  base: Ptr;
  slotBytes: number;
  spatial: number;
  home: Ptr;
  staging: Ptr;
  /** Halves (dtype): the widening and narrowing kernels, and for bits outside
   *  kernel memory (home < 0) where they are copied through, up to bitsCap at a time. */
  widen: ((src: Ptr, dst: Ptr, n: number) => void) | null;
  narrow: ((src: Ptr, dst: Ptr, n: number) => void) | null;
  bits: Ptr;
  bitsCap: number;
}

/** Halves copied into kernel memory per widening call (2 bytes each): half a chunk buffer's bytes. */
const HALF_PIECE = CHUNK_BYTES / 4;

/** Elements [from, from + n) of half stream s as float32 at dst: widened from
 *  their place in kernel memory, else copied in a piece at a time first. */
function widen(mem: KernelMemory, s: Stream, from: number, n: number, dst: Ptr): void {
  if (s.home >= 0) {
    s.widen!(s.home + from * 2, dst, n);
    return;
  }
  const bits = s.a as U16;
  for (let i = 0; i < n; i += s.bitsCap) {
    const m = Math.min(s.bitsCap, n - i);
    mem.u16.set(bits.subarray(from + i, from + i + m), s.bits >>> 1);
    s.widen!(s.bits, dst + i * 4, m);
  }
}

/** widen's inverse: the float32s at src rounded into elements [from, from + n)
 *  of half stream s, in their place in kernel memory, else a piece at a time
 *  through kernel memory and copied out. */
function narrow(mem: KernelMemory, s: Stream, from: number, n: number, src: Ptr): void {
  if (s.home >= 0) {
    s.narrow!(src, s.home + from * 2, n);
    return;
  }
  const bits = s.a as U16;
  for (let i = 0; i < n; i += s.bitsCap) {
    const m = Math.min(s.bitsCap, n - i);
    s.narrow!(src + i * 4, s.bits, m);
    bits.set(mem.u16.subarray(s.bits >>> 1, (s.bits >>> 1) + m), from + i);
  }
}

/** Class runs shorter than this cost more in copy calls than plain loops do. */
const SHORT_RUN = 64;
/** The most a channels-first chunk may take to make its runs SHORT_RUN long. */
const SPATIAL_CHUNK_BYTES = 1 << 20;

/**
 * Calls f(first, len, at) for each piece of rows [r0, r1) that lies in one
 * sample of a channels-first array of C classes and S positions: first is
 * the piece's element of class 0, len its positions, at its first row's
 * offset (in rows) in the chunk.
 */
function samplePieces(r0: number, r1: number, C: number, S: number, f: (first: number, len: number, at: number) => void): void {
  for (let r = r0; r < r1; ) {
    const n = Math.floor(r / S),
      s0 = r - n * S,
      len = Math.min(r1 - r, S - s0);
    f(n * C * S + s0, len, r - r0);
    r += len;
  }
}

/** Rows [r0, r1) of channels-first stream s into its chunk buffer, as rows. */
function layIn(mem: KernelMemory, k: Exports, s: Stream, r0: number, r1: number): void {
  const C = s.per,
    S = s.spatial,
    heap = mem.f32,
    a = s.a as F32;
  samplePieces(r0, r1, C, S, (first, len, at) => {
    const dst = s.buffer + at * C * 4;
    if (s.widen) {
      // halves: each class's run widened into staging, then laid out as rows
      for (let c = 0; c < C; c++) widen(mem, s, first + c * S, len, s.staging + c * len * 4);
      return k.transpose(s.staging, len, dst, C, C, len);
    }
    if (s.home >= 0) return k.transpose(s.home + first * 4, S, dst, C, C, len);
    if (len < SHORT_RUN) {
      for (let j = 0, o = dst >>> 2; j < len; j++) for (let c = 0, i = first + j; c < C; c++, i += S) heap[o++] = a[i];
      return;
    }
    for (let c = 0; c < C; c++) heap.set(a.subarray(first + c * S, first + c * S + len), (s.staging >>> 2) + c * len);
    k.transpose(s.staging, len, dst, C, C, len);
  });
}

/** layIn's inverse: the chunk's rows [r0, r1) laid back out channels-first. */
function layOut(mem: KernelMemory, k: Exports, s: Stream, r0: number, r1: number): void {
  const C = s.per,
    S = s.spatial,
    heap = mem.f32,
    a = s.a as F32;
  samplePieces(r0, r1, C, S, (first, len, at) => {
    const src = s.buffer + at * C * 4;
    if (s.narrow) {
      // halves: each class's run laid out in staging, then rounded into place
      k.transpose(src, C, s.staging, len, len, C);
      for (let c = 0; c < C; c++) narrow(mem, s, first + c * S, len, s.staging + c * len * 4);
      return;
    }
    if (s.home >= 0) return k.transpose(src, C, s.home + first * 4, S, len, C);
    if (len < SHORT_RUN) {
      for (let j = 0, o = src >>> 2; j < len; j++) for (let c = 0, i = first + j; c < C; c++, i += S) a[i] = heap[o++];
      return;
    }
    k.transpose(src, C, s.staging, len, len, C);
    for (let c = 0; c < C; c++) a.set(heap.subarray((s.staging >>> 2) + c * len, (s.staging >>> 2) + (c + 1) * len), first + c * S);
  });
}

/** The heap view a plain (not half) array is copied through. */
const heapOf = (mem: KernelMemory, a: F32 | I32 | U16) => (a instanceof Int32Array ? mem.i32 : mem.f32);

/** Elements [from, to) of a, without a new view when that is all of it. */
const slice = <T extends F32 | I32 | U16>(a: T, from: number, to: number): T =>
  from === 0 && to === a.length ? a : (a.subarray(from, to) as T);

/** Rows per chunk: those that fit the chunk bytes, rounded down to `align`;
 *  rows so long that not even `align` fit go fewer at a time (the four-row
 *  kernels only group rows of up to 4096 classes, four of which always fit).
 *  Channels-first arrays move SHORT_RUN rows at a time where those fit 1 MiB:
 *  runs of fewer positions per class cost more in copy calls than they move. */
function chunkRows(parts: Part[], align: number): number {
  let widest = 1,
    spatial = false;
  for (const p of parts) {
    widest = Math.max(widest, p.per);
    spatial ||= p.spatial > 1;
  }
  const rowsFit = Math.floor(CHUNK_BYTES / 4 / widest);
  const fit = spatial ? Math.max(rowsFit, Math.min(SHORT_RUN, Math.floor(SPATIAL_CHUNK_BYTES / 4 / widest))) : rowsFit;
  return fit >= align ? fit - (fit % align) : Math.max(1, fit);
}

/** Where rows from r0 go in slot j of stream s: the slot's start, or 16
 *  bytes on where a pointer biased by r0 would come out as 0, which kernels
 *  read as "no array". */
function slotAt(s: Stream, j: number, r0: number): Ptr {
  const at = s.base + j * s.slotBytes;
  return at === r0 * s.per * 4 ? at + 16 : at;
}

/** A pool job's feed, and which stream each pointer is (−1: none), by index. */
type JobFeed = Feed & { streamOf: number[] };

/** A pool job's staging: copied arrays move through `slots` slots of `grain` rows each. */
interface Ring {
  grain: number;
  slots: number;
}

/**
 * Runs kernel(pointers, r0, r1, partials) over rows [0, count) in chunks whose
 * first row is a multiple of `align` (unless not even `align` rows fit in a
 * chunk), or as one pool job (ring: the pool copies arrays in and out a task
 * at a time, through a ring of slots: feed). A copied array's pointer is
 * biased by its chunk's (or task's) first row, so kernels index every array by absolute row. With
 * slots > 0, partial sums (slots per block of 1 << shift rows, which the
 * kernels must have been told: runJob) are zeroed, filled by the kernel, passed to settle (what
 * the kernel left for the caller, and the rows a block holds) and
 * returned as totals. Scratch is given back even on a throw.
 */
function run(
  mem: KernelMemory,
  k: Exports,
  count: number,
  align: number,
  parts: Part[],
  kernel: (p: Ptr[], r0: number, r1: number, partials: Ptr, feed?: JobFeed) => void,
  slots = 0,
  settle?: Settle,
  ring: Ring | null = null,
  shift = 10,
): number[] {
  try {
    // Plain loops, no per-call closures or views beyond what must be: a
    // small call's whole cost is in the order of this function's.
    const pointers: Ptr[] = [];
    const streams: Stream[] = [];
    /** The stream of each copied part (by index; null: read where it lies). */
    const places: (Stream | null)[] = [];
    let chunk = 0;
    for (const { a, per, out, spatial, dtype } of parts) {
      pointers.push(0);
      places.push(null);
      if (!a) continue;
      const home = mem.addressOf(a, out ? 'out' : 'input');
      if (home >= 0 && spatial === 1 && !dtype) {
        pointers[pointers.length - 1] = home;
        continue;
      }
      if (per === 0) {
        const p = mem.scratch(a.byteLength);
        heapOf(mem, a).set(a, p >>> 2);
        pointers[pointers.length - 1] = p;
        continue;
      }
      chunk ||= ring ? ring.grain : chunkRows(parts, align);
      let s = streams.find((t) => t.a === a); // the same array in and out: in place
      if (!s) {
        const elements = Math.min(count, chunk) * per,
          bytes = elements * 4;
        const staging = spatial > 1 && (home < 0 || dtype) ? mem.scratch(bytes) : 0;
        const slotBytes = bytes + 16,
          base = mem.scratch(slotBytes * (ring ? ring.slots : 1));
        const widen = dtype ? (dtype === 'bfloat16' ? k.widenBF16 : k.widenF16) : null;
        const narrow = dtype ? (dtype === 'bfloat16' ? k.narrowBF16 : k.narrowF16) : null;
        const bitsCap = dtype && home < 0 ? Math.min(elements, HALF_PIECE) : 0;
        const bits = bitsCap ? mem.scratch(bitsCap * 2) : 0;
        streams.push(
          (s = {
            a,
            per,
            copyIn: false,
            copyOut: false,
            buffer: base,
            base,
            slotBytes,
            spatial,
            home,
            staging,
            widen,
            narrow,
            bits,
            bitsCap,
          }),
        );
      }
      if (out) s.copyOut = true;
      else s.copyIn = true;
      places[places.length - 1] = s;
    }
    const blocks = Math.ceil(count / (1 << shift)) * slots;
    const partials = slots ? mem.scratch(blocks * 8) : 0;
    const f64 = mem.f64;
    for (let i = partials >>> 3, end = i + blocks; i < end; i++) f64[i] = 0;

    if (ring && streams.length) {
      // The pool's job: the caller copies each task's rows into the task's
      // slots as it goes (feed), so the workers start on the first rows while
      // the later ones are copied, and finished rows go back while the last
      // are computed; a slot takes another task once its rows are out.
      if (streams.length > MAX_STREAMS) throw new Error(`simdloss: a pool job copies at most ${MAX_STREAMS} arrays`);
      const streamOf = places.map((p) => (p ? streams.indexOf(p) : -1));
      const place = (t: number, r0: number, ptrs: Int32Array, at: number) => {
        for (let i = 0; i < streams.length; i++) {
          const s = streams[i];
          s.buffer = slotAt(s, t % ring.slots, r0);
          ptrs[at + i] = s.buffer - r0 * s.per * 4;
        }
      };
      for (let i = 0; i < places.length; i++) {
        const p = places[i];
        if (p) pointers[i] = slotAt(p, 0, 0);
      }
      kernel(pointers, 0, count, partials, {
        slots: ring.slots,
        streamOf,
        place,
        copyIn: (t, r0, r1, ptrs, at) => {
          place(t, r0, ptrs, at);
          for (const s of streams) {
            if (!s.copyIn) continue;
            if (s.widen) widen(mem, s, r0 * s.per, (r1 - r0) * s.per, s.buffer);
            else heapOf(mem, s.a).set(slice(s.a, r0 * s.per, r1 * s.per), s.buffer >>> 2);
          }
        },
        copyOut: (t, r0, r1) => {
          for (const s of streams) {
            if (!s.copyOut) continue;
            const from = slotAt(s, t % ring.slots, r0);
            if (s.narrow) narrow(mem, s, r0 * s.per, (r1 - r0) * s.per, from);
            else s.a.set(heapOf(mem, s.a).subarray(from >>> 2, (from >>> 2) + (r1 - r0) * s.per), r0 * s.per);
          }
        },
      });
      return totals(f64, partials, blocks, slots, settle, shift);
    }
    const step = streams.length ? chunk : count; // nothing to copy: one kernel call
    for (let r0 = 0; r0 < count; r0 += step) {
      const r1 = Math.min(count, r0 + step);
      // A pointer biased by the chunk's first row must not come out as 0,
      // which kernels read as "no array": the chunk then lies 16 bytes on.
      for (const s of streams) s.buffer = slotAt(s, 0, r0);
      for (const s of streams) {
        if (!s.copyIn) continue;
        if (s.spatial > 1) layIn(mem, k, s, r0, r1);
        else if (s.widen) widen(mem, s, r0 * s.per, (r1 - r0) * s.per, s.buffer);
        else heapOf(mem, s.a).set(slice(s.a, r0 * s.per, r1 * s.per), s.buffer >>> 2);
      }
      for (let i = 0; i < places.length; i++) {
        const p = places[i];
        if (p) pointers[i] = p.buffer - r0 * p.per * 4;
      }
      kernel(pointers, r0, r1, partials);
      for (const s of streams) {
        if (!s.copyOut) continue;
        if (s.spatial > 1) layOut(mem, k, s, r0, r1);
        else if (s.narrow) narrow(mem, s, r0 * s.per, (r1 - r0) * s.per, s.buffer);
        else s.a.set(heapOf(mem, s.a).subarray(s.buffer >>> 2, (s.buffer >>> 2) + (r1 - r0) * s.per), r0 * s.per);
      }
    }
    return totals(f64, partials, blocks, slots, settle, shift);
  } finally {
    mem.endCall();
  }
}

/** The view of the last job's partial sums: a steady workload's calls carve
 *  the same scratch, so the view is made again only when it moved. */
const lastPartials: { f64: Float64Array | null; at: number; view: Float64Array } = { f64: null, at: 0, view: new Float64Array(0) };
const NO_TOTALS = Object.freeze([]) as unknown as number[];

/** A job's partial sums, settled and added in block order (none without slots). */
function totals(f64: Float64Array, partials: Ptr, blocks: number, slots: number, settle: Settle | undefined, shift: number): number[] {
  if (!slots) return NO_TOTALS;
  const last = lastPartials;
  if (last.f64 !== f64 || last.at !== partials || last.view.length !== blocks) {
    last.f64 = f64;
    last.at = partials;
    last.view = f64.subarray(partials >>> 3, (partials >>> 3) + blocks);
  }
  settle?.(last.view, 1 << shift);
  return sumPartials(last.view, slots);
}

/** Takes the log the kernel takes where a run ends, for the runs the batch
 *  ended first: Σ log Σ exp(x − m) over their rows, into the nll sum and
 *  (times Σ_c w_c) the smoothing term's, which is unused without smoothing.
 *  crossEntropyIndex's partials: `slots` per block (ceSlots()), Σ w_t·nll,
 *  Σ w_t, Σ smoothing term, Σ lse², then from `pending` (cePending()) the two lanes
 *  of a run's product of row ratios (0: none) that the batch's last rows left unlogged. */
function settleRuns(blocks: Float64Array, weightTotal: number, slots: number, pending: number): void {
  for (let i = 0; i < blocks.length; i += slots) {
    const a = blocks[i + pending],
      b = blocks[i + pending + 1];
    if (a === 0 && b === 0) continue;
    const L = Math.log((a === 0 ? 1 : a) * (b === 0 ? 1 : b)); // not a || 1: NaN must stay NaN
    blocks[i] += L;
    blocks[i + 2] += weightTotal * L;
  }
}

/** Runs f (a run over rows) with a row of the call's scratch lent for a row's
 *  exps where the result overwrites the input: the probed pass may have to be
 *  taken again, so x must stay whole (expsAt in lanes.ts, which traps without
 *  it; rows short enough use the instance's scratch instead). The run's
 *  endCall takes the row back with the rest of the call's scratch. */
function lendAside<T>(mem: KernelMemory, k: Exports, classes: number, f: () => T): T {
  if (!classes) return f();
  k.setAside(mem.scratch(classes * 4), classes);
  try {
    return f();
  } finally {
    k.setAside(0, 0);
  }
}

/** Work (rows × the widest row, or elements) below which a call stays on the
 *  calling thread: waking the pool costs more than it saves. */
const PARALLEL_FROM = 1 << 17;

/** What run() hands the partial sums to before adding them: the blocks, and the rows each holds. */
type Settle = (blocks: Float64Array, blockRows: number) => void;

/** The longest row (or 1) of a job's arrays. */
function widest(parts: Part[]): number {
  let w = 1;
  for (const p of parts) w = Math.max(w, p.per);
  return w;
}

/** Targets up to this many are checked and summed where they lie, in JavaScript. */
const SHORT_CHECK = 256;

/** Logits per partial-sum block that make a block worth a task of its own. */
const BLOCK_LOGITS = 1 << 14;

/** A row kernel's block of rows as a power of two: about BLOCK_LOGITS logits,
 *  at least 4 rows (a group of four) and at most 1 << maxShift, so that
 *  batches of long rows can be shared out (128×32000: 32 blocks of 4, so the
 *  last task, which one thread may wait for, is short). */
function blockShift(rowLength: number, maxShift: number): number {
  return Math.min(maxShift, Math.max(2, Math.ceil(Math.log2(BLOCK_LOGITS / rowLength))));
}

/** A kernel: the Call to make with the arrays' pointers and the partials. */
type Kernel = (p: Ptr[], partials: Ptr) => Call;

/** A pool task's rows: whole blocks, about 16 tasks a thread. The last task's
 *  length is what one thread may wait for the other at the end
 *  (docs/kernel-notes.md, the worker pool). */
function grainOf(count: number, shift: number, threads: number): number {
  const block = 1 << shift;
  return block * Math.ceil(Math.ceil(count / block) / (threads * 16));
}

/**
 * The Call arguments that carry a copied array's pointer, which each task of
 * a pool job replaces with its slot's: [index after the Call's name, stream].
 * Found by making the Call again with one stream's pointer moved, since each
 * kernel puts its pointers where its signature wants them; a kernel must pass
 * its pointers as they are.
 */
function moved(kernel: Kernel, p: Ptr[], partials: Ptr, streamOf: number[]): Moved {
  const c = kernel(p, partials),
    found: Moved = [];
  streamOf.forEach((stream, i) => {
    if (stream < 0) return;
    const q = p.slice();
    q[i] += 16;
    const d = kernel(q, partials);
    for (let j = 1; j < c.length; j++) {
      if (d[j] === c[j]) continue;
      if ((d[j] as number) - (c[j] as number) !== 16) throw new Error(`simdloss: ${c[0]} does not pass its pointers as they are`);
      found.push([j - 1, stream]);
    }
  });
  return found;
}

/** What a job may add to its arrays and kernel. */
interface Extra {
  /** Partial-sum slots per block (0: none), and what to do with them before they are added. */
  slots?: number;
  settle?: Settle;
  /** Rows (or elements) per partial-sum block, as a power of two: the pool's
   *  tasks are whole blocks. Default: blockShift of the widest row. */
  shift?: number;
  /** In place over rows of this many classes: a row is lent per thread for their exps (lendAside). */
  aside?: number;
}
const NOTHING: Extra = {};

/** exact: the float64 (js) kernels, for arrays read where they lie and for
 *  blocks whose float32 sums overflowed (redo.ts); pool: the worker pool, or
 *  null for one thread. */
export function createWasmKernels(exports: Exports, mem: KernelMemory, exact: Kernels, pool: Pool | null = null): Kernels {
  const k = exports;
  const ceSlots = k.ceSlots(),
    cePending = k.cePending(),
    probSlots = k.probSlots(),
    nllSlots = k.nllSlots(),
    scoreSlots = k.scoreSlots(),
    distillSlots = k.distillSlots(),
    scratchFloats = k.scratchBytes() / 4,
    groupsUpTo = k.groupsUpTo();
  /** A row lent per thread (lendAside): in place, or with softcap for rows too
   *  long for the instance's own scratch (spareAt in lanes.ts). */
  const asideFor = (x: MaybeHalf, grad: MaybeHalf | null, C: number, softcap: number) =>
    grad === x || (softcap > 0 && C > groupsUpTo) ? C : 0;
  /** The elementwise kernels' blocks, and the most rows a row kernel's block holds. */
  const maxBlock = k.partialRows(),
    maxShift = Math.log2(maxBlock);
  /** The partial-sum blocks the instance was last told of (a wasm call, so only on a change;
   *  the pool's caller tells it the same shift). Row kernels' blocks, elementwise kernels'. */
  let told = -1;

  /** Runs a kernel over `count` rows (or elements) on the calling thread, chunk
   *  by chunk with first rows a multiple of `align`, or (enough work, row-major
   *  arrays) on every thread of the pool, in tasks of whole partial-sum blocks. */
  function runJob(count: number, align: number, parts: Part[], kernel: Kernel, x: Extra, fixedShift = 0): number[] {
    const aside = x.aside ?? 0,
      shift = fixedShift || x.shift || blockShift(widest(parts), maxShift);
    if (shift !== told) k.setPartialShift((told = shift));
    if (!parallel(count, parts, shift)) {
      const one = () =>
        run(mem, k, count, align, parts, (p, r0, r1, partials) => runCall(k, kernel(p, partials), r0, r1), x.slots, x.settle, null, shift);
      return aside ? lendAside(mem, k, aside, one) : one();
    }
    const threads = pool!.threads,
      grain = grainOf(count, shift, threads);
    const ring = { grain, slots: Math.min(Math.ceil(count / grain), SLOTS_PER_THREAD * threads) };
    const exec = (p: Ptr[], _r0: number, r1: number, partials: Ptr, feed?: JobFeed) =>
      pool!.parallel(
        kernel(p, partials),
        r1,
        grain,
        shift,
        aside ? mem.scratch(threads * aside * 4) : 0,
        aside,
        feed,
        feed && moved(kernel, p, partials, feed.streamOf),
      );
    return run(mem, k, count, align, parts, exec, x.slots, x.settle, ring, shift);
  }
  /** Whether a job goes to the pool: more than one block, enough work, tasks
   *  the pool can track, no channels-first array. */
  function parallel(count: number, parts: Part[], shift: number): boolean {
    if (pool === null || count <= 1 << shift || Math.ceil(count / grainOf(count, shift, pool.threads)) > MAX_TASKS) return false;
    for (const p of parts) if (p.spatial > 1) return false;
    return count * widest(parts) >= PARALLEL_FROM;
  }
  /** Row kernels: chunks of whole rows, a multiple of 4 (the four-row kernels). */
  const rows = (count: number, parts: Part[], kernel: Kernel, x = NOTHING) => runJob(count, 4, parts, kernel, x);
  /** Elementwise kernels: chunks aligned to their partial-sum blocks. */
  const elements = (count: number, parts: Part[], kernel: Kernel, x: Extra) => runJob(count, maxBlock, parts, kernel, x, maxShift);
  /** A reduction over the targets on the calling thread (its result is returned, not left in partials). */
  const overTargets = (t: I32, w: F32 | null, f: (t: Ptr, w: Ptr, r0: number, r1: number) => void) =>
    void run(mem, k, t.length, 4, [input(t), whole(w)], ([t, w], r0, r1) => f(t, w, r0, r1));
  /** Whether targets are few enough to read where they lie, in JavaScript: that
   *  costs less than a run over kernel memory (addressOf throws for targets in
   *  freed kernel memory, as a run would). */
  const short = (t: I32) => t.length <= SHORT_CHECK && mem.addressOf(t, 'target') >= -1;
  const none = [0, 0, 0, 0];

  return {
    logSumExp: (x, C, out, S) => void rows(out.length, [input(x, C, S), output(out)], ([x, o]) => ['logSumExp', x, o, 'rows', C]),
    softmax: (x, C, out, S) =>
      void rows(x.length / C, [input(x, C, S), output(out, C, S)], ([x, o]) => ['softmax', x, o, 'rows', C], { aside: out === x ? C : 0 }),
    logSoftmax: (x, C, out, S) => void rows(x.length / C, [input(x, C, S), output(out, C, S)], ([x, o]) => ['logSoftmax', x, o, 'rows', C]),
    argmax: (x, C, out, S) => void rows(out.length, [input(x, C, S), output(out)], ([x, o]) => ['argmax', x, o, 'rows', C]),
    entropy: (p, C, out, S) => void rows(out.length, [input(p, C, S), output(out)], ([p, o]) => ['entropy', p, o, 'rows', C]),
    softmaxBackward: (y, dy, C, out, S) =>
      void rows(y.length / C, [input(y, C, S), input(dy, C, S), output(out, C, S)], ([y, dy, o]) => [
        'softmaxBackward',
        y,
        dy,
        o,
        'rows',
        C,
      ]),
    logSoftmaxBackward: (y, dy, C, out, S) =>
      void rows(y.length / C, [input(y, C, S), input(dy, C, S), output(out, C, S)], ([y, dy, o]) => [
        'logSoftmaxBackward',
        y,
        dy,
        o,
        'rows',
        C,
      ]),
    logSumExpBackward: (x, dy, C, out, S) =>
      void rows(dy.length, [input(x, C, S), input(dy), output(out, C, S)], ([x, dy, o]) => ['logSumExpBackward', x, dy, o, 'rows', C]),

    badTarget(t, C, ignore) {
      if (short(t)) return exact.badTarget(t, C, ignore);
      let bad = -1;
      overTargets(t, null, (t, _, r0, r1) => {
        if (bad < 0) bad = k.badTarget(t, r0, r1, C, ignore);
      });
      return bad;
    },
    targetWeight(t, w, C, ignore) {
      if (short(t)) return exact.targetWeight(t, w, C, ignore);
      let total = 0;
      overTargets(t, w, (t, w, r0, r1) => {
        total += k.targetWeight(t, w, r0, r1, C, ignore);
      });
      return total;
    },

    crossEntropyIndex: (c: CrossEntropyIndexCall) => {
      const totals = rows(
        c.target.length,
        [
          input(c.x, c.classes, c.spatial),
          input(c.target),
          whole(c.weight),
          output(c.out),
          output(c.grad, c.classes, c.spatial),
          input(c.gradOut),
        ],
        ([x, t, w, out, grad, gradOut], partials) => [
          'crossEntropyIndex',
          x,
          t,
          w,
          c.weightTotal,
          'rows',
          c.classes,
          c.ignoreIndex,
          c.smoothing,
          out,
          partials,
          grad,
          c.gradNll,
          c.gradSmooth,
          gradOut,
          c.zLoss,
          c.gradZ,
          c.softcap,
        ],
        {
          slots: c.sums || c.out ? ceSlots : 0,
          aside: asideFor(c.x, c.grad, c.classes, c.softcap),
          settle: (blocks, rows) => {
            settleRuns(blocks, c.weightTotal, ceSlots, cePending);
            redoCrossEntropyIndex(exact, c, blocks, ceSlots, rows);
          },
        },
      );
      return c.sums || c.out ? totals.slice(0, 4) : none;
    },

    crossEntropyProb: (c: CrossEntropyProbCall) => {
      const totals = rows(
        c.x.length / c.classes,
        [
          input(c.x, c.classes, c.spatial),
          input(c.q, c.classes, c.spatial),
          whole(c.weight),
          output(c.out),
          output(c.grad, c.classes, c.spatial),
          input(c.gradOut),
        ],
        ([x, q, w, out, grad, gradOut], partials) => [
          'crossEntropyProb',
          x,
          q,
          w,
          'rows',
          c.classes,
          c.smoothing,
          out,
          partials,
          grad,
          c.gradScale,
          gradOut,
          c.zLoss,
          c.softcap,
        ],
        {
          slots: c.sums || c.out ? probSlots : 0,
          aside: asideFor(c.x, c.grad, c.classes, c.softcap),
          settle: (blocks, rows) => redoCrossEntropyProb(exact, c, blocks, probSlots, rows),
        },
      );
      return c.sums || c.out ? totals : [0, 0];
    },

    nll: (c: NllCall) => {
      // The loss reads one value per row: from a plain (or channels-first)
      // array those are read where they lie, in JS, not copied in with the batch.
      if (mem.addressOf(c.lp, 'logProbs') < 0 || c.spatial > 1) return exact.nll(c);
      const totals = rows(
        c.target.length,
        [input(c.lp, c.classes), input(c.target), whole(c.weight), output(c.out)],
        ([lp, t, w, out], partials) => ['nll', lp, t, w, 'rows', c.classes, c.classes, 1, c.ignoreIndex, out, partials],
        // blocks as the js kernel adds them (exact.nll above), so plain and zero-copy arrays give the same bits
        { slots: c.sums ? nllSlots : 0, shift: maxShift },
      );
      return c.sums ? totals : none;
    },

    nllBackward: (c: NllBackwardCall) =>
      void rows(
        c.target.length,
        [input(c.target), whole(c.weight), output(c.grad, c.classes, c.spatial), input(c.gradOut)],
        ([t, w, grad, gradOut]) => ['nllBackward', t, w, 'rows', c.classes, c.ignoreIndex, grad, c.gradScale, gradOut],
      ),

    elementwise: (c: ElementwiseCall) => {
      const parts = [input(c.a), input(c.b), periodic(c.w, c.a.length), periodic(c.pw, c.a.length), output(c.out)];
      const wn = c.w?.length ?? 0,
        pwn = c.pw?.length ?? 0;
      const totals = elements(
        c.a.length,
        parts,
        ([a, b, w, pw, out], partials): Call => {
          if (c.op === 'mse') return ['mseLoss', a, b, out, partials, 'rows'];
          if (c.op === 'bce') return ['bceWithLogits', a, b, w, wn, pw, pwn, out, partials, 'rows'];
          return [c.op === 'kl' ? 'klDiv' : 'klDivLogTarget', a, b, out, partials, 'rows'];
        },
        { slots: 1, settle: (blocks, elements) => redoElementwise(exact, c, blocks, elements) },
      );
      return c.sums ? totals[0] : 0;
    },

    elementwiseBackward: (c: ElementwiseBackwardCall) => {
      const parts = [input(c.a), input(c.b), periodic(c.w, c.a.length), periodic(c.pw, c.a.length), output(c.grad), input(c.gradOut)];
      const wn = c.w?.length ?? 0,
        pwn = c.pw?.length ?? 0;
      elements(
        c.a.length,
        parts,
        ([a, b, w, pw, grad, g]): Call => {
          if (c.op === 'mse') return ['mseLossBackward', a, b, grad, 'rows', c.gradScale, g];
          if (c.op === 'bce') return ['bceWithLogitsBackward', a, b, w, wn, pw, pwn, grad, 'rows', c.gradScale, g];
          return [c.op === 'kl' ? 'klDivBackward' : 'klDivLogTargetBackward', a, b, grad, 'rows', c.gradScale, g];
        },
        NOTHING,
      );
    },

    score: (c: ScoreCall) => {
      const totals = rows(
        c.x.length / c.classes,
        [input(c.x, c.classes), input(c.target), output(c.logProbs), output(c.entropy), output(c.argmax)],
        ([x, t, lp, h, a], partials) => ['score', x, t, 'rows', c.classes, c.ignoreIndex, c.temperature, lp, h, a, partials],
        { slots: c.sums ? scoreSlots : 0 },
      );
      return c.sums ? totals : none;
    },

    distillation: (c: DistillationCall) => {
      const C = c.classes,
        divergence = c.divergence === 'forward' ? 0 : c.divergence === 'reverse' ? 1 : 2;
      const totals = rows(
        c.student.length / C,
        [input(c.student, C), input(c.teacher, C), input(c.target), output(c.out), output(c.grad, C), input(c.gradOut)],
        ([s, t, target, out, grad, gradOut], partials) => [
          'distillation',
          s,
          t,
          target,
          'rows',
          C,
          c.ignoreIndex,
          divergence,
          c.temperature,
          c.beta,
          c.teacherLogProbs ? 1 : 0,
          out,
          partials,
          grad,
          c.gradScale,
          gradOut,
        ],
        // the kernel's two rows of exps: the instance's scratch where they fit, else lent (spareAt in lanes.ts)
        { slots: c.sums ? distillSlots : 0, aside: 2 * C > scratchFloats ? 2 * C : 0 },
      );
      return c.sums ? totals : [0, 0];
    },

    dispose: () => pool?.dispose(),
    memoryKey: (buffer) => mem.keyOf(buffer),
    f32: (length) => mem.view(Float32Array, length),
    i32: (length) => mem.view(Int32Array, length),
    u16: (length) => mem.view(Uint16Array, length),
    free: (view) => mem.freeView(view),
  };
}
