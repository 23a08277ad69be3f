// The public types: what init() resolves to, every option with its default,
// and overloads so that reduction: 'none' returns a Float32Array and 'mean' /
// 'sum' (or none given) a number. Editors show these comments, and
// `npm run docs` (TypeDoc) builds the API reference from them: every type a
// signature names is exported here, so that the reference can link it.

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
export type IndexTargets =
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray
  | readonly number[];
/** Probability targets: one value per logit (a float array is read as probabilities). */
export type ProbabilityTargets = Float32Array | Float64Array;

/** How a `Uint16Array` of half-precision logits is read: IEEE float16, or bfloat16
 *  (float32's upper 16 bits). */
export type HalfDtype = 'float16' | 'bfloat16';
/** The runtime's `Float16Array`, where it has one (detected, never required; Node 20 has none). */
export interface Float16ArrayLike extends ArrayBufferView {
  /** Elements (2 bytes each). */
  readonly length: number;
  /** What tells it from a `Uint16Array` (the runtime's own tag). */
  readonly [Symbol.toStringTag]: 'Float16Array';
}
/**
 * Logits as the functions that read them take them: a `Float32Array`, or half precision,
 * each value converted exactly to float32 inside the kernel a chunk at a time (results stay
 * `Float32Array`): a `Float16Array`, or a `Uint16Array` of raw bits with `dtype` in the
 * options saying how to read them (without it, a TypeError). {@link Kernels.u16} makes a
 * zero-copy one.
 */
export type Logits = Float32Array | Uint16Array | Float16ArrayLike;
/** The option of the functions that take {@link Logits}. */
export interface HalfOptions {
  /** How to read `logits` given as a `Uint16Array` of raw bits: 'float16' or 'bfloat16'
   *  (required then; a `Float16Array` may say 'float16'; not allowed with a `Float32Array`). */
  dtype?: HalfDtype;
}

/** The format a gradient is written in: float32 (default), or half precision: the float32
 *  gradient rounded to nearest even (float16 with subnormals and overflow to ±∞; NaN stays a
 *  quiet NaN) into a `Uint16Array` of bits. Independent of the logits' own `dtype`. */
export type GradDtype = 'float32' | HalfDtype;
/** The arrays a gradient of {@link GradDtype} `G` may be written into: a `Float32Array`, or
 *  half-precision bits in a `Uint16Array` (for 'float16' also a `Float16Array`). */
export type GradArray<G extends GradDtype> = G extends 'float32'
  ? Float32Array
  : G extends 'float16'
    ? Uint16Array | Float16ArrayLike
    : Uint16Array;
/** The array a call makes for a gradient of {@link GradDtype} `G` when none is given. */
export type NewGradArray<G extends GradDtype> = G extends 'float32' ? Float32Array : Uint16Array;
/** The option of the functions that write a gradient of {@link Logits}. */
export interface GradDtypeOptions<G extends GradDtype = GradDtype> {
  /** How the gradient is written: 'float32' (default: a `Float32Array`), or 'float16' /
   *  'bfloat16': the float32 gradient rounded to nearest even into a `Uint16Array` of bits
   *  (made by the call, or given; {@link Kernels.u16} makes a zero-copy one). In place (the
   *  gradient over the logits) only when this is the logits' own format. */
  gradDtype?: G;
}

/** The last argument of a row-wise function: `out`, or `{ out, spatial }`. */
export interface RowwiseOptions<Out = Float32Array> {
  /** Write the result here (and return it) instead of allocating. May be the input
   *  itself where the function computes in place (softmax, logSoftmax, the backward forms). */
  out?: Out;
  /** Channels-first input `(N, C, d1…dk)` passed flat: spatial = d1·…·dk (default 1). */
  spatial?: number;
}

/** The last argument of the row-wise functions that take {@link Logits}: `out`, or `{ out, spatial, dtype }`. */
export interface LogitsRowwiseOptions<Out = Float32Array> extends RowwiseOptions<Out>, HalfOptions {}

/** What every loss takes. */
export interface LossOptions<R extends Reduction = Reduction> {
  /** 'mean' (default), 'sum' (both return a number, summed in float64) or 'none' (a Float32Array). */
  reduction?: R;
  /** With 'none': write the per-item losses here instead of allocating (ignored otherwise).
   *  In a backward call: write the gradient here. */
  out?: Float32Array;
}

/** The upstream gradient of a backward call. */
export interface GradOptions {
  /** ∂(something)/∂loss: a number (default 1), or with reduction 'none' one value per item
   *  (a `Float32Array` as long as the loss's 'none' result; a number is broadcast). */
  gradOutput?: number | Float32Array;
}

/** `crossEntropy` (as `F.cross_entropy`). */
export interface CrossEntropyOptions<R extends Reduction = Reduction> extends LossOptions<R>, HalfOptions {
  /** A weight per class (length `classes`). Weighted 'mean' divides by Σ of the kept targets' weights. */
  weight?: Float32Array;
  /** Rows whose target is this are left out (index targets only). Default −100. */
  ignoreIndex?: number;
  /** Label smoothing ε in [0, 1]. Default 0. */
  labelSmoothing?: number;
  /** Channels-first logits `(N, C, d1…dk)`: spatial = d1·…·dk (default 1). */
  spatial?: number;
  /** Logit soft-capping: every logit becomes `softcap·tanh(logit / softcap)` before anything
   *  else, and the gradient is taken through it (Gemma 2 uses 30). A positive finite number;
   *  absent: off. */
  softcap?: number;
  /** PaLM's auxiliary z-loss: adds `zLoss·lse²` for every kept row, lse the row's log-sum-exp
   *  (of the capped logits with `softcap`); e.g. 1e-4. A finite number ≥ 0, default 0. With
   *  'none' each row's value includes its z-term; 'sum' adds them; 'mean' divides them by the
   *  number of kept rows (every row with probability targets), the cross-entropy part as without it. */
  zLoss?: number;
}
/** `crossEntropyBackward`: `out` receives ∂loss/∂logits (it may be `logits`, in place), in the format `gradDtype` says. */
export interface CrossEntropyBackwardOptions<R extends Reduction = Reduction, G extends GradDtype = GradDtype, A = GradArray<G>>
  extends Omit<CrossEntropyOptions<R>, 'out'>,
    GradOptions,
    GradDtypeOptions<G> {
  /** Write ∂loss/∂logits here (length `logits.length`) instead of allocating; may be `logits` itself. */
  out?: A;
}
/** `crossEntropyWithGrad`: `grad` receives ∂loss/∂logits (it may be `logits`, in place), in the format `gradDtype`
 *  says; `out` the per-row losses of 'none'. */
export interface CrossEntropyWithGradOptions<R extends Reduction = Reduction, G extends GradDtype = GradDtype, A = GradArray<G>>
  extends CrossEntropyOptions<R>,
    GradOptions,
    GradDtypeOptions<G> {
  /** Write ∂loss/∂logits here (length `logits.length`) instead of allocating; may be `logits` itself. */
  grad?: A;
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
  /** With 'none': write the per-element losses here. In `klDivBackward`: write the gradient here. */
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

/** `tokenLogProbs`: log_softmax(logits / temperature) at each row's target. */
export interface TokenLogProbsOptions extends HalfOptions {
  /** Divides the logits before the softmax: a positive finite number (default 1). */
  temperature?: number;
  /** Rows whose target is this give 0. Default −100. */
  ignoreIndex?: number;
  /** Write the per-row log-probabilities here (`Float32Array(rows)`) instead of allocating. */
  out?: Float32Array;
}

/** The last argument of `entropyFromLogits` when it is not `out` itself. */
export interface EntropyFromLogitsOptions extends HalfOptions {
  /** Write the per-row entropies here (`Float32Array(rows)`) instead of allocating. */
  out?: Float32Array;
  /** Divides the logits before the softmax: a positive finite number (default 1). */
  temperature?: number;
}

/** `evaluate`: the sums always; per-row outputs where asked, `true` (made by the call)
 *  or an array to write into (which may not overlap the logits, the targets or each other). */
export interface EvaluateOptions extends HalfOptions {
  /** Divides the logits before the softmax: a positive finite number (default 1). */
  temperature?: number;
  /** Rows whose target is this are left out of every sum (and give log-probability 0). Default −100. */
  ignoreIndex?: number;
  /** log_softmax(logits / temperature)[target] per row, as {@link Kernels.tokenLogProbs}. */
  logProbs?: boolean | Float32Array;
  /** The entropy of softmax(logits / temperature) per row, as {@link Kernels.entropyFromLogits}. */
  entropy?: boolean | Float32Array;
  /** argmax(logits) per row, as {@link Kernels.argmax}. */
  argmax?: boolean | Int32Array;
}

/** The sums of {@link Kernels.evaluate}. They are plain numbers, so batches (or shards
 *  evaluated on other threads, processes or machines) combine exactly by adding
 *  `nllSum`, `tokens` and `correct`, then dividing as below. */
export interface Evaluation {
  /** Σ −log_softmax(logits / temperature)[target] over the kept rows, in float64. */
  nllSum: number;
  /** Rows whose target is not `ignoreIndex`. */
  tokens: number;
  /** Kept rows whose argmax (first index of the maximum) is the target. */
  correct: number;
  /** nllSum / tokens (NaN when tokens is 0). */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** correct / tokens (NaN when tokens is 0). */
  accuracy: number;
}

/** The per-row part of {@link Kernels.evaluate}'s result: a member for each output
 *  the options ask for (optional where that is only known at run time). */
export type EvaluatedRows<O> = PerRow<O, 'logProbs', Float32Array> & PerRow<O, 'entropy', Float32Array> & PerRow<O, 'argmax', Int32Array>;
/** One per-row output of {@link EvaluatedRows}: present when `O[K]` is `true` or an array. */
export type PerRow<O, K extends keyof EvaluateOptions, A> = O extends { [P in K]: infer V }
  ? [V] extends [false | undefined]
    ? unknown
    : [V] extends [true | A]
      ? { [P in K]: A }
      : { [P in K]?: A }
  : O extends { [P in K]?: infer V }
    ? [V] extends [false | undefined]
      ? unknown
      : { [P in K]?: A }
    : unknown;

/** A loss's result for a reduction R: a `Float32Array` of per-item losses for 'none',
 *  a number for 'mean', 'sum' and 'batchmean', either where R is only known at run time. */
export type LossResult<R> = R extends 'none' ? Float32Array : R extends Reduced | 'batchmean' ? number : number | Float32Array;

/** How `distillationLoss` reduces its per-row values: 'batchmean' (default, ÷ kept rows),
 *  'sum', 'mean' (÷ kept rows × classes, as `F.kl_div`) or 'none' (a `Float32Array(rows)`). */
export type DistillationReduction = 'batchmean' | 'sum' | 'mean' | 'none';

/** `distillationLoss`: per row, with `q = log_softmax(student / T)` and `p = log_softmax(teacher / T)`
 *  (or `teacher` itself with `teacherLogProbs`), a divergence times T². A term whose probability
 *  is 0 adds 0 (0·log 0 = 0). */
export interface DistillationOptions<R extends DistillationReduction = DistillationReduction> {
  /** 'forward' (default): KL(P_teacher ‖ P_student) = Σ eᵖ(p − q); 'reverse': KL(P_student ‖ P_teacher)
   *  = Σ e^q(q − p); 'jsd': β·KL(P_t ‖ M) + (1 − β)·KL(P_s ‖ M), M = β·P_t + (1 − β)·P_s. */
  divergence?: 'forward' | 'reverse' | 'jsd';
  /** T: both sides' logits are divided by it, and the row value multiplied by T² (Hinton's
   *  scaling, so gradients keep their size across temperatures). Positive and finite; default 1. */
  temperature?: number;
  /** β of 'jsd', in (0, 1); default 0.5. */
  beta?: number;
  /** `teacher` already holds log-probabilities (as inference servers return them) and is used as
   *  it is; the temperature then applies to the student only. Default false. */
  teacherLogProbs?: boolean;
  /** Class indices, one per row: rows whose target is `ignoreIndex` are left out (row value and
   *  gradient 0, not counted by 'batchmean' or 'mean'). Absent: every row counts. */
  target?: IndexTargets;
  /** With `target`: the value that leaves a row out. Default −100. */
  ignoreIndex?: number;
  /** Default 'batchmean'. */
  reduction?: R;
  /** With 'none': write the per-row values here. In `distillationLossBackward`: write the gradient here
   *  (it may be `student`, in place). */
  out?: Float32Array;
  /** How to read `student` given as a `Uint16Array` of half-precision bits (see {@link HalfOptions}). */
  dtype?: HalfDtype;
  /** How to read `teacher` given as a `Uint16Array` of half-precision bits (a teacher's logits
   *  from an inference server often are): 'float16' or 'bfloat16'. */
  teacherDtype?: HalfDtype;
}
/** `distillationLossBackward`: `out` receives ∂loss/∂student (it may be `student`, in place), in the format `gradDtype` says. */
export interface DistillationBackwardOptions<
  R extends DistillationReduction = DistillationReduction,
  G extends GradDtype = GradDtype,
  A = GradArray<G>,
> extends Omit<DistillationOptions<R>, 'out'>,
    GradOptions,
    GradDtypeOptions<G> {
  /** Write ∂loss/∂student here (length `student.length`) instead of allocating; may be `student` itself. */
  out?: A;
}
/** `distillationLossWithGrad`: `grad` receives ∂loss/∂student (it may be `student`, in place), in the format
 *  `gradDtype` says; `out` the per-row values of 'none'. */
export interface DistillationWithGradOptions<
  R extends DistillationReduction = DistillationReduction,
  G extends GradDtype = GradDtype,
  A = GradArray<G>,
> extends DistillationOptions<R>,
    GradOptions,
    GradDtypeOptions<G> {
  /** Write ∂loss/∂student here (length `student.length`) instead of allocating; may be `student` itself. */
  grad?: A;
}

/**
 * The operations, as `init()` resolves them. Every array argument is a
 * `Float32Array` of `rows × classes` values (row-major, or channels-first with
 * `spatial`); `classes` is always explicit. Bad input throws a TypeError or
 * RangeError naming the argument, and the next call works.
 *
 * Every function that returns an array takes an `out` to write it into (the
 * row-wise functions as their last argument, the losses and gradients in their
 * options). Without one, each call allocates a fresh array, and on large batches
 * the page faults of that new memory can cost as much as the kernel itself:
 * in a loop, make the result arrays once and pass them every call.
 *
 * Each loss `f` has `fBackward`, which takes the same arguments and options and
 * returns ∂loss/∂input: a `Float32Array` as long as the input, written into
 * `opts.out` where given. `opts.gradOutput` is the upstream gradient: a number
 * (default 1), or with `reduction: 'none'` one value per item of the loss's
 * result (a number is broadcast).
 *
 * @example
 * ```ts
 * const k = await init();
 * const probs = new Float32Array(logits.length), dLogits = new Float32Array(logits.length); // made once
 * k.softmax(logits, classes, probs);                          // written into probs, no allocation
 * const loss = k.crossEntropy(logits, target, classes, { labelSmoothing: 0.1 });
 * k.crossEntropyBackward(logits, target, classes, { labelSmoothing: 0.1, out: dLogits });   // ∂loss/∂logits
 * ```
 */
export interface Kernels {
  /** The build that actually runs. */
  readonly backend: Backend;
  /** Threads actually in use. */
  readonly threads: number;

  /** log Σ exp(x) per row: `Float32Array(rows)`. An all −∞ row gives −∞, a row holding +∞ gives +∞.
   *  @remarks Pass `out` to reuse memory: `k.logSumExp(x, classes, lse)` with `lse = new Float32Array(rows)`. */
  logSumExp(x: Logits, classes: number, out?: Float32Array | LogitsRowwiseOptions): Float32Array;
  /** softmax per row: `Float32Array(x.length)`; `out` may be `x` (in place).
   *  @remarks Pass `out` to reuse memory: `k.softmax(x, classes, probs)`, or `k.softmax(x, classes, x)` in place. */
  softmax(x: Logits, classes: number, out?: Float32Array | LogitsRowwiseOptions): Float32Array;
  /** log-softmax per row: `Float32Array(x.length)`; `out` may be `x` (in place).
   *  @remarks Pass `out` to reuse memory: `k.logSoftmax(x, classes, logProbs)`, or `x` itself in place.
   *  On large batches a fresh result's page faults can cost as much as the kernel (docs/performance.md). */
  logSoftmax(x: Logits, classes: number, out?: Float32Array | LogitsRowwiseOptions): Float32Array;
  /** First index of each row's maximum (a NaN counts as the maximum): `Int32Array(rows)`.
   *  @remarks Pass `out` to reuse memory: `k.argmax(x, classes, predicted)` with `predicted = new Int32Array(rows)`. */
  argmax(x: Logits, classes: number, out?: Int32Array | LogitsRowwiseOptions<Int32Array>): Int32Array;
  /** −Σ p log p per row, with 0·log 0 = 0: `Float32Array(rows)`.
   *  @remarks Pass `out` to reuse memory: `k.entropy(p, classes, h)` with `h = new Float32Array(rows)`. */
  entropy(p: Float32Array, classes: number, out?: Float32Array | RowwiseOptions): Float32Array;
  /** dx = y ⊙ (dy − Σ dy⊙y), y = softmax output: `Float32Array(y.length)`; `out` may be `y` or `dy`.
   *  @remarks Pass `out` to reuse memory: `k.softmaxBackward(y, dy, classes, dy)` overwrites `dy` with dx. */
  softmaxBackward(y: Float32Array, dy: Float32Array, classes: number, out?: Float32Array | RowwiseOptions): Float32Array;
  /** dx = dy − exp(y)·Σ dy, y = logSoftmax output: `Float32Array(y.length)`; `out` may be `y` or `dy`.
   *  @remarks Pass `out` to reuse memory: `k.logSoftmaxBackward(y, dy, classes, dy)` overwrites `dy` with dx. */
  logSoftmaxBackward(y: Float32Array, dy: Float32Array, classes: number, out?: Float32Array | RowwiseOptions): Float32Array;
  /** dx = softmax(x)·dy[row], dy one value per row: `Float32Array(x.length)`; `out` may be `x`.
   *  @remarks Pass `out` to reuse memory: `k.logSumExpBackward(x, dy, classes, dx)`, or `x` itself in place. */
  logSumExpBackward(x: Float32Array, dy: Float32Array, classes: number, out?: Float32Array | RowwiseOptions): Float32Array;

  /** `F.cross_entropy` with class-index or probability targets: a number, or with
   *  `reduction: 'none'` the per-row losses (`Float32Array(rows)`).
   *  @remarks Pass `out` to reuse memory: `{ reduction: 'none', out: losses }`. */
  crossEntropy<R extends Reduction = 'mean'>(
    logits: Logits,
    target: IndexTargets | ProbabilityTargets,
    classes: number,
    opts?: CrossEntropyOptions<R>,
  ): LossResult<R>;
  /** ∂crossEntropy/∂logits: the same arguments and options as {@link Kernels.crossEntropy},
   *  returning a `Float32Array(logits.length)`. `opts.gradOutput`: a number (default 1), or
   *  with 'none' one value per row.
   *  @remarks Pass `out` to reuse memory: `{ out: dLogits }`, or `{ out: logits }` in place.
   *  @example
   *  ```ts
   *  const loss = k.crossEntropy(logits, target, C, { weight });
   *  k.crossEntropyBackward(logits, target, C, { weight, out: dLogits });
   *  ```
   */
  crossEntropyBackward<R extends Reduction = 'mean', G extends GradDtype = 'float32', A extends GradArray<G> = NewGradArray<G>>(
    logits: Logits,
    target: IndexTargets | ProbabilityTargets,
    classes: number,
    opts?: CrossEntropyBackwardOptions<R, G, A>,
  ): A;
  /** Loss and ∂loss/∂logits in one fused pass (the call a training step makes); `opts.grad` may be `logits` (in place).
   *  @remarks Pass `grad` (and with 'none' `out`) to reuse memory: `{ grad: dLogits }`, or `{ grad: logits }` in place. */
  crossEntropyWithGrad<R extends Reduction = 'mean', G extends GradDtype = 'float32', A extends GradArray<G> = NewGradArray<G>>(
    logits: Logits,
    target: IndexTargets | ProbabilityTargets,
    classes: number,
    opts?: CrossEntropyWithGradOptions<R, G, A>,
  ): {
    /** The loss, as {@link Kernels.crossEntropy} returns it (written into `opts.out` with 'none'). */
    loss: LossResult<R>;
    /** ∂loss/∂logits (`opts.grad` where given): a `Float32Array`, or half-precision bits with `gradDtype`. */
    grad: A;
    /** The z-terms' share of `loss` (`opts.zLoss`; 0 without it), under the same reduction;
     *  with 'none', the sum of the rows' z-terms (each row's is inside its `loss` value). */
    zLoss: number;
  };
  /** `F.nll_loss` of log-probabilities: a number, or with `reduction: 'none'` the per-row losses.
   *  @remarks Pass `out` to reuse memory: `{ reduction: 'none', out: losses }`. */
  nllLoss<R extends Reduction = 'mean'>(
    logProbs: Float32Array,
    target: IndexTargets,
    classes: number,
    opts?: NllLossOptions<R>,
  ): LossResult<R>;
  /** ∂nllLoss/∂logProbs: the same arguments and options as {@link Kernels.nllLoss}, returning a
   *  `Float32Array(logProbs.length)`. `opts.gradOutput`: a number (default 1), or with 'none' one value per row.
   *  @remarks Pass `out` to reuse memory: `{ out: dLogProbs }`, or `{ out: logProbs }` in place.
   *  @example
   *  ```ts
   *  const loss = k.nllLoss(logProbs, target, C);
   *  k.nllLossBackward(logProbs, target, C, { out: dLogProbs });
   *  ```
   */
  nllLossBackward<R extends Reduction = 'mean'>(
    logProbs: Float32Array,
    target: IndexTargets,
    classes: number,
    opts?: NllLossBackwardOptions<R>,
  ): Float32Array;
  /** `F.kl_div` (input = log q): a number, or with `reduction: 'none'` the per-element losses.
   *  @remarks Pass `out` to reuse memory: `{ reduction: 'none', out: losses }`. */
  klDiv<R extends Reduction | 'batchmean' = 'mean'>(
    input: Float32Array,
    target: Float32Array,
    classes: number,
    opts?: KlDivOptions<R>,
  ): LossResult<R>;
  /** ∂klDiv/∂input: the same arguments and options as {@link Kernels.klDiv}, returning a
   *  `Float32Array(input.length)`. `opts.gradOutput`: a number (default 1), or with 'none' one value per element.
   *  @remarks Pass `out` to reuse memory: `{ out: dInput }`, or `{ out: input }` in place.
   *  @example
   *  ```ts
   *  const loss = k.klDiv(logQ, p, C, { reduction: 'batchmean' });
   *  k.klDivBackward(logQ, p, C, { reduction: 'batchmean', out: dLogQ });
   *  ```
   */
  klDivBackward<R extends Reduction | 'batchmean' = 'mean'>(
    input: Float32Array,
    target: Float32Array,
    classes: number,
    opts?: KlDivBackwardOptions<R>,
  ): Float32Array;
  /** `F.mse_loss`: a number, or with `reduction: 'none'` the per-element losses.
   *  @remarks Pass `out` to reuse memory: `{ reduction: 'none', out: losses }`. */
  mseLoss<R extends Reduction = 'mean'>(input: Float32Array, target: Float32Array, opts?: MseLossOptions<R>): LossResult<R>;
  /** ∂mseLoss/∂input: the same arguments and options as {@link Kernels.mseLoss}, returning a
   *  `Float32Array(input.length)`. `opts.gradOutput`: a number (default 1), or with 'none' one value per element.
   *  @remarks Pass `out` to reuse memory: `{ out: dInput }`, or `{ out: input }` in place.
   *  @example
   *  ```ts
   *  const loss = k.mseLoss(prediction, target);
   *  k.mseLossBackward(prediction, target, { out: dPrediction });
   *  ```
   */
  mseLossBackward<R extends Reduction = 'mean'>(input: Float32Array, target: Float32Array, opts?: MseLossBackwardOptions<R>): Float32Array;
  /** `F.binary_cross_entropy_with_logits`: a number, or with `reduction: 'none'` the per-element losses.
   *  @remarks Pass `out` to reuse memory: `{ reduction: 'none', out: losses }`. */
  binaryCrossEntropyWithLogits<R extends Reduction = 'mean'>(
    input: Float32Array,
    target: Float32Array,
    opts?: BceWithLogitsOptions<R>,
  ): LossResult<R>;
  /** ∂binaryCrossEntropyWithLogits/∂input: the same arguments and options as
   *  {@link Kernels.binaryCrossEntropyWithLogits}, returning a `Float32Array(input.length)`.
   *  `opts.gradOutput`: a number (default 1), or with 'none' one value per element.
   *  @remarks Pass `out` to reuse memory: `{ out: dInput }`, or `{ out: input }` in place.
   *  @example
   *  ```ts
   *  const loss = k.binaryCrossEntropyWithLogits(z, y, { posWeight });
   *  k.binaryCrossEntropyWithLogitsBackward(z, y, { posWeight, out: dz });
   *  ```
   */
  binaryCrossEntropyWithLogitsBackward<R extends Reduction = 'mean'>(
    input: Float32Array,
    target: Float32Array,
    opts?: BceWithLogitsBackwardOptions<R>,
  ): Float32Array;

  /** log_softmax(logits / temperature)[target] per row: `Float32Array(rows)`, 0 where the
   *  target is `ignoreIndex` — the log-probability a language model gives each next token.
   *  @remarks Pass `out` to reuse memory: `{ out: logProbs }`. A target outside [0, classes) that
   *  is not `ignoreIndex` is a RangeError, as in {@link Kernels.crossEntropy}.
   *  @example
   *  ```ts
   *  // transformers.js-style logits [seq, vocab] and the next tokens
   *  const lp = k.tokenLogProbs(logits, nextTokens, vocab);
   *  ```
   */
  tokenLogProbs(logits: Logits, target: IndexTargets, classes: number, opts?: TokenLogProbsOptions): Float32Array;
  /** The entropy of softmax(logits / temperature) per row, −Σ p log p with 0·log 0 = 0 (as
   *  `torch.distributions.Categorical(logits).entropy()`), without making p: `Float32Array(rows)`.
   *  @remarks Pass `out` to reuse memory: `k.entropyFromLogits(logits, classes, h)` or `{ out: h, temperature }`. */
  entropyFromLogits(logits: Logits, classes: number, out?: Float32Array | EntropyFromLogitsOptions): Float32Array;
  /** Loss, perplexity and accuracy of a language model's logits in one pass: `nllSum`, `tokens`,
   *  `correct` and what follows from them, and per row the `logProbs`, `entropy` and `argmax`
   *  asked for in `opts` (`true`, or an array to write into). Batches combine by adding the sums.
   *  @example
   *  ```ts
   *  let nll = 0, tokens = 0;
   *  for (const { logits, target } of batches) {
   *    const e = k.evaluate(logits, target, vocab);
   *    nll += e.nllSum;
   *    tokens += e.tokens;
   *  }
   *  const perplexity = Math.exp(nll / tokens);
   *  ```
   */
  evaluate<O extends EvaluateOptions = Record<never, never>>(
    logits: Logits,
    target: IndexTargets,
    classes: number,
    opts?: O,
  ): Evaluation & EvaluatedRows<O>;

  /** Knowledge distillation: per row the divergence `opts.divergence` (default forward KL) between
   *  softmax(student / T) and softmax(teacher / T), times T², reduced by `opts.reduction` (default
   *  'batchmean'): a number, or with 'none' the per-row values. One call, row by row.
   *  @remarks Pass `out` to reuse memory with 'none': `{ reduction: 'none', out: values }`. */
  distillationLoss<R extends DistillationReduction = 'batchmean'>(
    student: Logits,
    teacher: Logits,
    classes: number,
    opts?: DistillationOptions<R>,
  ): LossResult<R>;
  /** ∂distillationLoss/∂student: the same arguments and options as {@link Kernels.distillationLoss},
   *  returning a `Float32Array(student.length)`. `opts.gradOutput`: a number (default 1), or with
   *  'none' one value per row. Forward KL's is T·(softmax(student / T) − P_teacher) per row, over the
   *  reduction's divisor.
   *  @remarks Pass `out` to reuse memory: `{ out: dStudent }`, or `{ out: student }` in place. */
  distillationLossBackward<
    R extends DistillationReduction = 'batchmean',
    G extends GradDtype = 'float32',
    A extends GradArray<G> = NewGradArray<G>,
  >(student: Logits, teacher: Logits, classes: number, opts?: DistillationBackwardOptions<R, G, A>): A;
  /** Loss and ∂loss/∂student in one fused pass (a training step's call); `opts.grad` may be `student` (in place).
   *  @remarks Pass `grad` (and with 'none' `out`) to reuse memory: `{ grad: dStudent }`, or `{ grad: student }` in place.
   *  @example
   *  ```ts
   *  const { loss, grad } = k.distillationLossWithGrad(studentLogits, teacherLogits, vocab, { temperature: 2, grad: dLogits });
   *  ```
   */
  distillationLossWithGrad<
    R extends DistillationReduction = 'batchmean',
    G extends GradDtype = 'float32',
    A extends GradArray<G> = NewGradArray<G>,
  >(
    student: Logits,
    teacher: Logits,
    classes: number,
    opts?: DistillationWithGradOptions<R, G, A>,
  ): {
    /** The loss, as {@link Kernels.distillationLoss} returns it (written into `opts.out` with 'none'). */
    loss: LossResult<R>;
    /** ∂loss/∂student (`opts.grad` where given): a `Float32Array`, or half-precision bits with `gradDtype`. */
    grad: A;
  };

  /** A Float32Array of `length` in the kernel's own memory: passing it skips every copy. */
  f32(length: number): Float32Array;
  /** An Int32Array of `length` in the kernel's own memory (e.g. targets). */
  i32(length: number): Int32Array;
  /** A Uint16Array of `length` in the kernel's own memory, for half-precision logits
   *  (pass `dtype` with it): read where it lies, never copied whole.
   *  @example
   *  ```ts
   *  const x = k.u16(rows * vocab); // fill with bfloat16 bits
   *  const loss = k.crossEntropy(x, target, vocab, { dtype: 'bfloat16' });
   *  ```
   */
  u16(length: number): Uint16Array;
  /** Gives a view from f32/i32/u16 back; using it afterwards is a TypeError. */
  free(view: Float32Array | Int32Array | Uint16Array): void;
  /** Ends the instance (and its worker pool); every call afterwards throws. */
  dispose(): void;
}
