// The one interface every backend implements: the kernels of assembly/ on
// whole typed arrays. Validation, reductions and gradient scaling live above
// it (api.ts), so the backends differ only in how they compute.

import type { F32, I32 } from './arrays.js';
import type { MaybeHalf } from './half.js';
export type { F32, I32, MaybeHalf };

/** Rows (or elements) per partial sum; totals add partials in this order. */
export const PARTIAL_ROWS = 1024;

// Channels-first batches (PyTorch's (N, C, d1…dk)): with `spatial` S > 1 an
// array of a value per class is laid out [N][C][S] (class stride S) rather
// than [N·S][C]. Arrays of a value per row (targets, per-row losses and
// gradOut, logSumExp's dy) are in (N, S) order either way.

export interface CrossEntropyIndexCall {
  x: MaybeHalf;
  target: I32;
  classes: number;
  spatial: number;
  weight: F32 | null;
  weightTotal: number;
  ignoreIndex: number;
  smoothing: number;
  out: F32 | null;
  sums: boolean;
  /** The gradient: float32, or half-precision bits the float32 gradient is rounded into (gradDtype). */
  grad: MaybeHalf | null;
  gradNll: number;
  gradSmooth: number;
  gradOut: F32 | null;
  /** zLoss·lse² per kept row (0: none); gradZ = 2·zLoss times the z-terms' reduction scale. */
  zLoss: number;
  gradZ: number;
  /** > 0: logits → softcap·tanh(logits / softcap) first; 0: off. */
  softcap: number;
}

export interface CrossEntropyProbCall {
  x: MaybeHalf;
  q: F32;
  classes: number;
  spatial: number;
  weight: F32 | null;
  smoothing: number;
  out: F32 | null;
  sums: boolean;
  /** The gradient: float32, or half-precision bits the float32 gradient is rounded into (gradDtype). */
  grad: MaybeHalf | null;
  gradScale: number;
  gradOut: F32 | null;
  /** zLoss·lse² per row (0: none); its gradient takes gradScale as the loss's does. */
  zLoss: number;
  /** As CrossEntropyIndexCall's. */
  softcap: number;
}

export interface NllCall {
  lp: F32;
  target: I32;
  classes: number;
  spatial: number;
  weight: F32 | null;
  ignoreIndex: number;
  out: F32 | null;
  sums: boolean;
}

export interface NllBackwardCall {
  target: I32;
  classes: number;
  spatial: number;
  weight: F32 | null;
  ignoreIndex: number;
  grad: F32;
  gradScale: number;
  gradOut: F32 | null;
}

export type Elementwise = 'mse' | 'kl' | 'klLog' | 'bce';

/** a, b: input and target; w, pw: BCE weight and posWeight (or null), of a's
 *  length or a divisor of it: element i is weighed by w[i mod w.length]. */
export interface ElementwiseCall {
  op: Elementwise;
  a: F32;
  b: F32;
  w: F32 | null;
  pw: F32 | null;
  out: F32 | null;
  sums: boolean;
}

export interface ElementwiseBackwardCall {
  op: Elementwise;
  a: F32;
  b: F32;
  w: F32 | null;
  pw: F32 | null;
  grad: F32;
  gradScale: number;
  gradOut: F32 | null;
}

/** Language-model scoring of row-major logits (assembly/scoring.ts): per-row
 *  outputs where not null; target null scores no row (every row ignored). */
export interface ScoreCall {
  x: MaybeHalf;
  target: I32 | null;
  classes: number;
  ignoreIndex: number;
  temperature: number;
  logProbs: F32 | null;
  entropy: F32 | null;
  argmax: I32 | null;
  sums: boolean;
}

/** Knowledge distillation (assembly/distillation.ts): per row T²·divergence between
 *  softmax(student / T) and softmax(teacher / T) (or the teacher's log-probabilities),
 *  and its gradient with respect to the student. */
export interface DistillationCall {
  student: MaybeHalf;
  teacher: MaybeHalf;
  /** Rows whose target is ignoreIndex are left out; null: every row kept. */
  target: I32 | null;
  classes: number;
  ignoreIndex: number;
  divergence: 'forward' | 'reverse' | 'jsd';
  temperature: number;
  beta: number;
  teacherLogProbs: boolean;
  out: F32 | null;
  sums: boolean;
  /** The gradient: float32, or half-precision bits the float32 gradient is rounded into (gradDtype). */
  grad: MaybeHalf | null;
  /** ∂(reduced loss)/∂(row value): gradOutput over the reduction's divisor. */
  gradScale: number;
  gradOut: F32 | null;
}

export interface Kernels {
  logSumExp(x: MaybeHalf, classes: number, out: F32, spatial: number): void;
  softmax(x: MaybeHalf, classes: number, out: F32, spatial: number): void;
  logSoftmax(x: MaybeHalf, classes: number, out: F32, spatial: number): void;
  argmax(x: MaybeHalf, classes: number, out: I32, spatial: number): void;
  entropy(p: F32, classes: number, out: F32, spatial: number): void;
  softmaxBackward(y: F32, dy: F32, classes: number, out: F32, spatial: number): void;
  logSoftmaxBackward(y: F32, dy: F32, classes: number, out: F32, spatial: number): void;
  logSumExpBackward(x: F32, dy: F32, classes: number, out: F32, spatial: number): void;
  /** First row with a target outside [0, classes) that is not ignoreIndex, or −1. */
  badTarget(target: I32, classes: number, ignoreIndex: number): number;
  /** Σ weight[t] (or the count) over rows whose target is a class in [0, classes). */
  targetWeight(target: I32, weight: F32 | null, classes: number, ignoreIndex: number): number;
  /** Returns the totals [Σ w_t·nll, Σ w_t, Σ smoothing term, Σ lse² of kept rows]
   *  (zeros unless sums or out; the last 0 without zLoss). */
  crossEntropyIndex(c: CrossEntropyIndexCall): number[];
  /** Returns [Σ row cross-entropy, Σ lse²] (zeros unless sums or out; the last 0 without zLoss). */
  crossEntropyProb(c: CrossEntropyProbCall): number[];
  /** Returns [Σ w_t·nll, Σ w_t]. */
  nll(c: NllCall): number[];
  nllBackward(c: NllBackwardCall): void;
  /** Returns Σ loss (0 unless sums). */
  elementwise(c: ElementwiseCall): number;
  elementwiseBackward(c: ElementwiseBackwardCall): void;
  /** Returns [Σ nll, kept rows, rows whose argmax is the target] (zeros unless sums). */
  score(c: ScoreCall): number[];
  /** Returns [Σ row values, kept rows] (zeros unless sums). */
  distillation(c: DistillationCall): number[];
  /** Ends what the backend started (the worker pool); optional. */
  dispose?(): void;
  /** Which memory a buffer belongs to, for the aliasing rule (aliasing.ts). */
  memoryKey(buffer: ArrayBufferLike): object;
  /** Kernel-memory views (zero-copy); the js backend hands out plain arrays. */
  f32(length: number): F32;
  i32(length: number): I32;
  u16(length: number): Uint16Array;
  free(view: F32 | I32 | Uint16Array): void;
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
  const totals: number[] = [];
  for (let k = 0; k < slots; k++) totals.push(0);
  for (let i = 0; i < values.length; i += slots) {
    for (let k = 0; k < slots; k++) totals[k] += values[i + k];
  }
  return totals;
}
