// The one interface every backend implements: the kernels of assembly/ on
// whole typed arrays. Validation, reductions and gradient scaling live above
// it (api.ts), so the backends differ only in how they compute.

export type F32 = Float32Array;
export type I32 = Int32Array;

/** Rows (or elements) per partial sum; totals add partials in this order. */
export const PARTIAL_ROWS = 1024;

export interface CrossEntropyIndexCall {
  x: F32; target: I32; classes: number;
  weight: F32 | null; weightTotal: number; ignoreIndex: number; smoothing: number;
  out: F32 | null; sums: boolean;
  grad: F32 | null; gradNll: number; gradSmooth: number; gradOut: F32 | null;
}

export interface CrossEntropyProbCall {
  x: F32; q: F32; classes: number; weight: F32 | null; smoothing: number;
  out: F32 | null; sums: boolean;
  grad: F32 | null; gradScale: number; gradOut: F32 | null;
}

export interface NllCall {
  lp: F32; target: I32; classes: number; weight: F32 | null; ignoreIndex: number;
  out: F32 | null; sums: boolean;
}

export interface NllBackwardCall {
  target: I32; classes: number; weight: F32 | null; ignoreIndex: number;
  grad: F32; gradScale: number; gradOut: F32 | null;
}

export type Elementwise = 'mse' | 'kl' | 'klLog' | 'bce';

/** a, b: input and target; w, pw: BCE weight and posWeight (or null), of a's
 *  length or a divisor of it: element i is weighed by w[i mod w.length]. */
export interface ElementwiseCall {
  op: Elementwise; a: F32; b: F32; w: F32 | null; pw: F32 | null;
  out: F32 | null; sums: boolean;
}

export interface ElementwiseBackwardCall {
  op: Elementwise; a: F32; b: F32; w: F32 | null; pw: F32 | null;
  grad: F32; gradScale: number; gradOut: F32 | null;
}

export interface Kernels {
  /** Channels-first x (samples of [C][S]: class stride S) in row-major order
   *  (each sample's [S][C] rows), as a new array. */
  toRows(x: F32, classes: number, spatial: number): F32;
  /** toRows' inverse: row-major y written channels-first into out. */
  fromRows(y: F32, classes: number, spatial: number, out: F32): void;
  logSumExp(x: F32, classes: number, out: F32): void;
  softmax(x: F32, classes: number, out: F32): void;
  logSoftmax(x: F32, classes: number, out: F32): void;
  argmax(x: F32, classes: number, out: I32): void;
  entropy(p: F32, classes: number, out: F32): void;
  softmaxBackward(y: F32, dy: F32, classes: number, out: F32): void;
  logSoftmaxBackward(y: F32, dy: F32, classes: number, out: F32): void;
  logSumExpBackward(x: F32, dy: F32, classes: number, out: F32): void;
  /** First row with a target outside [0, classes) that is not ignoreIndex, or −1. */
  badTarget(target: I32, classes: number, ignoreIndex: number): number;
  /** Σ weight[t] (or the count) over rows whose target is not ignoreIndex. */
  targetWeight(target: I32, weight: F32 | null, ignoreIndex: number): number;
  /** Returns the totals [Σ w_t·nll, Σ w_t, Σ smoothing term] (zeros unless sums). */
  crossEntropyIndex(c: CrossEntropyIndexCall): number[];
  /** Returns [Σ row loss] (zero unless sums). */
  crossEntropyProb(c: CrossEntropyProbCall): number[];
  /** Returns [Σ w_t·nll, Σ w_t]. */
  nll(c: NllCall): number[];
  nllBackward(c: NllBackwardCall): void;
  /** Returns Σ loss (0 unless sums). */
  elementwise(c: ElementwiseCall): number;
  elementwiseBackward(c: ElementwiseBackwardCall): void;
  /** Kernel-memory views (zero-copy); the js backend hands out plain arrays. */
  f32(length: number): F32;
  i32(length: number): I32;
  free(view: F32 | I32): void;
}

/** Kernels.toRows in plain loops (the js backend's, and the wasm backends' for
 *  plain arrays of many classes, whose class runs per piece would be short). */
export function toRows(x: F32, C: number, S: number): F32 {
  const y = new Float32Array(x.length);
  for (let n = 0, base = 0; base < x.length; n++, base += C * S) {
    for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) y[(n * S + s) * C + c] = x[base + c * S + s];
  }
  return y;
}

/** Kernels.fromRows in plain loops. */
export function fromRows(y: F32, C: number, S: number, out: F32): void {
  for (let n = 0, base = 0; base < out.length; n++, base += C * S) {
    for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) out[base + c * S + s] = y[(n * S + s) * C + c];
  }
}

/** Adds per-block partial sums in block order, as the wasm kernels' callers do. */
export class Partials {
  readonly slots: number;
  readonly values: Float64Array;
  constructor(count: number, slots: number) {
    this.slots = slots;
    this.values = new Float64Array(Math.ceil(count / PARTIAL_ROWS) * slots);
  }
  add(r: number, k: number, v: number): void {
    this.values[Math.floor(r / PARTIAL_ROWS) * this.slots + k] += v;
  }
  totals(): number[] {
    return sumPartials(this.values, this.slots);
  }
}

export function sumPartials(values: Float64Array, slots: number): number[] {
  const totals = new Array<number>(slots).fill(0);
  for (let i = 0; i < values.length; i += slots) {
    for (let k = 0; k < slots; k++) totals[k] += values[i + k];
  }
  return totals;
}
