// The kernels as every build of assembly/index.ts exports them, and a kernel
// call as data (a Call), which the calling thread runs itself or hands to the
// worker pool.

/** A byte address in the kernel memory. */
export type Ptr = number;
/** The kernels as assembly/index.ts exports them (all pointers are byte addresses). */
export interface Exports {
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
  /** crossEntropyProb's partial slots per block (PROB_SLOTS in cross_entropy_prob.ts). */
  probSlots(): number;
  /** nll's partial slots per block (NLL_SLOTS in nll.ts). */
  nllSlots(): number;
  /** score's partial slots per block (SCORE_SLOTS in scoring.ts). */
  scoreSlots(): number;
  /** distillation's partial slots per block (DISTILL_SLOTS in distillation.ts). */
  distillSlots(): number;
  /** The longest rows the row kernels take four at a time (GROUPS_UP_TO in lanes.ts). */
  groupsUpTo(): number;
  /** The running job's partial-sum blocks: 1 << shift rows (or elements) each. */
  setPartialShift(shift: number): void;
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
    x: Ptr,
    t: Ptr,
    w: Ptr,
    weightTotal: number,
    r0: number,
    r1: number,
    classes: number,
    ignoreIndex: number,
    smoothing: number,
    out: Ptr,
    partials: Ptr,
    grad: Ptr,
    gradNll: number,
    gradSmooth: number,
    gradOut: Ptr,
    zLoss: number,
    gradZ: number,
    softcap: number,
  ): void;
  crossEntropyProb(
    x: Ptr,
    q: Ptr,
    w: Ptr,
    r0: number,
    r1: number,
    classes: number,
    smoothing: number,
    out: Ptr,
    partials: Ptr,
    grad: Ptr,
    gradScale: number,
    gradOut: Ptr,
    zLoss: number,
    softcap: number,
  ): void;
  nll(
    lp: Ptr,
    t: Ptr,
    w: Ptr,
    r0: number,
    r1: number,
    classes: number,
    rowStride: number,
    classStride: number,
    ignoreIndex: number,
    out: Ptr,
    partials: Ptr,
  ): void;
  nllBackward(t: Ptr, w: Ptr, r0: number, r1: number, classes: number, ignoreIndex: number, grad: Ptr, scale: number, gradOut: Ptr): void;
  mseLoss(a: Ptr, b: Ptr, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  mseLossBackward(a: Ptr, b: Ptr, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
  klDiv(x: Ptr, t: Ptr, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  klDivLogTarget(x: Ptr, t: Ptr, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  klDivBackward(x: Ptr, t: Ptr, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
  klDivLogTargetBackward(x: Ptr, t: Ptr, grad: Ptr, i0: number, i1: number, scale: number, gradOut: Ptr): void;
  score(
    x: Ptr,
    t: Ptr,
    r0: number,
    r1: number,
    classes: number,
    ignoreIndex: number,
    temperature: number,
    logProbs: Ptr,
    entropy: Ptr,
    argmax: Ptr,
    partials: Ptr,
  ): void;
  distillation(
    s: Ptr,
    t: Ptr,
    target: Ptr,
    r0: number,
    r1: number,
    classes: number,
    ignoreIndex: number,
    divergence: number,
    temperature: number,
    beta: number,
    logTeacher: number,
    out: Ptr,
    partials: Ptr,
    grad: Ptr,
    gradScale: number,
    gradOut: Ptr,
  ): void;
  /** dst[j·dstStride + i] = src[i·srcStride + j] for i < rows, j < cols. */
  transpose(src: Ptr, srcStride: number, dst: Ptr, dstStride: number, rows: number, cols: number): void;
  /** dst[i] = float16 (widenF16) or bfloat16 (widenBF16) src[i] as float32, for i < n (assembly/half.ts). */
  widenF16(src: Ptr, dst: Ptr, n: number): void;
  widenBF16(src: Ptr, dst: Ptr, n: number): void;
  /** dst[i] = float32 src[i] rounded to nearest even as float16 (narrowF16) or bfloat16 (narrowBF16) bits, for i < n. */
  narrowF16(src: Ptr, dst: Ptr, n: number): void;
  narrowBF16(src: Ptr, dst: Ptr, n: number): void;
  bceWithLogits(x: Ptr, y: Ptr, w: Ptr, wn: number, pw: Ptr, pwn: number, out: Ptr, partials: Ptr, i0: number, i1: number): void;
  bceWithLogitsBackward(
    x: Ptr,
    y: Ptr,
    w: Ptr,
    wn: number,
    pw: Ptr,
    pwn: number,
    grad: Ptr,
    i0: number,
    i1: number,
    scale: number,
    gradOut: Ptr,
  ): void;
}

/** The exported kernels that take a row (or element) range. */
export type RangeKernel = {
  [K in keyof Exports]: Exports[K] extends (...a: number[]) => void ? K : never;
}[keyof Exports];

/** A kernel call with 'rows' where its range [r0, r1) goes (two arguments). */
export type Call = [fn: RangeKernel, ...args: (number | 'rows')[]];

/** A range kernel as JavaScript calls it. */
type Direct = (...a: number[]) => void;
/** runCall's arguments, reused (per instance of this module, so per thread;
 *  calls never nest): no array per call, and unboxed (a Float64Array, which
 *  holds every argument exactly: pointers, counts and float32s alike), which
 *  makes a small call's copy and call about a third cheaper than a plain array's. */
const ARGS = new Float64Array(32);

/** Runs a Call over rows [r0, r1) on one instance. */
export function runCall(e: Exports, c: Call, r0: number, r1: number): void {
  const a = ARGS;
  let n = 0;
  for (let i = 1; i < c.length; i++) {
    const v = c[i];
    if (v === 'rows') {
      a[n++] = r0;
      a[n++] = r1;
    } else a[n++] = v as number;
  }
  invoke(e[c[0]] as Direct, a, n);
}

/**
 * f(a[0], …, a[n − 1]) with exactly n arguments: V8 calls a wasm export fast
 * only with as many arguments as it has parameters (a spread, or extra
 * arguments, costs a small call about a tenth more: docs/kernel-notes.md).
 * One case per kernel arity, up to crossEntropyIndex's 18.
 */
function invoke(f: Direct, a: Float64Array, n: number): unknown {
  switch (n) {
    case 5:
      return f(a[0], a[1], a[2], a[3], a[4]);
    case 6:
      return f(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    case 8:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    case 9:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
    case 10:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
    case 11:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
    case 12:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
    case 13:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
    case 14:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
    case 15:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
    case 16:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
    case 17:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16]);
    case 18:
      return f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17]);
    default:
      return f(...a.slice(0, n));
  }
}
