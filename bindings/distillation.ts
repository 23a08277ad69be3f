// Knowledge distillation: distillationLoss, its Backward and WithGrad over a
// student's and a teacher's row-major [rows, classes] logits, validated here
// and run by each backend's distillation kernel (assembly/distillation.ts) in
// one call, row by row (a row's passes all run while it is in cache).
import type { DistillationCall, F32, I32, Kernels } from './kernels.js';
import type { Named } from './aliasing.js';
import { describe } from './arrays.js';
import { memoryOf } from './half.js';
import { checkedGrad, gradInPlace } from './grad.js';
import type { Logits } from './types.js';
import * as v from './validate.js';

/** What the distillation calls take from createApi (api.ts): the current
 *  kernels and its shared checks. */
export interface DistillationContext {
  kernels(): Kernels;
  outputs<T extends F32 | I32 | Uint16Array | null>(
    inputs: () => Named[],
    outs: [string, unknown, T][],
    inPlace?: Record<string, readonly string[]>,
  ): T[];
  checkedTargets(target: unknown, rows: number, C: number, ignoreIndex: number): I32;
  given<T>(callers: unknown, made: T): T;
}

type Reduction = 'batchmean' | 'sum' | 'mean' | 'none';
const REDUCTIONS = ['batchmean', 'sum', 'mean', 'none'] as const;
const DIVERGENCES = ['forward', 'reverse', 'jsd'] as const;
const OPTIONS = [
  'divergence',
  'temperature',
  'beta',
  'teacherLogProbs',
  'target',
  'ignoreIndex',
  'reduction',
  'out',
  'dtype',
  'teacherDtype',
];
/** The gradient may be written over the student (in place); nothing else may overlap. */
const IN_PLACE = { grad: ['student'] } as const;

/** beta: a number strictly between 0 and 1 (default 0.5). */
function betaOf(b: unknown): number {
  if (b === undefined) return 0.5;
  if (typeof b !== 'number') throw new TypeError(`beta must be a number, got ${describe(b)}`);
  if (!(b > 0 && b < 1)) throw new RangeError(`beta must be in (0, 1), got ${b}`);
  return b;
}

export function distillationOperations(ctx: DistillationContext) {
  /** The validated call: both batches, options, kept rows. lossOut: `out`
   *  is the per-row loss (not the gradient, as in Backward). */
  function distillationCall(
    student: unknown,
    teacher: unknown,
    classes: unknown,
    opts: unknown,
    extra: readonly string[],
    lossOut: boolean,
  ) {
    const o = v.options(opts, OPTIONS, extra);
    // Either side may be half precision: dtype reads the student's bits, teacherDtype the teacher's.
    const s = v.logits('student', student, o.dtype);
    const rows = v.rowsOf(s, 'student', classes);
    const C = classes as number;
    const t = v.logits('teacher', teacher, o.teacherDtype);
    if (t.length !== s.length) throw new RangeError(`teacher.length must be ${s.length}, got ${t.length}`);
    const reduction = v.oneOf<Reduction>('reduction', o.reduction, REDUCTIONS, 'batchmean');
    const ignoreIndex = v.integer('ignoreIndex', o.ignoreIndex, -100);
    const target = o.target === undefined || o.target === null ? null : ctx.checkedTargets(o.target, rows, C, ignoreIndex);
    const call: DistillationCall = {
      student: s,
      teacher: t,
      target,
      classes: C,
      ignoreIndex,
      divergence: v.oneOf('divergence', o.divergence, DIVERGENCES, 'forward'),
      temperature: v.finite('temperature', o.temperature, 0, true, 1),
      beta: betaOf(o.beta),
      teacherLogProbs: v.bool('teacherLogProbs', o.teacherLogProbs, false),
      out: lossOut && reduction === 'none' ? v.outArray(o.out, Float32Array, rows) : null,
      sums: reduction !== 'none',
      grad: null,
      gradScale: 1,
      gradOut: null,
    };
    return { o, c: call, rows, reduction };
  }
  type Validated = ReturnType<typeof distillationCall>;

  const inputs = (c: DistillationCall): Named[] => [
    ['student', memoryOf(c.student)],
    ['teacher', memoryOf(c.teacher)],
    ['target', c.target],
    ['gradOutput', c.gradOut],
  ];

  /** What 'batchmean' and 'mean' divide by: the kept rows (× classes for 'mean'). */
  function divisor(d: Validated): number {
    const { c, rows, reduction } = d;
    if (reduction === 'sum' || reduction === 'none') return 1;
    const kept = c.target ? ctx.kernels().targetWeight(c.target, null, c.classes, c.ignoreIndex) : rows;
    return reduction === 'mean' ? kept * c.classes : kept;
  }

  /** Runs the kernel, with the gradient (scaled by g) where c.grad is set: [Σ row values, kept rows]. */
  function run(d: Validated, g: { scale: number } | null): number[] {
    if (g) d.c.gradScale = g.scale / divisor(d);
    return ctx.kernels().distillation(d.c);
  }

  /** The loss the reduction asks for, from run's sums (0/0 is NaN when every row is ignored). */
  function loss(d: Validated, [total, kept]: number[]): number | F32 {
    switch (d.reduction) {
      case 'none':
        return ctx.given(d.o.out, d.c.out!);
      case 'sum':
        return total;
      case 'mean':
        return total / (kept * d.c.classes);
      default:
        return total / kept;
    }
  }

  return {
    distillationLoss(student: Logits, teacher: Logits, classes: number, opts?: object): number | F32 {
      const d = distillationCall(student, teacher, classes, opts, v.NO_KEYS, true);
      ctx.outputs(() => inputs(d.c), [['out', d.o.out, d.c.out]]);
      return loss(d, run(d, null));
    },

    distillationLossBackward(student: Logits, teacher: Logits, classes: number, opts?: object): F32 | Uint16Array {
      const d = distillationCall(student, teacher, classes, opts, v.HALF_BACKWARD_KEYS, false);
      const g = v.gradOutput(d.o.gradOutput, d.reduction, d.rows);
      d.c.gradOut = g.array; // an input, for the overlap checks
      d.c.sums = false;
      const grad = v.gradArray('out', d.o.out, v.gradDtype(d.o.gradDtype), d.c.student.length);
      const [checked] = ctx.outputs(
        () => inputs(d.c),
        [['out', d.o.out, memoryOf(grad)]],
        gradInPlace({ out: ['student'] }, 'out', d.c.student, grad),
      );
      d.c.grad = checkedGrad(checked, grad, d.c.student);
      run(d, g);
      return ctx.given(d.o.out, memoryOf(grad));
    },

    distillationLossWithGrad(student: Logits, teacher: Logits, classes: number, opts?: object) {
      const d = distillationCall(student, teacher, classes, opts, v.WITH_GRAD_KEYS, true);
      const g = v.gradOutput(d.o.gradOutput, d.reduction, d.rows);
      d.c.gradOut = g.array; // an input, for the overlap checks
      const grad = v.gradArray('grad', d.o.grad, v.gradDtype(d.o.gradDtype), d.c.student.length);
      const [out, checked] = ctx.outputs<F32 | Uint16Array | null>(
        () => inputs(d.c),
        [
          ['out', d.o.out, d.c.out],
          ['grad', d.o.grad, memoryOf(grad)],
        ],
        gradInPlace(IN_PLACE, 'grad', d.c.student, grad),
      );
      d.c.out = out as typeof d.c.out;
      d.c.grad = checkedGrad(checked, grad, d.c.student);
      return { loss: loss(d, run(d, g)), grad: ctx.given(d.o.grad, memoryOf(grad)) };
    },
  };
}
