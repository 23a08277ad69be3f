// The wasm backends (scalar, simd, relaxed-simd): the same Kernels interface
// over one instantiated build. Arrays that already live in kernel memory are
// used in place; the others stream through a small scratch buffer a chunk of
// rows at a time (copy in, kernel, copy out), so the data stays in cache and
// a call never needs kernel memory the size of its input. Channels-first
// arrays (spatial) always stream: each chunk is laid out as rows on the way
// in and back on the way out, by the wasm transpose (layout.ts).
import { KernelMemory } from './memory.js';
import { redoCrossEntropyIndex, redoCrossEntropyProb, redoElementwise } from './redo.js';
import {
  PARTIAL_ROWS, sumPartials, type CrossEntropyIndexCall, type CrossEntropyProbCall, type ElementwiseBackwardCall,
  type ElementwiseCall, type F32, type I32, type Kernels, type NllBackwardCall, type NllCall,
} from './kernels.js';

type Ptr = number;
/** The kernels as assembly/index.ts exports them (all pointers are byte addresses). */
interface Exports {
  heapBase(): Ptr;
  /** 0 scalar, 1 simd, 2 relaxed-simd. */
  build(): number;
  /** This instance's scratch block (short-row kernels), given once. */
  scratchBytes(): number;
  setScratch(p: Ptr): void;
  /** A row of `floats` for the exps of a long row in place, for one call (0, 0: none). */
  setAside(p: Ptr, floats: number): void;
  /** Rows (or elements) per partial-sum block (PARTIAL_ROWS in simd.ts). */
  partialRows(): number;
  /** crossEntropyIndex's partial slots per block (CE_SLOTS in cross_entropy.ts). */
  ceSlots(): number;
  /** The first of the two slots where crossEntropyIndex leaves a run's unlogged product (CE_PENDING). */
  cePending(): number;
  /** nll's partial slots per block (NLL_SLOTS in nll.ts). */
  nllSlots(): number;
  /** The longest rows the row kernels take four at a time (GROUPS_UP_TO in lanes.ts). */
  groupsUpTo(): number;
  logSumExp(x: Ptr, out: Ptr, r0: number, r1: number, classes: number): void;
  softmax(x: Ptr, y: Ptr, r0: number, r1: number, classes: number): void;
  logSoftmax(x: Ptr, y: Ptr, r0: number, r1: number, classes: number): void;
  argmax(x: Ptr, out: Ptr, r0: number, r1: number, classes: number): void;
  entropy(p: Ptr, out: Ptr, r0: number, r1: number, classes: number): void;
  softmaxBackward(y: Ptr, dy: Ptr, dx: Ptr, r0: number, r1: number, classes: number): void;
  logSoftmaxBackward(y: Ptr, dy: Ptr, dx: Ptr, r0: number, r1: number, classes: number): void;
  logSumExpBackward(x: Ptr, dy: Ptr, dx: Ptr, r0: number, r1: number, classes: number): void;
  badTarget(t: Ptr, r0: number, r1: number, classes: number, ignoreIndex: number): number;
  targetWeight(t: Ptr, w: Ptr, r0: number, r1: number, classes: number, ignoreIndex: number): number;
  crossEntropyIndex(
    x: Ptr, t: Ptr, w: Ptr, weightTotal: number, r0: number, r1: number, classes: number, ignoreIndex: number,
    smoothing: number, out: Ptr, partials: Ptr, grad: Ptr, gradNll: number, gradSmooth: number, gradOut: Ptr,
  ): void;
  crossEntropyProb(
    x: Ptr, q: Ptr, w: Ptr, r0: number, r1: number, classes: number, smoothing: number,
    out: Ptr, partials: Ptr, grad: Ptr, gradScale: number, gradOut: Ptr,
  ): void;
  nll(
    lp: Ptr, t: Ptr, w: Ptr, r0: number, r1: number, classes: number, rowStride: number, classStride: number, ignoreIndex: number,
    out: Ptr, partials: Ptr,
  ): void;
  nllBackward(t: Ptr, w: Ptr, r0: number, r1: number, classes: number, ignoreIndex: number, grad: Ptr, scale: number, gradOut: Ptr): void;
  mseLoss(a: Ptr, b: Ptr, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  mseLossBackward(a: Ptr, b: Ptr, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
  klDiv(x: Ptr, t: Ptr, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  klDivLogTarget(x: Ptr, t: Ptr, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  klDivBackward(x: Ptr, t: Ptr, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
  klDivLogTargetBackward(x: Ptr, t: Ptr, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
  /** dst[j·dstStride + i] = src[i·srcStride + j] for i < rows, j < cols. */
  transpose(src: Ptr, srcStride: number, dst: Ptr, dstStride: number, rows: number, cols: number): void;
  bceWithLogits(x: Ptr, y: Ptr, w: Ptr, wn: number, pw: Ptr, pwn: number, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  bceWithLogitsBackward(
    x: Ptr, y: Ptr, w: Ptr, wn: number, pw: Ptr, pwn: number, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr,
  ): void;
}

/** How one array takes part in a call: `per` elements per row (0: the whole
 *  array, e.g. class weights), whether the kernel writes it, and for a value
 *  per class whether it is channels-first (spatial S > 1: [N][C][S]). */
interface Part { a: F32 | I32 | null; per: number; out?: boolean; spatial?: number }
const whole = (a: F32 | I32 | null): Part => ({ a, per: 0 });
const input = (a: F32 | I32 | null, per = 1, spatial = 1): Part => ({ a, per, spatial });
const output = (a: F32 | I32 | null, per = 1, spatial = 1): Part => ({ a, per, out: true, spatial });
/** A BCE weight: streamed with the input at its length, else (a period broadcast
 *  along the last axis) passed whole; the kernel reads element i's at i mod its length. */
const periodic = (w: F32 | null, length: number): Part => (w && w.length < length ? whole(w) : input(w));

/** Bytes of copied data per chunk: small enough to stay in L2 between copy and kernel. */
const CHUNK_BYTES = 64 * 1024;

/** A copied array, moved through its chunk buffer. A channels-first one is
 *  laid out as rows on the way in and back on the way out (layIn, layOut):
 *  from and to its place in kernel memory (home ≥ 0), else through staging. */
interface Stream {
  a: F32 | I32; per: number; copyIn: boolean; copyOut: boolean; buffer: Ptr;
  spatial: number; home: Ptr; staging: Ptr;
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
  for (let r = r0; r < r1;) {
    const n = Math.floor(r / S), s0 = r - n * S, len = Math.min(r1 - r, S - s0);
    f(n * C * S + s0, len, r - r0);
    r += len;
  }
}

/** Rows [r0, r1) of channels-first stream s into its chunk buffer, as rows. */
function layIn(mem: KernelMemory, k: Exports, s: Stream, r0: number, r1: number): void {
  const C = s.per, S = s.spatial, heap = mem.f32, a = s.a as F32;
  samplePieces(r0, r1, C, S, (first, len, at) => {
    const dst = s.buffer + at * C * 4;
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
  const C = s.per, S = s.spatial, heap = mem.f32, a = s.a as F32;
  samplePieces(r0, r1, C, S, (first, len, at) => {
    const src = s.buffer + at * C * 4;
    if (s.home >= 0) return k.transpose(src, C, s.home + first * 4, S, len, C);
    if (len < SHORT_RUN) {
      for (let j = 0, o = src >>> 2; j < len; j++) for (let c = 0, i = first + j; c < C; c++, i += S) a[i] = heap[o++];
      return;
    }
    k.transpose(src, C, s.staging, len, len, C);
    for (let c = 0; c < C; c++) a.set(heap.subarray((s.staging >>> 2) + c * len, (s.staging >>> 2) + (c + 1) * len), first + c * S);
  });
}

const heapOf = (mem: KernelMemory, a: F32 | I32) => (a instanceof Int32Array ? mem.i32 : mem.f32);

/** Elements [from, to) of a, without a new view when that is all of it. */
const slice = <T extends F32 | I32>(a: T, from: number, to: number): T =>
  (from === 0 && to === a.length ? a : a.subarray(from, to) as T);

/** Rows per chunk: those that fit the chunk bytes, rounded down to `align`;
 *  rows so long that not even `align` fit go fewer at a time (the four-row
 *  kernels only group rows of up to 4096 classes, four of which always fit).
 *  Channels-first arrays move SHORT_RUN rows at a time where those fit 1 MiB:
 *  runs of fewer positions per class cost more in copy calls than they move. */
function chunkRows(parts: Part[], align: number): number {
  let widest = 1, spatial = false;
  for (const p of parts) {
    widest = Math.max(widest, p.per);
    spatial ||= (p.spatial ?? 1) > 1;
  }
  const rowsFit = Math.floor(CHUNK_BYTES / 4 / widest);
  const fit = spatial ? Math.max(rowsFit, Math.min(SHORT_RUN, Math.floor(SPATIAL_CHUNK_BYTES / 4 / widest))) : rowsFit;
  return fit >= align ? fit - (fit % align) : Math.max(1, fit);
}

/**
 * Runs kernel(pointers, r0, r1, partials) over rows [0, count) in chunks whose
 * first row is a multiple of `align` (unless not even `align` rows fit in a
 * chunk). A copied array's pointer is biased by its chunk's first row, so
 * kernels index every array by absolute row. With
 * slots > 0, partial sums (slots per PARTIAL_ROWS rows) are zeroed, filled by
 * the kernel, passed to settle (what the kernel left for the caller) and
 * returned as totals. Scratch is given back even on a throw.
 */
function run(
  mem: KernelMemory, k: Exports, count: number, align: number, parts: Part[],
  kernel: (p: Ptr[], r0: number, r1: number, partials: Ptr) => void, slots = 0,
  settle?: (blocks: Float64Array) => void,
): number[] {
  try {
    const chunk = chunkRows(parts, align);
    const streams: Stream[] = [];
    const places = parts.map(({ a, per, out = false, spatial = 1 }): Ptr | Stream => {
      if (!a) return 0;
      const home = mem.addressOf(a, out ? 'out' : 'input');
      if (home >= 0 && spatial === 1) return home;
      if (per === 0) {
        const p = mem.scratch(a.byteLength);
        heapOf(mem, a).set(a, p >>> 2);
        return p;
      }
      let s = streams.find((t) => t.a === a); // the same array in and out: in place
      if (!s) {
        const bytes = Math.min(count, chunk) * per * 4;
        const staging = spatial > 1 && home < 0 ? mem.scratch(bytes) : 0;
        streams.push((s = { a, per, copyIn: false, copyOut: false, buffer: mem.scratch(bytes), spatial, home, staging }));
      }
      if (out) s.copyOut = true; else s.copyIn = true;
      return s;
    });
    const blocks = Math.ceil(count / PARTIAL_ROWS) * slots;
    const partials = slots ? mem.scratch(blocks * 8) : 0;
    mem.f64.fill(0, partials >>> 3, (partials >>> 3) + blocks);

    const pointers: Ptr[] = places.map((p) => (typeof p === 'number' ? p : 0));
    const step = streams.length ? chunk : count; // nothing to copy: one kernel call
    for (let r0 = 0; r0 < count; r0 += step) {
      const r1 = Math.min(count, r0 + step);
      for (const s of streams) {
        if (!s.copyIn) continue;
        if (s.spatial > 1) layIn(mem, k, s, r0, r1);
        else heapOf(mem, s.a).set(slice(s.a, r0 * s.per, r1 * s.per), s.buffer >>> 2);
      }
      places.forEach((p, i) => { if (typeof p !== 'number') pointers[i] = p.buffer - r0 * p.per * 4; });
      kernel(pointers, r0, r1, partials);
      for (const s of streams) {
        if (!s.copyOut) continue;
        if (s.spatial > 1) layOut(mem, k, s, r0, r1);
        else s.a.set(heapOf(mem, s.a).subarray(s.buffer >>> 2, (s.buffer >>> 2) + (r1 - r0) * s.per), r0 * s.per);
      }
    }
    if (!slots) return [];
    const values = mem.f64.subarray(partials >>> 3, (partials >>> 3) + blocks);
    settle?.(values);
    return sumPartials(values, slots);
  } finally {
    mem.endCall();
  }
}

/** Takes the log the kernel takes where a run ends, for the runs the batch
 *  ended first: Σ log Σ exp(x − m) over their rows, into the nll sum and
 *  (times Σ_c w_c) the smoothing term's, which is unused without smoothing.
 *  crossEntropyIndex's partials: `slots` per block (ceSlots()), Σ w_t·nll,
 *  Σ w_t, Σ smoothing term, then from `pending` (cePending()) the two lanes
 *  of a run's product of row ratios (0: none) that the batch's last rows left unlogged. */
function settleRuns(blocks: Float64Array, weightTotal: number, slots: number, pending: number): void {
  for (let i = 0; i < blocks.length; i += slots) {
    const a = blocks[i + pending], b = blocks[i + pending + 1];
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
function lendAside<T>(mem: KernelMemory, k: Exports, inPlace: boolean, classes: number, f: () => T): T {
  if (!inPlace) return f();
  k.setAside(mem.scratch(classes * 4), classes);
  try {
    return f();
  } finally {
    k.setAside(0, 0);
  }
}

/** exact: the float64 (js) kernels, for arrays read where they lie and for
 *  blocks whose float32 sums overflowed (redo.ts). */
export function createWasmKernels(exports: Exports, mem: KernelMemory, exact: Kernels): Kernels {
  const k = exports;
  const ceSlots = k.ceSlots(), cePending = k.cePending();
  /** Row kernels: chunks of whole rows, a multiple of 4 (the four-row kernels). */
  const rowwise = (
    count: number, parts: Part[], kernel: (p: Ptr[], r0: number, r1: number, partials: Ptr) => void, slots = 0,
    settle?: (blocks: Float64Array) => void,
  ) => run(mem, k, count, 4, parts, kernel, slots, settle);
  /** Elementwise kernels: chunks aligned to their partial-sum blocks. */
  const elementwise = (
    count: number, parts: Part[], kernel: (p: Ptr[], i0: number, i1: number, partials: Ptr) => void, slots = 0,
    settle?: (blocks: Float64Array) => void,
  ) => run(mem, k, count, PARTIAL_ROWS, parts, kernel, slots, settle);
  const none = [0, 0, 0];

  return {
    logSumExp: (x, C, out, S) => void rowwise(out.length, [input(x, C, S), output(out)], ([x, o], r0, r1) => k.logSumExp(x, o, r0, r1, C)),
    softmax: (x, C, out, S) => lendAside(mem, k, out === x, C,
      () => void rowwise(x.length / C, [input(x, C, S), output(out, C, S)], ([x, o], r0, r1) => k.softmax(x, o, r0, r1, C))),
    logSoftmax: (x, C, out, S) => void rowwise(x.length / C, [input(x, C, S), output(out, C, S)],
      ([x, o], r0, r1) => k.logSoftmax(x, o, r0, r1, C)),
    argmax: (x, C, out, S) => void rowwise(out.length, [input(x, C, S), output(out)], ([x, o], r0, r1) => k.argmax(x, o, r0, r1, C)),
    entropy: (p, C, out, S) => void rowwise(out.length, [input(p, C, S), output(out)], ([p, o], r0, r1) => k.entropy(p, o, r0, r1, C)),
    softmaxBackward: (y, dy, C, out, S) => void rowwise(y.length / C, [input(y, C, S), input(dy, C, S), output(out, C, S)],
      ([y, dy, o], r0, r1) => k.softmaxBackward(y, dy, o, r0, r1, C)),
    logSoftmaxBackward: (y, dy, C, out, S) => void rowwise(y.length / C, [input(y, C, S), input(dy, C, S), output(out, C, S)],
      ([y, dy, o], r0, r1) => k.logSoftmaxBackward(y, dy, o, r0, r1, C)),
    logSumExpBackward: (x, dy, C, out, S) => void rowwise(dy.length, [input(x, C, S), input(dy), output(out, C, S)],
      ([x, dy, o], r0, r1) => k.logSumExpBackward(x, dy, o, r0, r1, C)),

    badTarget(t, C, ignore) {
      let bad = -1;
      rowwise(t.length, [input(t)], ([t], r0, r1) => { if (bad < 0) bad = k.badTarget(t, r0, r1, C, ignore); });
      return bad;
    },
    targetWeight(t, w, C, ignore) {
      let total = 0;
      rowwise(t.length, [input(t), whole(w)], ([t, w], r0, r1) => { total += k.targetWeight(t, w, r0, r1, C, ignore); });
      return total;
    },

    crossEntropyIndex: (c: CrossEntropyIndexCall) => {
      const totals = lendAside(mem, k, c.grad === c.x, c.classes, () => rowwise(c.target.length,
        [input(c.x, c.classes, c.spatial), input(c.target), whole(c.weight), output(c.out), output(c.grad, c.classes, c.spatial), input(c.gradOut)],
        ([x, t, w, out, grad, gradOut], r0, r1, partials) => k.crossEntropyIndex(
          x, t, w, c.weightTotal, r0, r1, c.classes, c.ignoreIndex, c.smoothing, out, partials, grad, c.gradNll, c.gradSmooth, gradOut),
        c.sums || c.out ? ceSlots : 0, (blocks) => {
          settleRuns(blocks, c.weightTotal, ceSlots, cePending);
          redoCrossEntropyIndex(exact, c, blocks, ceSlots);
        }));
      return c.sums ? totals.slice(0, 3) : none;
    },

    crossEntropyProb: (c: CrossEntropyProbCall) => {
      const totals = lendAside(mem, k, c.grad === c.x, c.classes, () => rowwise(c.x.length / c.classes,
        [input(c.x, c.classes, c.spatial), input(c.q, c.classes, c.spatial), whole(c.weight), output(c.out),
          output(c.grad, c.classes, c.spatial), input(c.gradOut)],
        ([x, q, w, out, grad, gradOut], r0, r1, partials) => k.crossEntropyProb(
          x, q, w, r0, r1, c.classes, c.smoothing, out, partials, grad, c.gradScale, gradOut),
        c.sums || c.out ? 1 : 0, (blocks) => redoCrossEntropyProb(exact, c, blocks)));
      return c.sums ? totals : [0];
    },

    nll: (c: NllCall) => {
      // The loss reads one value per row: from a plain (or channels-first)
      // array those are read where they lie, in JS, not copied in with the batch.
      if (mem.addressOf(c.lp, 'logProbs') < 0 || c.spatial > 1) return exact.nll(c);
      const totals = rowwise(c.target.length, [input(c.lp, c.classes), input(c.target), whole(c.weight), output(c.out)],
        ([lp, t, w, out], r0, r1, partials) => k.nll(lp, t, w, r0, r1, c.classes, c.classes, 1, c.ignoreIndex, out, partials),
        c.sums ? 2 : 0); // Σ w_t·nll, Σ w_t
      return c.sums ? totals : none;
    },

    nllBackward: (c: NllBackwardCall) => void rowwise(c.target.length,
      [input(c.target), whole(c.weight), output(c.grad, c.classes, c.spatial), input(c.gradOut)],
      ([t, w, grad, gradOut], r0, r1) => k.nllBackward(t, w, r0, r1, c.classes, c.ignoreIndex, grad, c.gradScale, gradOut)),

    elementwise: (c: ElementwiseCall) => {
      const parts = [input(c.a), input(c.b), periodic(c.w, c.a.length), periodic(c.pw, c.a.length), output(c.out)];
      const wn = c.w?.length ?? 0, pwn = c.pw?.length ?? 0;
      const totals = elementwise(c.a.length, parts, ([a, b, w, pw, out], i0, i1, partials) => {
        if (c.op === 'mse') k.mseLoss(a, b, out, partials, i0, i1);
        else if (c.op === 'bce') k.bceWithLogits(a, b, w, wn, pw, pwn, out, partials, i0, i1);
        else if (c.op === 'kl') k.klDiv(a, b, out, partials, i0, i1);
        else k.klDivLogTarget(a, b, out, partials, i0, i1);
      }, 1, (blocks) => redoElementwise(exact, c, blocks));
      return c.sums ? totals[0] : 0;
    },

    elementwiseBackward: (c: ElementwiseBackwardCall) => {
      const parts = [input(c.a), input(c.b), periodic(c.w, c.a.length), periodic(c.pw, c.a.length), output(c.grad), input(c.gradOut)];
      const wn = c.w?.length ?? 0, pwn = c.pw?.length ?? 0;
      elementwise(c.a.length, parts, ([a, b, w, pw, grad, g], i0, i1) => {
        if (c.op === 'mse') k.mseLossBackward(a, b, grad, i0, i1, c.gradScale, g);
        else if (c.op === 'bce') k.bceWithLogitsBackward(a, b, w, wn, pw, pwn, grad, i0, i1, c.gradScale, g);
        else if (c.op === 'kl') k.klDivBackward(a, b, grad, i0, i1, c.gradScale, g);
        else k.klDivLogTargetBackward(a, b, grad, i0, i1, c.gradScale, g);
      });
    },

    memoryKey: (buffer) => mem.keyOf(buffer),
    f32: (length) => mem.view(Float32Array, length),
    i32: (length) => mem.view(Int32Array, length),
    free: (view) => mem.freeView(view),
  };
}

export type { Exports };
