// The public types: what init() resolves to, every option with its default,
// and overloads so that reduction: 'none' returns a Float32Array and 'mean' /
// 'sum' (or none given) a number. Editors show these comments.

/** Which implementation runs: a WebAssembly build, or the plain TypeScript reference. */
export type Backend = 'relaxed-simd' | 'simd' | 'scalar' | 'js';
/** The three WebAssembly builds. */
export type WasmBackend = Exclude<Backend, 'js'>;
/** Where a build's .wasm comes from: its bytes, a URL (string or URL), or a compiled module. */
export type WasmSource = BufferSource | URL | string | WebAssembly.Module;

/** Options of {@link init}. Unknown keys are a RangeError. */
export interface InitOptions {
  /** Force one backend (rejects, naming the missing feature, where it cannot run).
   *  Default: the best build this runtime runs — relaxed-simd, simd, scalar, then js. */
  backend?: Backend;
  /** Worker threads: a positive integer or 'auto' (default 1). */
  threads?: number | 'auto';
  /** Where the .wasm comes from: one source, or one per build (`{ simd: …, scalar: … }`).
   *  Default: `dist/wasm/` beside the module. A source that cannot be compiled or
   *  instantiated rejects with the engine's reason. */
  wasm?: WasmSource | Partial<Record<WasmBackend, WasmSource>>;
}

/** How a loss reduces its per-item values: PyTorch's `reduction`. Default 'mean'. */
export type Reduction = 'mean' | 'sum' | 'none';
/** A reduction that returns one number. */
export type Reduced = 'mean' | 'sum';

/** Class-index targets, one per row: any integer typed array or number[]. */
export type IndexTargets = Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array | Uint8ClampedArray | readonly number[];
/** Probability targets: one value per logit (a float array is read as probabilities). */
export type ProbabilityTargets = Float32Array | Float64Array;

/** The last argument of a row-wise function: `out`, or `{ out, spatial }`. */
export interface RowwiseOptions<Out = Float32Array> {
  /** Write the result here (and return it) instead of allocating. May be the input
   *  itself where the function computes in place (softmax, logSoftmax, the backward forms). */
  out?: Out;
  /** Channels-first input `(N, C, d1…dk)` passed flat: spatial = d1·…·dk (default 1). */
  spatial?: number;
}

/** What every loss takes. */
export interface LossOptions<R extends Reduction = Reduction> {
  /** 'mean' (default), 'sum' (both return a number, summed in float64) or 'none' (a Float32Array). */
  reduction?: R;
  /** With 'none': write the per-item losses here instead of allocating. */
  out?: Float32Array;
}

/** The upstream gradient of a backward call. */
export interface GradOptions {
  /** ∂(something)/∂loss: a number (default 1), or with reduction 'none' one value per item. */
  gradOutput?: number | Float32Array;
}

/** `crossEntropy` (as `F.cross_entropy`). */
export interface CrossEntropyOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** A weight per class (length `classes`). Weighted 'mean' divides by Σ of the kept targets' weights. */
  weight?: Float32Array;
  /** Rows whose target is this are left out (index targets only). Default −100. */
  ignoreIndex?: number;
  /** Label smoothing ε in [0, 1]. Default 0. */
  labelSmoothing?: number;
  /** Channels-first logits `(N, C, d1…dk)`: spatial = d1·…·dk (default 1). */
  spatial?: number;
}
/** `crossEntropyBackward`: `out` receives ∂loss/∂logits (it may be `logits`, in place). */
export interface CrossEntropyBackwardOptions<R extends Reduction = Reduction> extends CrossEntropyOptions<R>, GradOptions {}
/** `crossEntropyWithGrad`: `grad` receives ∂loss/∂logits (it may be `logits`, in place); `out` the per-row losses of 'none'. */
export interface CrossEntropyWithGradOptions<R extends Reduction = Reduction> extends CrossEntropyOptions<R>, GradOptions {
  grad?: Float32Array;
}

/** `nllLoss` (as `F.nll_loss`). */
export interface NllLossOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** A weight per class (length `classes`). */
  weight?: Float32Array;
  /** Rows whose target is this are left out. Default −100. */
  ignoreIndex?: number;
  /** Channels-first input `(N, C, d1…dk)`: spatial = d1·…·dk (default 1). */
  spatial?: number;
}
/** `nllLossBackward`: `out` receives ∂loss/∂logProbs (it may be `logProbs`). */
export interface NllLossBackwardOptions<R extends Reduction = Reduction> extends NllLossOptions<R>, GradOptions {}

/** `klDiv` (as `F.kl_div`; input is log-probabilities). */
export interface KlDivOptions<R extends Reduction | 'batchmean' = Reduction | 'batchmean'> {
  /** 'mean' (default: ÷ every element), 'batchmean' (÷ rows), 'sum' or 'none'. */
  reduction?: R;
  /** The target holds log-probabilities. Default false. */
  logTarget?: boolean;
  /** With 'none': write the per-element losses here. */
  out?: Float32Array;
}
/** `klDivBackward`: `out` receives ∂loss/∂input. */
export interface KlDivBackwardOptions<R extends Reduction | 'batchmean' = Reduction | 'batchmean'> extends KlDivOptions<R>, GradOptions {}

/** `mseLoss` (as `F.mse_loss`). */
export interface MseLossOptions<R extends Reduction = Reduction> extends LossOptions<R> {}
/** `mseLossBackward`: `out` receives ∂loss/∂input. */
export interface MseLossBackwardOptions<R extends Reduction = Reduction> extends LossOptions<R>, GradOptions {}

/** `binaryCrossEntropyWithLogits` (as `F.binary_cross_entropy_with_logits`). */
export interface BceWithLogitsOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** A weight per element: the input's length, or a divisor of it broadcast along the last axis. */
  weight?: Float32Array;
  /** A weight of the positive term, as `weight` (length or a divisor of it). */
  posWeight?: Float32Array;
}
/** `binaryCrossEntropyWithLogitsBackward`: `out` receives ∂loss/∂input. */
export interface BceWithLogitsBackwardOptions<R extends Reduction = Reduction> extends BceWithLogitsOptions<R>, GradOptions {}

type F32 = Float32Array;
type Last<Out = F32> = Out | RowwiseOptions<Out>;
/** A loss's result for a reduction R. */
type LossResult<R> = R extends 'none' ? F32 : R extends Reduced | 'batchmean' ? number : number | F32;

/**
 * The operations, as `init()` resolves them. Every array argument is a
 * `Float32Array` of `rows × classes` values (row-major, or channels-first with
 * `spatial`); `classes` is always explicit. Bad input throws a TypeError or
 * RangeError naming the argument, and the next call works.
 */
export interface Kernels {
  /** The build that actually runs. */
  readonly backend: Backend;
  /** Threads actually in use. */
  readonly threads: number;

  /** log Σ exp(x) per row: `Float32Array(rows)`. An all −∞ row gives −∞. */
  logSumExp(x: F32, classes: number, out?: Last): F32;
  /** softmax per row; `out` may be `x` (in place). */
  softmax(x: F32, classes: number, out?: Last): F32;
  /** log-softmax per row; `out` may be `x` (in place). */
  logSoftmax(x: F32, classes: number, out?: Last): F32;
  /** First index of each row's maximum (a NaN counts as the maximum): `Int32Array(rows)`. */
  argmax(x: F32, classes: number, out?: Last<Int32Array>): Int32Array;
  /** −Σ p log p per row, with 0·log 0 = 0: `Float32Array(rows)`. */
  entropy(p: F32, classes: number, out?: Last): F32;
  /** dx = y ⊙ (dy − Σ dy⊙y), y = softmax output; `out` may be `y` or `dy`. */
  softmaxBackward(y: F32, dy: F32, classes: number, out?: Last): F32;
  /** dx = dy − exp(y)·Σ dy, y = logSoftmax output; `out` may be `y` or `dy`. */
  logSoftmaxBackward(y: F32, dy: F32, classes: number, out?: Last): F32;
  /** dx = softmax(x)·dy[row], dy one value per row; `out` may be `x`. */
  logSumExpBackward(x: F32, dy: F32, classes: number, out?: Last): F32;

  /** `F.cross_entropy` with class-index or probability targets. */
  crossEntropy<R extends Reduction = 'mean'>(logits: F32, target: IndexTargets | ProbabilityTargets, classes: number, opts?: CrossEntropyOptions<R>): LossResult<R>;
  /** ∂crossEntropy/∂logits. */
  crossEntropyBackward<R extends Reduction = 'mean'>(logits: F32, target: IndexTargets | ProbabilityTargets, classes: number, opts?: CrossEntropyBackwardOptions<R>): F32;
  /** Loss and ∂loss/∂logits in one fused pass; `opts.grad` may be `logits` (in place). */
  crossEntropyWithGrad<R extends Reduction = 'mean'>(
    logits: F32, target: IndexTargets | ProbabilityTargets, classes: number, opts?: CrossEntropyWithGradOptions<R>,
  ): { loss: LossResult<R>; grad: F32 };
  /** `F.nll_loss` of log-probabilities. */
  nllLoss<R extends Reduction = 'mean'>(logProbs: F32, target: IndexTargets, classes: number, opts?: NllLossOptions<R>): LossResult<R>;
  /** ∂nllLoss/∂logProbs. */
  nllLossBackward<R extends Reduction = 'mean'>(logProbs: F32, target: IndexTargets, classes: number, opts?: NllLossBackwardOptions<R>): F32;
  /** `F.kl_div` (input = log q). */
  klDiv<R extends Reduction | 'batchmean' = 'mean'>(input: F32, target: F32, classes: number, opts?: KlDivOptions<R>): LossResult<R>;
  /** ∂klDiv/∂input. */
  klDivBackward<R extends Reduction | 'batchmean' = 'mean'>(input: F32, target: F32, classes: number, opts?: KlDivBackwardOptions<R>): F32;
  /** `F.mse_loss`. */
  mseLoss<R extends Reduction = 'mean'>(input: F32, target: F32, opts?: MseLossOptions<R>): LossResult<R>;
  /** ∂mseLoss/∂input. */
  mseLossBackward<R extends Reduction = 'mean'>(input: F32, target: F32, opts?: MseLossBackwardOptions<R>): F32;
  /** `F.binary_cross_entropy_with_logits`. */
  binaryCrossEntropyWithLogits<R extends Reduction = 'mean'>(input: F32, target: F32, opts?: BceWithLogitsOptions<R>): LossResult<R>;
  /** ∂binaryCrossEntropyWithLogits/∂input. */
  binaryCrossEntropyWithLogitsBackward<R extends Reduction = 'mean'>(input: F32, target: F32, opts?: BceWithLogitsBackwardOptions<R>): F32;

  /** A Float32Array of `length` in the kernel's own memory: passing it skips every copy. */
  f32(length: number): F32;
  /** An Int32Array of `length` in the kernel's own memory (e.g. targets). */
  i32(length: number): Int32Array;
  /** Gives a view from f32/i32 back; using it afterwards is a TypeError. */
  free(view: F32 | Int32Array): void;
  /** Ends the instance (and its worker pool); every call afterwards throws. */
  dispose(): void;
}
