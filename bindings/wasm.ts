// The wasm backends (scalar, simd, relaxed-simd): the same Kernels interface
// over one instantiated build. Each method marshals its arrays into kernel
// memory (or uses them in place when they already live there), calls the
// kernel over all rows, and copies results out.
import { KernelMemory } from './memory.js';
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
  logSumExp(x: Ptr, out: Ptr, r0: number, r1: number, classes: number): void;
  softmax(x: Ptr, y: Ptr, r0: number, r1: number, classes: number): void;
  logSoftmax(x: Ptr, y: Ptr, r0: number, r1: number, classes: number): void;
  argmax(x: Ptr, out: Ptr, r0: number, r1: number, classes: number): void;
  entropy(p: Ptr, out: Ptr, r0: number, r1: number, classes: number): void;
  softmaxBackward(y: Ptr, dy: Ptr, dx: Ptr, r0: number, r1: number, classes: number): void;
  logSoftmaxBackward(y: Ptr, dy: Ptr, dx: Ptr, r0: number, r1: number, classes: number): void;
  logSumExpBackward(x: Ptr, dy: Ptr, dx: Ptr, r0: number, r1: number, classes: number): void;
  badTarget(t: Ptr, r0: number, r1: number, classes: number, ignoreIndex: number): number;
  targetWeight(t: Ptr, w: Ptr, r0: number, r1: number, ignoreIndex: number): number;
  crossEntropyIndex(
    x: Ptr, t: Ptr, w: Ptr, weightTotal: number, r0: number, r1: number, classes: number, ignoreIndex: number,
    smoothing: number, out: Ptr, partials: Ptr, grad: Ptr, gradNll: number, gradSmooth: number, gradOut: Ptr,
  ): void;
  crossEntropyProb(
    x: Ptr, q: Ptr, w: Ptr, r0: number, r1: number, classes: number, smoothing: number,
    out: Ptr, partials: Ptr, grad: Ptr, gradScale: number, gradOut: Ptr,
  ): void;
  nll(lp: Ptr, t: Ptr, w: Ptr, r0: number, r1: number, classes: number, ignoreIndex: number, out: Ptr, partials: Ptr): void;
  nllBackward(t: Ptr, w: Ptr, r0: number, r1: number, classes: number, ignoreIndex: number, grad: Ptr, scale: number, gradOut: Ptr): void;
  mseLoss(a: Ptr, b: Ptr, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  mseLossBackward(a: Ptr, b: Ptr, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
  klDiv(x: Ptr, t: Ptr, logTarget: number, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  klDivBackward(x: Ptr, t: Ptr, logTarget: number, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
  bceWithLogits(x: Ptr, y: Ptr, w: Ptr, pw: Ptr, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  bceWithLogitsBackward(x: Ptr, y: Ptr, w: Ptr, pw: Ptr, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
}

/** The arrays of one kernel call: where each lives, and what to copy back. */
class Frame {
  private scratch: Ptr[] = [];
  private placed = new Map<F32 | I32, Ptr>();
  private results: [F32 | I32, Ptr][] = [];
  constructor(private mem: KernelMemory) {}

  /** Address of an input (0 for null), copied into scratch unless it lives in kernel memory. */
  in(a: F32 | I32 | null): Ptr {
    if (!a) return 0;
    const known = this.placed.get(a);
    if (known !== undefined) return known;
    let p = this.mem.addressOf(a, 'input');
    if (p < 0) {
      p = this.alloc(a.byteLength);
      (a instanceof Int32Array ? this.mem.i32 : this.mem.f32).set(a, p >>> 2);
    }
    this.placed.set(a, p);
    return p;
  }

  /** Address for an output (0 for null); if the same array was an input, the kernel works in place. */
  out(a: F32 | I32 | null): Ptr {
    if (!a) return 0;
    let p = this.placed.get(a) ?? this.mem.addressOf(a, 'out');
    if (p < 0) p = this.alloc(a.byteLength);
    if (!this.mem.owns(a)) this.results.push([a, p]);
    return p;
  }

  /** Zeroed f64 partial sums for `count` rows with `slots` each (0 when not wanted). */
  partials(count: number, slots: number, wanted: boolean): Ptr {
    if (!wanted) return 0;
    const n = Math.ceil(count / PARTIAL_ROWS) * slots;
    const p = this.alloc(n * 8);
    this.mem.f64.fill(0, p >>> 3, (p >>> 3) + n);
    return p;
  }

  totals(p: Ptr, count: number, slots: number): number[] {
    if (!p) return new Array<number>(slots).fill(0);
    const n = Math.ceil(count / PARTIAL_ROWS) * slots;
    return sumPartials(this.mem.f64.subarray(p >>> 3, (p >>> 3) + n), slots);
  }

  private alloc(bytes: number): Ptr {
    const p = this.mem.alloc(bytes);
    this.scratch.push(p);
    return p;
  }

  /** Copies results out and gives the scratch back. */
  end(ok: boolean): void {
    if (ok) {
      for (const [a, p] of this.results) {
        const heap = a instanceof Int32Array ? this.mem.i32 : this.mem.f32;
        a.set(heap.subarray(p >>> 2, (p >>> 2) + a.length));
      }
    }
    for (const p of this.scratch) this.mem.release(p);
  }
}

const ELEMENTWISE = { mse: 0, kl: 0, klLog: 1, bce: 0 } as const;

export function createWasmKernels(exports: Exports, mem: KernelMemory): Kernels {
  const k = exports;
  /** Runs fn with a fresh frame; scratch is returned even if it throws. */
  function call<T>(fn: (f: Frame) => T): T {
    const f = new Frame(mem);
    let ok = false;
    try {
      const r = fn(f);
      ok = true;
      return r;
    } finally {
      f.end(ok);
    }
  }
  const rows = (x: F32, classes: number) => x.length / classes;

  return {
    logSumExp: (x, C, out) => call((f) => k.logSumExp(f.in(x), f.out(out), 0, out.length, C)),
    softmax: (x, C, out) => call((f) => k.softmax(f.in(x), f.out(out), 0, rows(x, C), C)),
    logSoftmax: (x, C, out) => call((f) => k.logSoftmax(f.in(x), f.out(out), 0, rows(x, C), C)),
    argmax: (x, C, out) => call((f) => k.argmax(f.in(x), f.out(out), 0, out.length, C)),
    entropy: (p, C, out) => call((f) => k.entropy(f.in(p), f.out(out), 0, out.length, C)),
    softmaxBackward: (y, dy, C, out) => call((f) => k.softmaxBackward(f.in(y), f.in(dy), f.out(out), 0, rows(y, C), C)),
    logSoftmaxBackward: (y, dy, C, out) => call((f) => k.logSoftmaxBackward(f.in(y), f.in(dy), f.out(out), 0, rows(y, C), C)),
    logSumExpBackward: (x, dy, C, out) => call((f) => k.logSumExpBackward(f.in(x), f.in(dy), f.out(out), 0, dy.length, C)),

    badTarget: (t, C, ignore) => call((f) => k.badTarget(f.in(t), 0, t.length, C, ignore)),
    targetWeight: (t, w, ignore) => call((f) => k.targetWeight(f.in(t), f.in(w), 0, t.length, ignore)),

    crossEntropyIndex: (c: CrossEntropyIndexCall) => call((f) => {
      const n = c.target.length;
      const partials = f.partials(n, 3, c.sums);
      k.crossEntropyIndex(
        f.in(c.x), f.in(c.target), f.in(c.weight), c.weightTotal, 0, n, c.classes, c.ignoreIndex, c.smoothing,
        f.out(c.out), partials, f.out(c.grad), c.gradNll, c.gradSmooth, f.in(c.gradOut),
      );
      return f.totals(partials, n, 3);
    }),

    crossEntropyProb: (c: CrossEntropyProbCall) => call((f) => {
      const n = rows(c.x, c.classes);
      const partials = f.partials(n, 1, c.sums);
      k.crossEntropyProb(
        f.in(c.x), f.in(c.q), f.in(c.weight), 0, n, c.classes, c.smoothing,
        f.out(c.out), partials, f.out(c.grad), c.gradScale, f.in(c.gradOut),
      );
      return f.totals(partials, n, 1);
    }),

    nll: (c: NllCall) => call((f) => {
      const n = c.target.length;
      const partials = f.partials(n, 3, c.sums);
      k.nll(f.in(c.lp), f.in(c.target), f.in(c.weight), 0, n, c.classes, c.ignoreIndex, f.out(c.out), partials);
      return f.totals(partials, n, 3);
    }),

    nllBackward: (c: NllBackwardCall) => call((f) => {
      k.nllBackward(
        f.in(c.target), f.in(c.weight), 0, c.target.length, c.classes, c.ignoreIndex,
        f.out(c.grad), c.gradScale, f.in(c.gradOut),
      );
    }),

    elementwise: (c: ElementwiseCall) => call((f) => {
      const n = c.a.length;
      const partials = f.partials(n, 1, c.sums);
      const a = f.in(c.a), b = f.in(c.b), out = f.out(c.out);
      if (c.op === 'mse') k.mseLoss(a, b, out, partials, 0, n);
      else if (c.op === 'bce') k.bceWithLogits(a, b, f.in(c.w), f.in(c.pw), out, partials, 0, n);
      else k.klDiv(a, b, ELEMENTWISE[c.op], out, partials, 0, n);
      return f.totals(partials, n, 1)[0];
    }),

    elementwiseBackward: (c: ElementwiseBackwardCall) => call((f) => {
      const n = c.a.length;
      const a = f.in(c.a), b = f.in(c.b), g = f.in(c.gradOut);
      const grad = f.out(c.grad);
      if (c.op === 'mse') k.mseLossBackward(a, b, grad, 0, n, c.gradScale, g);
      else if (c.op === 'bce') k.bceWithLogitsBackward(a, b, f.in(c.w), f.in(c.pw), grad, 0, n, c.gradScale, g);
      else k.klDivBackward(a, b, ELEMENTWISE[c.op], grad, 0, n, c.gradScale, g);
    }),

    f32: (length) => mem.view(Float32Array, length),
    i32: (length) => mem.view(Int32Array, length),
    free: (view) => mem.freeView(view),
    dispose() {},
  };
}

export type { Exports };
