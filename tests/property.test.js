// Property tests (fast-check): on random shapes, options and values — including
// ±1e4, ±∞ and NaN — every wasm backend agrees with the js backend (the float64
// reference) within the README's tolerance, for every operation and gradient, and
// never modifies its inputs.
//
// Reproducible: a fixed seed per property. Explore with
//   SIMDLOSS_FC_SEED=123 SIMDLOSS_FC_RUNS=500 npx uvu tests property
// (fast-check prints the seed and path of any counterexample it finds).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { BACKENDS, kernel, mismatch } from './helpers.js';
import { generator } from '../bench/data.js';

const WASM = BACKENDS.filter((b) => b !== 'js');
const SEED = Number(process.env.SIMDLOSS_FC_SEED ?? 20250501);
const RUNS = Number(process.env.SIMDLOSS_FC_RUNS ?? 30);
/** Elements per generated batch at most: keeps each backend's suite to a few seconds. */
const MAX_ELEMENTS = 20_000;
const MAX_ROWS = 300;
const MAX_CLASSES = 5000;

// ---------------------------------------------------------------- generators

/** Batch shape: classes 1…5000 (small and non-multiples of 4 often), rows = N·spatial ≤ 300. */
const shapeArb = fc
  .record({
    classes: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: MAX_CLASSES })),
    rowsWanted: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: MAX_ROWS })),
    spatialWanted: fc.constantFrom(1, 1, 1, 2, 3, 7),
  })
  .map(({ classes, rowsWanted, spatialWanted }) => {
    const maxRows = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_ELEMENTS / classes)));
    const spatial = Math.min(spatialWanted, maxRows);
    const n = Math.max(1, Math.floor(Math.min(rowsWanted, maxRows) / spatial));
    return { classes, n, spatial, rows: n * spatial, length: n * spatial * classes };
  });

/** How values are drawn: a seed for a fast PRNG (large arrays stay cheap), a scale
 *  about an offset (offsets put rows across the ends of the ranges in which the
 *  kernels take a row's exps with no shift: [−40, 80], [0, 40] for stored exps) and
 *  specials. */
const valuesArb = fc.record({
  seed: fc.integer(),
  scale: fc.constantFrom(1, 4, 30, 300, 1e4),
  offset: fc.constantFrom(0, 0, 0, -42, -2, 38, 79),
  specialRate: fc.constantFrom(0, 0, 0.02, 0.25),
  specials: fc.subarray([1e4, -1e4, -Infinity, NaN, Infinity], { minLength: 1 }),
  negInfRows: fc.constantFrom(0, 0, 0, 0.15),
});

/** Row-major values of a batch; rows of all −∞ as asked. */
function values(v, length, classes, salt = 0) {
  const r = generator(v.seed ^ Math.imul(salt + 1, 0x9e3779b1));
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    x[i] = r() < v.specialRate ? v.specials[Math.floor(r() * v.specials.length)] : v.offset + (2 * r() - 1) * v.scale;
  }
  if (v.negInfRows > 0) {
    for (let o = 0; o < length; o += classes) if (r() < v.negInfRows) x.fill(-Infinity, o, o + classes);
  }
  return x;
}

/** Plain values in [lo, hi), with exact endpoints sometimes (targets, weights, dy). */
function uniform(seed, length, lo, hi, endpoints = 0) {
  const r = generator(seed);
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const u = r();
    x[i] = u < endpoints / 2 ? lo : u < endpoints ? hi : lo + (hi - lo) * r();
  }
  return x;
}

/** Channels-first layout of a row-major batch (the kernels' inputs with `spatial`). */
function channelsFirst(rowMajor, s) {
  if (s.spatial === 1) return rowMajor;
  const { n, spatial: S, classes: C } = s;
  const y = new Float32Array(rowMajor.length);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < S; p++)
      for (let c = 0; c < C; c++) {
        y[b * C * S + c * S + p] = rowMajor[(b * S + p) * C + c];
      }
  return y;
}

/** Softmax / log-softmax per row (float64, rounded to float32): realistic y inputs. */
function rowSoftmax(x, C, log) {
  const y = new Float32Array(x.length);
  for (let o = 0; o < x.length; o += C) {
    let m = -Infinity;
    for (let i = o; i < o + C; i++) if (x[i] > m) m = x[i];
    if (m === -Infinity) m = 0;
    let s = 0;
    for (let i = o; i < o + C; i++) s += Math.exp(x[i] - m);
    for (let i = o; i < o + C; i++) y[i] = log ? x[i] - m - Math.log(s) : Math.exp(x[i] - m) / s;
  }
  return y;
}

// ------------------------------------------------------------------- harness

const copy = (a) => (ArrayBuffer.isView(a) ? a.slice() : Array.isArray(a) ? a.slice() : a);
const copyOpts = (o) => (o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, copy(v)])) : o);
const sameBits = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** A result (number, typed array, or { loss, grad }) against the reference's. */
function compare(got, ref) {
  if (ref && typeof ref === 'object' && 'grad' in ref) {
    if (!got || typeof got !== 'object' || !('grad' in got)) return `got ${got}, expected { loss, grad }`;
    const loss = mismatch(got.loss, ref.loss);
    if (loss) return `loss: ${loss}`;
    const grad = mismatch(got.grad, ref.grad);
    return grad && `grad: ${grad}`;
  }
  return mismatch(got, ref);
}

/**
 * Calls op with the same arguments on the js reference and on backend k, and
 * throws (failing the property) on any disagreement, a modified input, or an
 * `out` that is not the array returned. `args` is built fresh for every call.
 */
function agree(k, js, op, build) {
  const args = build();
  const pristine = build();
  const ref = js[op](...build());
  const got = k[op](...args);
  const problem = compare(got, ref);
  if (problem) throw new Error(`${op}: ${problem}`);
  // Inputs are never modified (unless passed as out / grad).
  const opts = args[args.length - 1];
  const outs = new Set(opts && !ArrayBuffer.isView(opts) ? [opts.out, opts.grad] : []);
  args.forEach((a, i) => {
    if (ArrayBuffer.isView(a) && !outs.has(a) && !(i === args.length - 1 && isRowwiseOut(op, a)) && !sameBits(a, pristine[i])) {
      throw new Error(`${op}: argument ${i} was modified`);
    }
  });
  for (const [key, value] of Object.entries(opts && !ArrayBuffer.isView(opts) ? opts : {})) {
    if (key !== 'out' && key !== 'grad' && ArrayBuffer.isView(value) && !sameBits(value, pristine[args.length - 1][key])) {
      throw new Error(`${op}: option ${key} was modified`);
    }
  }
  const out = opts?.out ?? (ArrayBuffer.isView(opts) && isRowwiseOut(op, opts) ? opts : undefined);
  if (out && (op === 'crossEntropyWithGrad' ? got.loss : got) !== out) throw new Error(`${op}: did not return the out array it was given`);
  if (opts?.grad && got.grad !== opts.grad) throw new Error(`${op}: did not return the grad array it was given`);
}
/** The row-wise ops, whose last argument may be `out` itself. */
const ROWWISE = new Set([
  'logSumExp',
  'softmax',
  'logSoftmax',
  'argmax',
  'entropy',
  'softmaxBackward',
  'logSoftmaxBackward',
  'logSumExpBackward',
]);
const isRowwiseOut = (op, a) => ROWWISE.has(op) && ArrayBuffer.isView(a);

function property(name, arb, check) {
  for (const backend of WASM) {
    test(`${backend} agrees with js · ${name}`, async () => {
      const k = await kernel(backend);
      const js = await kernel('js');
      holds(fc.property(arb, (c) => check(k, js, c)));
    });
  }
}

/** fc.assert, but failing with the disagreement itself, the shrunk case and how to replay it. */
function holds(prop) {
  const r = fc.check(prop, { seed: SEED, numRuns: RUNS });
  if (!r.failed) return;
  const why = r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
  assert.unreachable(
    `${why}\n    case: ${fc.stringify(r.counterexample?.[0])}\n    replay: { seed: ${r.seed}, path: "${r.counterexamplePath}" }`,
  );
}

/** Garbage-filled out array (checks that every element is written). */
const outOf = (Kind, n) => (Kind === Int32Array ? new Int32Array(n).fill(-7) : new Float32Array(n).fill(NaN));

// ------------------------------------------------------------------ row-wise

/** The last argument of a row-wise call: nothing, out, or { out, spatial }. */
function rowwiseLast(s, how, Kind, n) {
  if (s.spatial !== 1) return how === 'out' ? { out: outOf(Kind, n), spatial: s.spatial } : { spatial: s.spatial };
  if (how === 'out') return outOf(Kind, n);
  if (how === 'options') return { out: outOf(Kind, n) };
  return undefined;
}
const lastArb = fc.constantFrom('none', 'out', 'options');

const rowwiseOps = [
  ['logSumExp', Float32Array, true],
  ['softmax', Float32Array, false],
  ['logSoftmax', Float32Array, false],
  ['argmax', Int32Array, true],
];
for (const [op, Kind, perRow] of rowwiseOps) {
  property(`${op}`, fc.record({ s: shapeArb, v: valuesArb, last: lastArb }), (k, js, { s, v, last }) => {
    agree(k, js, op, () => {
      const x = channelsFirst(values(v, s.length, s.classes), s);
      const tail = rowwiseLast(s, last, Kind, perRow ? s.rows : s.length);
      return tail === undefined ? [x, s.classes] : [x, s.classes, tail];
    });
  });
}

property('entropy', fc.record({ s: shapeArb, v: valuesArb, raw: fc.boolean(), last: lastArb }), (k, js, { s, v, raw, last }) => {
  agree(k, js, 'entropy', () => {
    const x = values(v, s.length, s.classes);
    const p = channelsFirst(raw ? x : rowSoftmax(x, s.classes, false), s);
    const tail = rowwiseLast(s, last, Float32Array, s.rows);
    return tail === undefined ? [p, s.classes] : [p, s.classes, tail];
  });
});

for (const [op, log] of [
  ['softmaxBackward', false],
  ['logSoftmaxBackward', true],
]) {
  property(
    op,
    fc.record({ s: shapeArb, v: valuesArb, dyScale: fc.constantFrom(0.1, 1, 10), last: lastArb }),
    (k, js, { s, v, dyScale, last }) => {
      agree(k, js, op, () => {
        const y = channelsFirst(rowSoftmax(values(v, s.length, s.classes), s.classes, log), s);
        const dy = uniform(v.seed + 1, s.length, -dyScale, dyScale);
        const tail = rowwiseLast(s, last, Float32Array, s.length);
        return tail === undefined ? [y, dy, s.classes] : [y, dy, s.classes, tail];
      });
    },
  );
}

property('logSumExpBackward', fc.record({ s: shapeArb, v: valuesArb, last: lastArb }), (k, js, { s, v, last }) => {
  agree(k, js, 'logSumExpBackward', () => {
    const x = channelsFirst(values(v, s.length, s.classes), s);
    const dy = uniform(v.seed + 1, s.rows, -3, 3);
    const tail = rowwiseLast(s, last, Float32Array, s.length);
    return tail === undefined ? [x, dy, s.classes] : [x, dy, s.classes, tail];
  });
});

// -------------------------------------------------------------------- losses

const reductionArb = fc.constantFrom('mean', 'sum', 'none');

/** Class-index targets in (N, d…) order: some ignored, in a random integer container. */
function indexTargets(seed, s, ignoreIndex, ignoreRate, container) {
  const r = generator(seed);
  const t = new Int32Array(s.rows);
  for (let i = 0; i < t.length; i++) t[i] = r() < ignoreRate ? ignoreIndex : Math.floor(r() * s.classes);
  if (container === 'array') return Array.from(t);
  if (container === 'Uint16Array' && t.every((v) => v >= 0 && v < 65536)) return Uint16Array.from(t);
  return t;
}

/** Options shared by crossEntropy / nllLoss: weight, ignoreIndex, reduction, spatial. */
const classOptionsArb = fc.record({
  reduction: reductionArb,
  weight: fc.constantFrom('none', 'positive', 'withZeros'),
  ignoreIndex: fc.constantFrom(undefined, -100, -1, 0, 2),
  ignoreRate: fc.constantFrom(0, 0.1, 1),
  container: fc.constantFrom('Int32Array', 'Int32Array', 'array', 'Uint16Array'),
  out: fc.boolean(),
});

function classWeight(seed, C, how) {
  if (how === 'none') return undefined;
  return uniform(seed, C, 0, 2, how === 'withZeros' ? 0.3 : 0);
}

/** Options object for a class loss call (only keys that are set). */
function classOptions(o, s, seed, extra = {}) {
  const opts = { ...extra };
  if (o.reduction !== 'mean' || seed & 1) opts.reduction = o.reduction;
  const weight = classWeight(seed + 7, s.classes, o.weight);
  if (weight) opts.weight = weight;
  if (o.ignoreIndex !== undefined) opts.ignoreIndex = o.ignoreIndex;
  if (s.spatial !== 1) opts.spatial = s.spatial;
  if (o.out && o.reduction === 'none') opts.out = outOf(Float32Array, s.rows);
  return opts;
}

/** gradOutput for a reduction: omitted, a number, or (for 'none') a per-item array. */
const gradOutputArb = fc.constantFrom('omit', 'number', 'array');
function gradOutputFor(how, reduction, seed, items) {
  if (how === 'omit') return undefined;
  if (how === 'number' || reduction !== 'none') return [1, 0.5, -2.25, 3][seed & 3];
  return uniform(seed, items, -2, 2);
}

const smoothingArb = fc.constantFrom(undefined, 0, 0.1, 0.37, 1);

/** crossEntropy, crossEntropyBackward and crossEntropyWithGrad, index or probability targets. */
const crossEntropyArb = fc.record({
  s: shapeArb,
  v: valuesArb,
  o: classOptionsArb,
  smoothing: smoothingArb,
  probs: fc.constantFrom(false, false, true),
  probKind: fc.constantFrom('softmax', 'uniform', 'onehot'),
  gradOutput: gradOutputArb,
  inPlace: fc.boolean(),
});

function crossEntropyArgs(c, extra = {}) {
  const { s, v, o } = c;
  const logits = channelsFirst(values(v, s.length, s.classes), s);
  const opts = classOptions(c.probs ? { ...o, ignoreIndex: o.ignoreIndex < 0 ? o.ignoreIndex : undefined } : o, s, v.seed, extra);
  if (c.smoothing !== undefined) opts.labelSmoothing = c.smoothing;
  let target;
  if (!c.probs) target = indexTargets(v.seed + 3, s, o.ignoreIndex ?? -100, o.ignoreRate, o.container);
  else if (c.probKind === 'softmax')
    target = channelsFirst(rowSoftmax(values({ ...v, specialRate: 0, negInfRows: 0 }, s.length, s.classes, 5), s.classes, false), s);
  else if (c.probKind === 'uniform') target = channelsFirst(uniform(v.seed + 5, s.length, 0, 1, 0.2), s);
  else {
    const q = new Float32Array(s.length);
    const t = indexTargets(v.seed + 3, s, 0, 0, 'Int32Array');
    t.forEach((cls, r) => {
      q[r * s.classes + cls] = 1;
    });
    target = channelsFirst(q, s);
  }
  return [logits, target, s.classes, opts];
}

/** crossEntropyArgs with the case's gradOutput (if any) in the options. */
function crossEntropyGradArgs(c) {
  const args = crossEntropyArgs(c);
  const g = gradOutputFor(c.gradOutput, c.o.reduction, c.v.seed, c.s.rows);
  if (g !== undefined) args[3].gradOutput = g;
  return args;
}

property('crossEntropy', crossEntropyArb, (k, js, c) => {
  agree(k, js, 'crossEntropy', () => crossEntropyArgs(c));
});

property('crossEntropyBackward', crossEntropyArb, (k, js, c) => {
  agree(k, js, 'crossEntropyBackward', () => {
    const args = crossEntropyGradArgs(c);
    const opts = args[3];
    opts.out = c.o.out ? outOf(Float32Array, c.s.length) : undefined; // the gradient's out
    if (!opts.out) delete opts.out;
    return args;
  });
});

property('crossEntropyWithGrad (in place or not)', crossEntropyArb, (k, js, c) => {
  agree(k, js, 'crossEntropyWithGrad', () => {
    const args = crossEntropyGradArgs(c);
    const opts = args[3];
    if (c.inPlace && c.s.spatial === 1) opts.grad = args[0];
    else if (c.inPlace) opts.grad = outOf(Float32Array, c.s.length);
    return args;
  });
});

const nllArb = fc.record({ s: shapeArb, v: valuesArb, o: classOptionsArb, raw: fc.boolean(), gradOutput: gradOutputArb });

function nllArgs(c) {
  const { s, v, o } = c;
  const x = values(v, s.length, s.classes);
  const logProbs = channelsFirst(c.raw ? x : rowSoftmax(x, s.classes, true), s);
  const target = indexTargets(v.seed + 3, s, o.ignoreIndex ?? -100, o.ignoreRate, o.container);
  return [logProbs, target, s.classes, classOptions(o, s, v.seed)];
}

property('nllLoss', nllArb, (k, js, c) => agree(k, js, 'nllLoss', () => nllArgs(c)));

property('nllLossBackward', nllArb, (k, js, c) => {
  agree(k, js, 'nllLossBackward', () => {
    const args = nllArgs(c);
    const opts = args[3];
    const g = gradOutputFor(c.gradOutput, c.o.reduction, c.v.seed, c.s.rows);
    if (g !== undefined) opts.gradOutput = g;
    if (opts.out) opts.out = outOf(Float32Array, c.s.length);
    return args;
  });
});

// Element-wise losses: any length (shape only sets the size and, for klDiv, the rows).
const elementwiseArb = (reductions) =>
  fc.record({
    s: shapeArb,
    v: valuesArb,
    reduction: fc.constantFrom(...reductions),
    out: fc.boolean(),
    gradOutput: gradOutputArb,
    targetKind: fc.constantFrom('probs', 'uniform', 'raw'),
    logTarget: fc.constantFrom(undefined, false, true),
    weight: fc.constantFrom('none', 'full', 'row', 'one'),
    posWeight: fc.constantFrom('none', 'full', 'row', 'one'),
  });

function elementwiseOpts(c, items, backward, extra = {}) {
  const opts = { ...extra };
  if (c.reduction !== 'mean' || c.v.seed & 1) opts.reduction = c.reduction;
  if (backward) {
    const g = gradOutputFor(c.gradOutput, c.reduction, c.v.seed, items);
    if (g !== undefined) opts.gradOutput = g;
    if (c.out) opts.out = outOf(Float32Array, items);
  } else if (c.out && c.reduction === 'none') opts.out = outOf(Float32Array, items);
  return opts;
}

function klArgs(c, backward) {
  const { s, v } = c;
  const input = rowSoftmax(values(v, s.length, s.classes), s.classes, true);
  const base = values({ ...v, specialRate: 0, negInfRows: 0 }, s.length, s.classes, 9);
  let target;
  if (c.targetKind === 'raw') target = values(v, s.length, s.classes, 9);
  else if (c.targetKind === 'uniform') target = uniform(v.seed + 9, s.length, 0, 1, 0.2);
  else target = rowSoftmax(base, s.classes, c.logTarget === true);
  // Finite log-targets stay where exp(t) is a normal float32: beyond, float32
  // (PyTorch too) overflows to ∞ or flushes to 0 where the float64 reference
  // does not, so ∞·0 and ∞ − ∞ land differently: not a meaningful comparison.
  if (c.logTarget) target = target.map((t) => (Number.isFinite(t) ? Math.min(Math.max(t, -80), 20) : t));
  const opts = elementwiseOpts(c, s.length, backward);
  if (c.logTarget !== undefined) opts.logTarget = c.logTarget;
  return [input, target, s.classes, opts];
}

const klArb = elementwiseArb(['mean', 'sum', 'none', 'batchmean']);
property('klDiv', klArb, (k, js, c) => agree(k, js, 'klDiv', () => klArgs(c, false)));
property('klDivBackward', klArb, (k, js, c) => agree(k, js, 'klDivBackward', () => klArgs(c, true)));

const mseArb = elementwiseArb(['mean', 'sum', 'none']);
function mseArgs(c, backward) {
  const { s, v } = c;
  return [
    values(v, s.length, s.classes),
    values({ ...v, seed: v.seed + 1 }, s.length, s.classes, 2),
    elementwiseOpts(c, s.length, backward),
  ];
}
property('mseLoss', mseArb, (k, js, c) => agree(k, js, 'mseLoss', () => mseArgs(c, false)));
property('mseLossBackward', mseArb, (k, js, c) => agree(k, js, 'mseLossBackward', () => mseArgs(c, true)));

/** BCE weight / posWeight: full length, one row (broadcast along the last axis) or a single value. */
function bceWeight(how, seed, s, hi) {
  if (how === 'none') return undefined;
  const n = how === 'full' ? s.length : how === 'row' ? s.classes : 1;
  return uniform(seed, n, 0, hi, 0.1);
}
function bceArgs(c, backward) {
  const { s, v } = c;
  const input = values(v, s.length, s.classes);
  // 'raw' targets: any value in [0, 1], or NaN. Outside [0, 1] the element
  // losses go negative and a reduction cancels them against positive ones,
  // which no float32 evaluation survives; ±∞ meets σ(x), which float32 flushes
  // to 0 long before float64 does (∞·0 vs ∞): neither compares meaningfully.
  const target =
    c.targetKind === 'raw'
      ? values(v, s.length, s.classes, 4).map((y) => (Number.isNaN(y) ? y : Math.min(Math.abs(y / v.scale), 1)))
      : uniform(v.seed + 4, s.length, 0, 1, 0.4);
  const opts = elementwiseOpts(c, s.length, backward);
  const weight = bceWeight(c.weight, v.seed + 11, s, 2);
  const posWeight = bceWeight(c.posWeight, v.seed + 13, s, 5);
  if (weight) opts.weight = weight;
  if (posWeight) opts.posWeight = posWeight;
  return [input, target, opts];
}
property('binaryCrossEntropyWithLogits', mseArb, (k, js, c) => agree(k, js, 'binaryCrossEntropyWithLogits', () => bceArgs(c, false)));
property('binaryCrossEntropyWithLogitsBackward', mseArb, (k, js, c) =>
  agree(k, js, 'binaryCrossEntropyWithLogitsBackward', () => bceArgs(c, true)),
);

// ------------------------------------------------------------- tall batches

/** Few classes, up to 6000 rows: copied arrays go through several chunks, and the
 *  kernels that take rows four at a time meet every remainder. */
const tallShapeArb = fc
  .record({ classes: fc.integer({ min: 1, max: 12 }), rows: fc.integer({ min: 1, max: 6000 }) })
  .map(({ classes, rows }) => ({ classes, n: rows, spatial: 1, rows, length: rows * classes }));
const tallArb = fc.record({
  s: tallShapeArb,
  v: valuesArb,
  o: classOptionsArb,
  smoothing: smoothingArb,
  probs: fc.constantFrom(false, true),
  probKind: fc.constantFrom('softmax', 'onehot'),
  gradOutput: gradOutputArb,
  inPlace: fc.boolean(),
  raw: fc.constant(false),
});

for (const op of ['logSumExp', 'softmax', 'logSoftmax', 'argmax']) {
  property(`${op} (tall batches)`, tallArb, (k, js, { s, v }) => agree(k, js, op, () => [values(v, s.length, s.classes), s.classes]));
}
property('crossEntropyWithGrad (tall batches)', tallArb, (k, js, c) => {
  agree(k, js, 'crossEntropyWithGrad', () => {
    const args = crossEntropyGradArgs(c);
    if (c.inPlace) args[3].grad = args[0];
    return args;
  });
});
property('nllLoss (tall batches)', tallArb, (k, js, c) => agree(k, js, 'nllLoss', () => nllArgs(c)));
property(
  'mseLossBackward (tall batches)',
  fc.record({ s: tallShapeArb, v: valuesArb, reduction: reductionArb, out: fc.boolean(), gradOutput: gradOutputArb }),
  (k, js, c) => agree(k, js, 'mseLossBackward', () => mseArgs(c, true)),
);
// Weights of a row's period read in place across many chunks: every chunk starts at another phase.
const tallBceArb = fc.record({
  s: tallShapeArb,
  v: valuesArb,
  reduction: reductionArb,
  out: fc.boolean(),
  gradOutput: gradOutputArb,
  targetKind: fc.constant('uniform'),
  weight: fc.constantFrom('none', 'row', 'one'),
  posWeight: fc.constantFrom('row', 'one'),
});
property('binaryCrossEntropyWithLogits (tall batches)', tallBceArb, (k, js, c) =>
  agree(k, js, 'binaryCrossEntropyWithLogits', () => bceArgs(c, false)),
);
property('binaryCrossEntropyWithLogitsBackward (tall batches)', tallBceArb, (k, js, c) =>
  agree(k, js, 'binaryCrossEntropyWithLogitsBackward', () => bceArgs(c, true)),
);

// ------------------------------------------------------------ zero-copy views

/** The same calls with every array in kernel memory (k.f32 / k.i32) give the same results. */
for (const backend of WASM) {
  test(`${backend} agrees with js · zero-copy views as inputs and out`, async () => {
    const k = await kernel(backend);
    const js = await kernel('js');
    const view = (a) => {
      const w = a instanceof Int32Array ? k.i32(a.length) : k.f32(a.length);
      w.set(a);
      return w;
    };
    holds(
      fc.property(crossEntropyArb, (c) => {
        const made = [];
        const inKernel = (a) => {
          const w = view(a);
          made.push(w);
          return w;
        };
        try {
          const [logits, target, C, opts] = crossEntropyArgs({ ...c, o: { ...c.o, container: 'Int32Array' } });
          const ref = js.crossEntropyWithGrad(logits.slice(), target.slice(), C, { ...copyOpts(opts) });
          const x = inKernel(logits),
            t = inKernel(target),
            grad = c.inPlace ? x : inKernel(new Float32Array(logits.length));
          const zopts = { ...opts, grad };
          if (opts.weight) zopts.weight = inKernel(opts.weight);
          if (opts.out) zopts.out = inKernel(opts.out);
          const got = k.crossEntropyWithGrad(x, t, C, zopts);
          const problem = compare(got, ref);
          if (problem) throw new Error(`crossEntropyWithGrad (zero-copy): ${problem}`);
          if (got.grad !== grad) throw new Error('did not return the grad view');
          if (opts.out && got.loss !== zopts.out) throw new Error('did not return the out view');
          const sm = k.softmax(
            x,
            C,
            c.s.spatial === 1
              ? inKernel(new Float32Array(logits.length))
              : { out: inKernel(new Float32Array(logits.length)), spatial: c.s.spatial },
          );
          const smProblem = mismatch(sm, js.softmax(x.slice(), C, { spatial: c.s.spatial }));
          if (smProblem) throw new Error(`softmax (zero-copy): ${smProblem}`);
          if (!c.probs) {
            // nllLoss takes a view to the wasm kernel (a plain array it reads in JS); x stands in for log-probabilities
            const nopts = { spatial: c.s.spatial };
            for (const key of ['reduction', 'ignoreIndex']) if (opts[key] !== undefined) nopts[key] = opts[key];
            const nll = k.nllLoss(x, t, C, { ...nopts, ...(opts.weight && { weight: zopts.weight }) });
            const nllProblem = mismatch(
              nll,
              js.nllLoss(x.slice(), target.slice(), C, { ...nopts, ...(opts.weight && { weight: opts.weight }) }),
            );
            if (nllProblem) throw new Error(`nllLoss (zero-copy): ${nllProblem}`);
          }
        } finally {
          for (const w of made) k.free(w);
        }
      }),
    );
  });
}

// ------------------------------------------------------- regression tests
// Bugs the properties found (fixed in 330815e), each pinned by its smallest case.

for (const backend of WASM) {
  test(`${backend} · regression (exp.ts expAny) · klDiv logTarget: exp(t) overflows to +∞ for every large t, never 0 or NaN`, async () => {
    const k = await kernel(backend);
    const js = await kernel('js');
    // expAny(t) = exp(min(t,0))·exp(max(t,0)/2)² was right only while t/2 < 88.3.
    const input = new Float32Array(6),
      target = new Float32Array([100, 170, 177, 200, 1e4, Infinity]);
    for (const op of ['klDiv', 'klDivBackward']) {
      const got = k[op](input, target, 1, { logTarget: true, reduction: 'none' });
      const ref = js[op](input, target, 1, { logTarget: true, reduction: 'none' });
      assert.is(mismatch(got, ref), null, `${op}(0, [${target}]) = [${got}], expected [${ref}]`);
    }
  });

  test(`${backend} · regression (bce.ts) · binaryCrossEntropyWithLogits: a −∞ logit with a positive target is NaN, as in PyTorch`, async () => {
    const k = await kernel(backend);
    const js = await kernel('js');
    // F.binary_cross_entropy_with_logits(tensor([-inf]), tensor([0.5])) is nan: (1 − y)·x + softplus(−x) = −∞ + ∞.
    const input = new Float32Array([-Infinity, -Infinity, -Infinity]),
      target = new Float32Array([0.25, 0.5, 1]);
    const got = k.binaryCrossEntropyWithLogits(input, target, { reduction: 'none' });
    const ref = js.binaryCrossEntropyWithLogits(input, target, { reduction: 'none' });
    assert.is(mismatch(got, ref), null, `got [${got}], expected [${ref}]`);
  });

  test(`${backend} · regression (simd sums) · logSoftmaxBackward within tolerance when the row is one-hot and |dy| ≤ 10`, async () => {
    const k = await kernel(backend);
    const js = await kernel('js');
    // dx = dy − exp(y)·Σdy: where exp(y) = 1 the error of Σdy is the error of dx.
    // The simd builds added 64 terms per lane in float32 before going to float64.
    const C = 3722,
      rows = 26;
    const x = uniform(5, rows * C, -1e4, 1e4);
    const y = rowSoftmax(x, C, true);
    const dy = uniform(1005, rows * C, -10, 10);
    const problem = mismatch(k.logSoftmaxBackward(y, dy, C), js.logSoftmaxBackward(y, dy, C));
    assert.is(problem, null, problem);
  });
}

for (const backend of BACKENDS) {
  test(`${backend} · regression (api.ts) · crossEntropyBackward with reduction 'none' writes into an out of the input's length`, async () => {
    const k = await kernel(backend);
    // crossEntropyCall validated opts.out as the per-row loss (length rows)
    // before crossEntropyBackward used it as the gradient (length x.length).
    const logits = new Float32Array([1, 2, 3, 4, 5, 6]),
      out = new Float32Array(6);
    let got;
    try {
      got = k.crossEntropyBackward(logits, [0, 2], 3, { reduction: 'none', out });
    } catch (e) {
      assert.unreachable(`threw ${e.constructor.name}: ${e.message}`);
    }
    assert.is(got, out);
    assert.is(mismatch(got, k.crossEntropyBackward(logits, [0, 2], 3, { reduction: 'none' })), null);
  });
}

test.run();
