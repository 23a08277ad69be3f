// The public operations: validate (validate.ts), run a backend's kernels
// (kernels.ts), and turn their sums into PyTorch's reductions. Everything
// here is shared by all backends, so the semantics cannot drift between them.
import type { F32, I32, Kernels, Elementwise } from './kernels.js';
import type { Logits, Kernels as PublicKernels } from './types.js';
import { separate, type Named } from './aliasing.js';
import { kindOf } from './arrays.js';
import { isFreed, markFreed } from './views.js';
import { memoryOf, type MaybeHalf } from './half.js';
import { checkedGrad, gradInPlace } from './grad.js';
import { scoringOperations } from './scoring.js';
import { distillationOperations } from './distillation.js';
import * as v from './validate.js';

type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS = ['mean', 'sum', 'none'] as const;
const KL_REDUCTIONS = [...REDUCTIONS, 'batchmean'] as const;

/** Each family's option names, made once (small calls feel every allocation);
 *  backward functions add theirs (validate.ts's *_KEYS). */
const CLASS_LOSS = ['reduction', 'weight', 'ignoreIndex', 'out', 'spatial'];
const KEYS = {
  rowwise: ['out', 'spatial'],
  halfRowwise: ['out', 'spatial', 'dtype'],
  nllLoss: CLASS_LOSS,
  crossEntropy: [...CLASS_LOSS, 'labelSmoothing', 'softcap', 'zLoss', 'dtype'],
  bce: ['reduction', 'weight', 'posWeight', 'out'],
  klDiv: ['reduction', 'logTarget', 'out'],
  mseLoss: ['reduction', 'out'],
} as const satisfies Record<string, readonly string[]>;

/** Row-wise functions take `out` or `{ out, spatial }` as their last argument
 *  (`{ out, spatial, dtype }` where the input may be half precision). */
function rowwiseOptions(last: unknown, halves = false): v.Options {
  if (kindOf(last) !== undefined) return { out: last };
  return v.options(last, halves ? KEYS.halfRowwise : KEYS.rowwise);
}

function spatialOf(o: v.Options): number {
  if (o.spatial === undefined) return 1;
  const s = v.integer('spatial', o.spatial, 1);
  if (s < 1) throw new RangeError(`spatial must be a positive integer, got ${s}`);
  return s;
}

/** Probability targets are a float array (PyTorch decides by dtype too). */
function isProbabilities(t: unknown): boolean {
  const kind = kindOf(t);
  return kind === 'Float32Array' || kind === 'Float64Array';
}

/** Where an output may be exactly an input's memory (out name → input names). */
const IN_PLACE = {
  rowwise: { out: ['x'] },
  rowwiseBackward: { out: ['y', 'dy'] },
  logSumExpBackward: { out: ['x'] },
  crossEntropy: { out: ['logits'], grad: ['logits'] },
  nllLoss: { out: ['logProbs'] },
  elementwise: { out: ['input', 'target'] },
} as const;

/** The array a call returns: the caller's own `out` object where one was
 *  given (the kernels wrote into its memory through a plain view), else the
 *  array the call made. */
function given<T>(callers: unknown, made: T): T {
  return (callers === undefined || callers === null || made === null ? made : callers) as T;
}

/** What the operations run on after dispose(): every kernel call throws. */
const DISPOSED = new Proxy({} as Kernels, {
  get: (_, key) =>
    key === 'dispose'
      ? undefined
      : () => {
          throw new Error('simdloss: this kernel object was disposed; call init() for a new one');
        },
});

/** The public operations (types.ts) without what init() adds. */
export type Operations = Omit<PublicKernels, 'backend' | 'threads'>;
/** The implementations' own signatures are looser than the public overloads
 *  (they validate at run time what the types promise): each must take the
 *  public arguments, whatever it returns. */
type Loosely<T> = { [K in keyof T]: T[K] extends (...a: infer A) => unknown ? (...a: A) => unknown : T[K] };

export function createApi(kernels: Kernels): Operations {
  let k = kernels;
  /** Views this instance handed out (k.f32 / k.i32 / k.u16): the only ones free() takes. */
  const made = new WeakSet<object>();
  const key = (buffer: ArrayBufferLike) => k.memoryKey(buffer);
  /** The outputs [name, the caller's value, its view] checked against the
   *  inputs (aliasing.ts); outputs the call made itself cannot alias, so
   *  without one from the caller nothing is checked and inputs() not built. */
  function outputs<T extends F32 | I32 | Uint16Array | null>(
    inputs: () => Named[],
    outs: [string, unknown, T][],
    inPlace: Record<string, readonly string[]> = {},
  ): T[] {
    const checked: [string, T][] = [];
    let any = false;
    for (const [name, given, a] of outs) {
      any ||= given !== undefined && given !== null;
      checked.push([name, a]);
    }
    return any ? separate(key, inputs(), checked, inPlace) : checked.map(([, a]) => a);
  }
  const madeHere = <T extends F32 | I32 | Uint16Array>(view: T): T => {
    made.add(view);
    return view;
  };

  /** The batch of a row-wise op, its options and shape. */
  function rowwiseInput(name: string, input: unknown, classes: unknown, last: unknown) {
    const o = rowwiseOptions(last);
    return shaped(o, v.floats(name, input), name, classes);
  }
  /** rowwiseInput for the ops whose input may be half precision (half.ts). */
  function rowwiseLogits(name: string, input: unknown, classes: unknown, last: unknown) {
    const o = rowwiseOptions(last, true);
    return shaped(o, v.logits(name, input, o.dtype), name, classes);
  }
  function shaped<X extends MaybeHalf>(o: v.Options, x: X, name: string, classes: unknown) {
    const S = spatialOf(o);
    return { o, x, S, rows: v.rowsOf(x, name, classes, S), C: classes as number };
  }

  /** x → per-row (or per-element) result, for the one-input row-wise ops;
   *  read: rowwiseLogits where x may be half precision, else rowwiseInput. */
  function rowwise<T extends F32 | I32, X extends MaybeHalf>(
    name: string,
    input: unknown,
    classes: unknown,
    last: unknown,
    perRow: boolean,
    Kind: { new (n: number): T; name: string },
    run: (x: X, C: number, out: T, S: number) => void,
    read: (name: string, input: unknown, classes: unknown, last: unknown) => ReturnType<typeof shaped<X>>,
  ): T {
    const { o, x, S, rows, C } = read(name, input, classes, last);
    const [out] = outputs(
      () => [[name, memoryOf(x)]],
      [['out', o.out, v.outArray(o.out, Kind, perRow ? rows : x.length)]],
      perRow ? {} : IN_PLACE.rowwise,
    );
    run(x, C, out, S);
    return given(o.out, out);
  }

  /** (y, dy) → dx for the row-wise backward ops; dy is per row for logSumExp. */
  function rowwiseBackward(
    yName: string,
    y0: unknown,
    dy0: unknown,
    classes: unknown,
    last: unknown,
    dyPerRow: boolean,
    run: (y: F32, dy: F32, C: number, out: F32, S: number) => void,
  ): F32 {
    const { o, x: y, S, rows, C } = rowwiseInput(yName, y0, classes, last);
    const dy = v.floatsOfLength('dy', dy0, dyPerRow ? rows : y.length);
    const inPlace = dyPerRow ? IN_PLACE.logSumExpBackward : IN_PLACE.rowwiseBackward;
    const [out] = outputs(
      () => [
        [yName, y],
        ['dy', dy],
      ],
      [['out', o.out, v.outArray(o.out, Float32Array, y.length)]],
      inPlace,
    );
    run(y, dy, C, out, S);
    return given(o.out, out);
  }

  /** What the class losses share: batch, shape, reduction, weight and ignoreIndex;
   *  read: v.logits where the input may be half precision (keys then include 'dtype'). */
  function classLossInput<X extends MaybeHalf>(
    name: string,
    input: unknown,
    classes: unknown,
    opts: unknown,
    keys: readonly string[],
    extra: readonly string[],
    read: (name: string, v: unknown, dtype: unknown) => X,
  ) {
    const o = v.options(opts, keys, extra);
    const x0 = read(name, input, o.dtype);
    const S = spatialOf(o);
    const rows = v.rowsOf(x0, name, classes, S);
    const C = classes as number;
    return {
      o,
      x0,
      S,
      rows,
      C,
      reduction: v.oneOf<Reduction>('reduction', o.reduction, REDUCTIONS, 'mean'),
      weight: v.optionalFloats('weight', o.weight, C),
      ignoreIndex: v.integer('ignoreIndex', o.ignoreIndex, -100),
    };
  }

  /** Class-index targets, every one in [0, C) or ignoreIndex. */
  function checkedTargets(target: unknown, rows: number, C: number, ignoreIndex: number): I32 {
    const t = v.indexTargets('target', target, rows);
    const bad = k.badTarget(t, C, ignoreIndex);
    if (bad >= 0) throw new RangeError(`target[${bad}] is ${t[bad]}: not a class index in [0, ${C}) nor ignoreIndex (${ignoreIndex})`);
    return t;
  }

  /** lossOut: `out` is the per-row loss (forward), not the gradient (backward). */
  function crossEntropyCall(logits: unknown, target: unknown, classes: unknown, opts: unknown, extra: readonly string[], lossOut: boolean) {
    const c = classLossInput('logits', logits, classes, opts, KEYS.crossEntropy, extra, v.logits);
    const { o, x0, S, rows, C, reduction, weight, ignoreIndex } = c;
    const smoothing = v.inRange('labelSmoothing', o.labelSmoothing, 0, 1, 0);
    const softcap = v.finite('softcap', o.softcap, 0, true, 0); // 0: off
    const zLoss = v.finite('zLoss', o.zLoss, 0, false, 0);
    let q: F32 | null = null,
      t: I32 | null = null;
    if (isProbabilities(target)) {
      if (ignoreIndex >= 0) throw new RangeError(`ignoreIndex (${ignoreIndex}) cannot be used with probability targets`);
      q = v.probabilities('target', target, x0.length);
    } else {
      t = checkedTargets(target, rows, C, ignoreIndex);
    }
    const out = lossOut && reduction === 'none' ? v.outArray(o.out, Float32Array, rows) : null;
    // Spelled out: V8 (Node 20) takes microseconds over a spread with extra keys.
    // z: the z-terms' share of the loss, which crossEntropyRun sets.
    return { o, x0, S, rows, C, reduction, weight, ignoreIndex, smoothing, softcap, zLoss, q, t, out, z: 0 };
  }

  /** The arrays a cross-entropy call reads, for outputs(). */
  const ceInputs = (c: CeCall, gradOut: F32 | null): Named[] => [
    ['logits', memoryOf(c.x0)],
    ['target', c.q ?? c.t],
    ['weight', c.weight],
    ['gradOutput', gradOut],
  ];
  type CeCall = ReturnType<typeof crossEntropyCall>;

  /** Σ_c w_c, the smoothing term's total weight. */
  const weightTotal = (weight: F32 | null, C: number) => (weight ? weight.reduce((a, b) => a + b, 0) : C);

  /** Runs the cross-entropy kernel, optionally with its gradient into grad (laid out as the logits);
   *  returns the loss (reduced) and sets c.z, the z-terms' share of it ('none': their sum). */
  function crossEntropyRun(c: CeCall, sums: boolean, grad: MaybeHalf | null, g: { scale: number; array: F32 | null }) {
    const { x0: x, C, S, rows, weight, smoothing: eps, reduction, zLoss, softcap } = c;
    // 'mean' divides by the rows (probability targets) or by Σ w_t of the kept
    // rows (index targets; the smoothing term too), which the gradient needs first;
    // the z-terms by the kept rows (every row, with probability targets).
    if (c.q) {
      const gradScale = reduction === 'mean' ? g.scale / rows : g.scale;
      const [total, zSum] = k.crossEntropyProb({
        x,
        q: c.q,
        classes: C,
        spatial: S,
        weight,
        smoothing: eps,
        out: c.out,
        sums,
        grad,
        gradScale,
        gradOut: g.array,
        zLoss,
        softcap,
      });
      c.z = zLoss > 0 ? zLoss * (reduction === 'mean' ? zSum / rows : zSum) : 0;
      return (reduction === 'mean' ? total / rows : total) + c.z;
    }
    const t = c.t!;
    const mean = reduction === 'mean';
    const W = mean && grad ? k.targetWeight(t, weight, C, c.ignoreIndex) : 1;
    const kept = mean && zLoss > 0 ? (weight === null && grad ? W : k.targetWeight(t, null, C, c.ignoreIndex)) : 1;
    const scale = mean ? g.scale / W : g.scale;
    const [nll, wSum, smooth, zSum] = k.crossEntropyIndex({
      x,
      target: t,
      classes: C,
      spatial: S,
      weight,
      weightTotal: weightTotal(weight, C),
      ignoreIndex: c.ignoreIndex,
      smoothing: eps,
      out: c.out,
      sums,
      grad,
      gradNll: (1 - eps) * scale,
      gradSmooth: (eps / C) * scale,
      gradOut: g.array,
      zLoss,
      gradZ: 2 * zLoss * (g.scale / kept),
      softcap,
    });
    c.z = zLoss > 0 ? zLoss * (zSum / kept) : 0; // all ignored: 0/0 under 'mean', as PyTorch's mean of nothing
    // 'mean' divides each part by Σ w_t, as PyTorch does: with weights whose
    // kept sum is 0 that is 0/0 for the NLL part, so NaN, never ±∞.
    if (mean) return (1 - eps) * (nll / wSum) + (eps > 0 ? (eps / C) * (smooth / wSum) : 0) + c.z;
    return (1 - eps) * nll + (eps > 0 ? (eps / C) * smooth : 0) + c.z;
  }

  /** What a loss returns: the per-item array for 'none', the reduced number otherwise. */
  function lossResult(reduction: string, total: number, out: F32 | null): number | F32 {
    return reduction === 'none' ? out! : total;
  }

  /** Shared by mseLoss, klDiv and BCE: validated inputs of the same length. */
  function elementwiseCall(input: unknown, target: unknown, o: v.Options, reductions: readonly string[]) {
    const a = v.floats('input', input);
    const b = v.floatsOfLength('target', target, a.length);
    const reduction = v.oneOf('reduction', o.reduction, reductions, 'mean');
    return { a, b, reduction };
  }

  function bceCall(input: unknown, target: unknown, opts: unknown, extra: readonly string[]) {
    const o = v.options(opts, KEYS.bce, extra);
    const { a, b, reduction } = elementwiseCall(input, target, o, REDUCTIONS);
    const w = v.broadcastWeight('weight', o.weight, a.length);
    const pw = v.broadcastWeight('posWeight', o.posWeight, a.length);
    return { o, a, b, reduction, w, pw, op: 'bce' as Elementwise, divisor: a.length };
  }

  function klCall(input: unknown, target: unknown, classes: unknown, opts: unknown, extra: readonly string[]) {
    const o = v.options(opts, KEYS.klDiv, extra);
    const { a, b, reduction } = elementwiseCall(input, target, o, KL_REDUCTIONS);
    const rows = v.rowsOf(a, 'input', classes);
    const op: Elementwise = v.bool('logTarget', o.logTarget, false) ? 'klLog' : 'kl';
    return { o, a, b, reduction, w: null, pw: null, op, divisor: reduction === 'batchmean' ? rows : a.length };
  }

  function mseCall(input: unknown, target: unknown, opts: unknown, extra: readonly string[]) {
    const o = v.options(opts, KEYS.mseLoss, extra);
    const { a, b, reduction } = elementwiseCall(input, target, o, REDUCTIONS);
    return { o, a, b, reduction, w: null, pw: null, op: 'mse' as Elementwise, divisor: a.length };
  }
  /** A validated elementwise loss call; divisor is what 'mean' (or 'batchmean') divides by. */
  interface EwCall {
    o: v.Options;
    a: F32;
    b: F32;
    reduction: string;
    w: F32 | null;
    pw: F32 | null;
    op: Elementwise;
    divisor: number;
  }

  const ewInputs = (c: EwCall, gradOut: F32 | null = null): Named[] => [
    ['input', c.a],
    ['target', c.b],
    ['weight', c.w],
    ['posWeight', c.pw],
    ['gradOutput', gradOut],
  ];

  function elementwiseLoss(c: EwCall): number | F32 {
    const [out] = outputs(
      () => ewInputs(c),
      [['out', c.o.out, c.reduction === 'none' ? v.outArray(c.o.out, Float32Array, c.a.length) : null]],
      IN_PLACE.elementwise,
    );
    const total = k.elementwise({ op: c.op, a: c.a, b: c.b, w: c.w, pw: c.pw, out, sums: out === null });
    return lossResult(c.reduction, c.reduction === 'sum' || c.reduction === 'none' ? total : total / c.divisor, given(c.o.out, out));
  }

  function elementwiseGrad(c: EwCall): F32 {
    const g = v.gradOutput(c.o.gradOutput, c.reduction, c.a.length);
    const [grad] = outputs(
      () => ewInputs(c, g.array),
      [['out', c.o.out, v.outArray(c.o.out, Float32Array, c.a.length)]],
      IN_PLACE.elementwise,
    );
    const scale = c.reduction === 'sum' || c.reduction === 'none' ? g.scale : g.scale / c.divisor;
    k.elementwiseBackward({ op: c.op, a: c.a, b: c.b, w: c.w, pw: c.pw, grad, gradScale: scale, gradOut: g.array });
    return given(c.o.out, grad);
  }

  function nllCall(logProbs: unknown, target: unknown, classes: unknown, opts: unknown, extra: readonly string[]) {
    const c = classLossInput('logProbs', logProbs, classes, opts, KEYS.nllLoss, extra, (name, x) => v.floats(name, x));
    const { o, x0, S, rows, C, reduction, weight, ignoreIndex } = c;
    return { o, lp: x0, S, rows, C, reduction, weight, ignoreIndex, t: checkedTargets(target, rows, C, ignoreIndex) };
  }
  const nllInputs = (c: ReturnType<typeof nllCall>, gradOut: F32 | null): Named[] => [
    ['logProbs', c.lp],
    ['target', c.t],
    ['weight', c.weight],
    ['gradOutput', gradOut],
  ];

  /** tokenLogProbs, entropyFromLogits and evaluate (scoring.ts). */
  const scoring = scoringOperations({ kernels: () => k, outputs, checkedTargets, given });
  /** distillationLoss, its Backward and WithGrad (distillation.ts). */
  const distillation = distillationOperations({ kernels: () => k, outputs, checkedTargets, given });

  const api = {
    logSumExp: (x: Logits, classes: number, last?: unknown) =>
      rowwise('x', x, classes, last, true, Float32Array, k.logSumExp, rowwiseLogits),
    softmax: (x: Logits, classes: number, last?: unknown) => rowwise('x', x, classes, last, false, Float32Array, k.softmax, rowwiseLogits),
    logSoftmax: (x: Logits, classes: number, last?: unknown) =>
      rowwise('x', x, classes, last, false, Float32Array, k.logSoftmax, rowwiseLogits),
    argmax: (x: Logits, classes: number, last?: unknown) => rowwise('x', x, classes, last, true, Int32Array, k.argmax, rowwiseLogits),
    entropy: (p: F32, classes: number, last?: unknown) => rowwise('p', p, classes, last, true, Float32Array, k.entropy, rowwiseInput),
    softmaxBackward: (y: F32, dy: F32, classes: number, last?: unknown) =>
      rowwiseBackward('y', y, dy, classes, last, false, k.softmaxBackward),
    logSoftmaxBackward: (y: F32, dy: F32, classes: number, last?: unknown) =>
      rowwiseBackward('y', y, dy, classes, last, false, k.logSoftmaxBackward),
    logSumExpBackward: (x: F32, dy: F32, classes: number, last?: unknown) =>
      rowwiseBackward('x', x, dy, classes, last, true, k.logSumExpBackward),

    crossEntropy(logits: Logits, target: ArrayLike<number>, classes: number, opts?: object): number | F32 {
      const c = crossEntropyCall(logits, target, classes, opts, v.NO_KEYS, true);
      outputs(() => ceInputs(c, null), [['out', c.o.out, c.out]]);
      const total = crossEntropyRun(c, c.out === null, null, { scale: 1, array: null });
      return lossResult(c.reduction, total, given(c.o.out, c.out));
    },

    crossEntropyBackward(logits: Logits, target: ArrayLike<number>, classes: number, opts?: object): F32 | Uint16Array {
      const c = crossEntropyCall(logits, target, classes, opts, v.HALF_BACKWARD_KEYS, false);
      const g = v.gradOutput(c.o.gradOutput, c.reduction, c.rows);
      const grad = v.gradArray('out', c.o.out, v.gradDtype(c.o.gradDtype), c.x0.length);
      const [checked] = outputs(
        () => ceInputs(c, g.array),
        [['out', c.o.out, memoryOf(grad)]],
        gradInPlace(IN_PLACE.crossEntropy, 'out', c.x0, grad),
      );
      crossEntropyRun(c, false, checkedGrad(checked, grad, c.x0), g);
      return given(c.o.out, memoryOf(grad));
    },

    crossEntropyWithGrad(logits: Logits, target: ArrayLike<number>, classes: number, opts?: object) {
      const c = crossEntropyCall(logits, target, classes, opts, v.WITH_GRAD_KEYS, true);
      const g = v.gradOutput(c.o.gradOutput, c.reduction, c.rows);
      const grad = v.gradArray('grad', c.o.grad, v.gradDtype(c.o.gradDtype), c.x0.length);
      const [out, checked] = outputs<F32 | Uint16Array | null>(
        () => ceInputs(c, g.array),
        [
          ['out', c.o.out, c.out],
          ['grad', c.o.grad, memoryOf(grad)],
        ],
        gradInPlace(IN_PLACE.crossEntropy, 'grad', c.x0, grad),
      );
      c.out = out as typeof c.out;
      const total = crossEntropyRun(c, c.out === null, checkedGrad(checked, grad, c.x0), g);
      return { loss: lossResult(c.reduction, total, given(c.o.out, c.out)), grad: given(c.o.grad, memoryOf(grad)), zLoss: c.z };
    },

    nllLoss(logProbs: F32, target: ArrayLike<number>, classes: number, opts?: object): number | F32 {
      const c = nllCall(logProbs, target, classes, opts, v.NO_KEYS);
      const [out] = outputs(
        () => nllInputs(c, null),
        [['out', c.o.out, c.reduction === 'none' ? v.outArray(c.o.out, Float32Array, c.rows) : null]],
      );
      const [nll, wSum] = k.nll({
        lp: c.lp,
        target: c.t,
        classes: c.C,
        spatial: c.S,
        weight: c.weight,
        ignoreIndex: c.ignoreIndex,
        out,
        sums: !out,
      });
      return lossResult(c.reduction, c.reduction === 'mean' ? nll / wSum : nll, given(c.o.out, out));
    },

    nllLossBackward(logProbs: F32, target: ArrayLike<number>, classes: number, opts?: object): F32 {
      const c = nllCall(logProbs, target, classes, opts, v.BACKWARD_KEYS);
      const g = v.gradOutput(c.o.gradOutput, c.reduction, c.rows);
      const [grad] = outputs(
        () => nllInputs(c, g.array),
        [['out', c.o.out, v.outArray(c.o.out, Float32Array, c.lp.length)]],
        IN_PLACE.nllLoss,
      );
      const W = c.reduction === 'mean' ? k.targetWeight(c.t, c.weight, c.C, c.ignoreIndex) : 1;
      k.nllBackward({
        target: c.t,
        classes: c.C,
        spatial: c.S,
        weight: c.weight,
        ignoreIndex: c.ignoreIndex,
        grad,
        gradScale: g.scale / W,
        gradOut: g.array,
      });
      return given(c.o.out, grad);
    },

    klDiv: (input: F32, target: F32, classes: number, opts?: object) => elementwiseLoss(klCall(input, target, classes, opts, v.NO_KEYS)),
    klDivBackward: (input: F32, target: F32, classes: number, opts?: object) =>
      elementwiseGrad(klCall(input, target, classes, opts, v.BACKWARD_KEYS)),
    mseLoss: (input: F32, target: F32, opts?: object) => elementwiseLoss(mseCall(input, target, opts, v.NO_KEYS)),
    mseLossBackward: (input: F32, target: F32, opts?: object) => elementwiseGrad(mseCall(input, target, opts, v.BACKWARD_KEYS)),
    binaryCrossEntropyWithLogits: (input: F32, target: F32, opts?: object) => elementwiseLoss(bceCall(input, target, opts, v.NO_KEYS)),
    binaryCrossEntropyWithLogitsBackward: (input: F32, target: F32, opts?: object) =>
      elementwiseGrad(bceCall(input, target, opts, v.BACKWARD_KEYS)),

    ...scoring,
    ...distillation,

    f32: (length: number) => madeHere(k.f32(viewLength(length))),
    i32: (length: number) => madeHere(k.i32(viewLength(length))),
    u16: (length: number) => madeHere(k.u16(viewLength(length))),
    /** Drops the kernels, and with them the wasm instance and its memory. */
    dispose() {
      k.dispose?.();
      k = DISPOSED;
    },
    free(view: F32 | I32 | Uint16Array) {
      if (!made.has(view as object)) {
        const was = isFreed(view) ? 'was freed already' : 'was not made by this kernel (k.f32 / k.i32 / k.u16)';
        throw new TypeError(`free: view ${was}`);
      }
      made.delete(view);
      markFreed(view);
      k.free(view);
    },
  } satisfies Loosely<Operations>;
  // The one cast: run-time validation stands behind the return types of the overloads.
  return api as unknown as Operations;
}

function viewLength(n: unknown): number {
  if (typeof n !== 'number') throw new TypeError(`length must be a number, got ${typeof n}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`length must be a non-negative integer, got ${n}`);
  return n;
}
