// The bad-input catalogue (README.md, Errors): every class of bad argument throws a
// TypeError (wrong kind of value) or a RangeError (wrong length, bad classes,
// out-of-range target, unknown option value) whose message names the argument;
// the kernel memory is untouched, and the next call on the same kernel works.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, kernel, mismatch } from './helpers.js';

const WASM = BACKENDS.filter((b) => b !== 'js');

// Good arguments: 2 rows of 3 classes.
const L = () => new Float32Array([1, 2, 3, 4, 5, 6]);
const T = () => new Int32Array([0, 2]);
const P = () => new Float32Array([0.2, 0.3, 0.5, 1, 0, 0]);
const f32 = (n) => new Float32Array(n);

/** An array whose buffer has been transferred away (detached): length 0. */
function detached(a) {
  structuredClone(a, { transfer: [a.buffer] });
  return a;
}

/** Asserts that fn throws Type with a message naming `name` (as a whole word). */
function throwsNaming(fn, Type, name) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `did not throw (expected a ${Type.name} naming ${name})`);
  assert.ok(error instanceof Type, `threw ${error.constructor.name}: ${error.message} (expected a ${Type.name})`);
  const word = new RegExp(`(^|[^\\w])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`);
  assert.ok(word.test(error.message), `message does not name ${name}: ${error.message}`);
  return error;
}

// ------------------------------------------------------- after every bad call

const reference = await kernel('js');
const GOOD = {
  softmax: reference.softmax(L(), 3),
  withGrad: reference.crossEntropyWithGrad(L(), T(), 3, { labelSmoothing: 0.1 }),
  nll: reference.nllLoss(reference.logSoftmax(L(), 3), T(), 3, { reduction: 'none' }),
};

/** A kernel-memory view filled with a pattern, per wasm kernel: bad calls must not touch it. */
const sentinels = new Map();
async function sentinel(k) {
  if (!sentinels.has(k)) {
    const v = k.f32(257);
    v.forEach((_, i) => {
      v[i] = i * 0.5 - 7;
    });
    sentinels.set(k, v);
  }
  return sentinels.get(k);
}

/** The next calls on the same kernel work, with the right results, and kernel memory is intact. */
async function nextCallWorks(k, backend) {
  const problems = [
    mismatch(k.softmax(L(), 3), GOOD.softmax),
    mismatch(k.nllLoss(k.logSoftmax(L(), 3), T(), 3, { reduction: 'none' }), GOOD.nll),
  ];
  const r = k.crossEntropyWithGrad(L(), T(), 3, { labelSmoothing: 0.1 });
  problems.push(mismatch(r.loss, GOOD.withGrad.loss), mismatch(r.grad, GOOD.withGrad.grad));
  const bad = problems.find((p) => p !== null);
  assert.is(bad, undefined, `next call on ${backend}: ${bad}`);
  if (backend !== 'js') {
    const s = await sentinel(k);
    const broken = s.findIndex((v, i) => v !== i * 0.5 - 7);
    assert.is(broken, -1, `kernel memory changed: sentinel[${broken}] = ${s[broken]}`);
  }
}

/**
 * Registers one catalogue entry on every backend: `call(k)` must throw Type
 * naming `name`; then the kernel must still work.
 */
function bad(description, Type, name, call, backends = BACKENDS) {
  for (const backend of backends) {
    test(`${backend} · ${description} → ${Type.name} naming ${name}`, async () => {
      const k = await kernel(backend);
      if (backend !== 'js') await sentinel(k);
      throwsNaming(() => call(k), Type, name);
      await nextCallWorks(k, backend);
    });
  }
}

// ------------------------------------------------ language-model scoring (#22)

for (const [op, call] of [
  ['tokenLogProbs', (k, o) => k.tokenLogProbs(L(), T(), 3, o)],
  ['entropyFromLogits', (k, o) => k.entropyFromLogits(L(), 3, o)],
  ['evaluate', (k, o) => k.evaluate(L(), T(), 3, o)],
]) {
  for (const temperature of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    bad(`${op} with temperature ${temperature}`, RangeError, 'temperature', (k) => call(k, { temperature }));
  }
  bad(`${op} with temperature a string`, TypeError, 'temperature', (k) => call(k, { temperature: '2' }));
  bad(`${op} with spatial (an unknown option: LM logits are [tokens, vocab])`, RangeError, 'spatial', (k) => call(k, { spatial: 2 }));
}
bad('tokenLogProbs with target 3 of 3 classes', RangeError, 'target[1]', (k) => k.tokenLogProbs(L(), [0, 3], 3));
bad('evaluate with target −1 (ignoreIndex −100)', RangeError, 'target[1]', (k) => k.evaluate(L(), [0, -1], 3));
bad('evaluate with ignoreIndex 1.5', RangeError, 'ignoreIndex', (k) => k.evaluate(L(), T(), 3, { ignoreIndex: 1.5 }));
bad('evaluate with 3 targets for 2 rows', RangeError, 'target', (k) => k.evaluate(L(), new Int32Array(3), 3));
bad('evaluate with probability targets', TypeError, 'target', (k) => k.evaluate(L(), P(), 3));
bad('evaluate with logProbs a number[]', TypeError, 'logProbs', (k) => k.evaluate(L(), T(), 3, { logProbs: [0, 0] }));
bad('evaluate with entropy "yes"', TypeError, 'entropy', (k) => k.evaluate(L(), T(), 3, { entropy: 'yes' }));
bad('evaluate with argmax a Float32Array', TypeError, 'argmax', (k) => k.evaluate(L(), T(), 3, { argmax: f32(2) }));
bad('evaluate with logProbs of 3 for 2 rows', RangeError, 'logProbs', (k) => k.evaluate(L(), T(), 3, { logProbs: f32(3) }));
bad('tokenLogProbs with out of 6 for 2 rows', RangeError, 'out', (k) => k.tokenLogProbs(L(), T(), 3, { out: f32(6) }));
bad('entropyFromLogits of 7 logits in rows of 3', RangeError, 'logits.length', (k) => k.entropyFromLogits(f32(7), 3));

// ------------------------------------------------ distillation (#25)

const D = (k, o) => k.distillationLoss(L(), P(), 3, o);
for (const temperature of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
  bad(`distillationLoss with temperature ${temperature}`, RangeError, 'temperature', (k) => D(k, { temperature }));
}
for (const beta of [0, 1, -0.5, Number.NaN])
  bad(`distillationLoss with beta ${beta}`, RangeError, 'beta', (k) => D(k, { divergence: 'jsd', beta }));
bad('distillationLoss with beta a string', TypeError, 'beta', (k) => D(k, { beta: '0.5' }));
bad("distillationLoss with divergence 'kl'", RangeError, 'divergence', (k) => D(k, { divergence: 'kl' }));
bad("distillationLoss with reduction 'max'", RangeError, 'reduction', (k) => D(k, { reduction: 'max' }));
bad('distillationLoss with teacherLogProbs 1', TypeError, 'teacherLogProbs', (k) => D(k, { teacherLogProbs: 1 }));
bad('distillationLoss with a teacher of 5', RangeError, 'teacher', (k) => k.distillationLoss(L(), f32(5), 3));
bad('distillationLoss with a number[] teacher', TypeError, 'teacher', (k) => k.distillationLoss(L(), [1, 2, 3, 4, 5, 6], 3));
bad('distillationLoss with target 3 of 3 classes', RangeError, 'target[1]', (k) => D(k, { target: [0, 3] }));
bad('distillationLoss with 3 targets for 2 rows', RangeError, 'target', (k) => D(k, { target: new Int32Array(3) }));
bad('distillationLoss with temperature_ (an unknown option)', RangeError, 'temperature_', (k) => D(k, { temperature_: 2 }));
bad('distillationLossBackward with gradOutput an array for batchmean', TypeError, 'gradOutput', (k) =>
  k.distillationLossBackward(L(), P(), 3, { gradOutput: f32(2) }),
);
bad('distillationLossWithGrad with grad of 5', RangeError, 'grad', (k) => k.distillationLossWithGrad(L(), P(), 3, { grad: f32(5) }));
bad('distillationLossWithGrad with grad = teacher', RangeError, 'grad', (k) => {
  const t = P();
  return k.distillationLossWithGrad(L(), t, 3, { grad: t });
});
bad('distillationLossWithGrad with grad overlapping the student', RangeError, 'grad', (k) => {
  const a = f32(8);
  return k.distillationLossWithGrad(a.subarray(0, 6), P(), 3, { grad: a.subarray(2, 8) });
});
bad('distillationLoss none with out = student', RangeError, 'out', (k) => {
  const a = f32(2);
  return k.distillationLoss(L(), P(), 3, { reduction: 'none', out: a, target: new Int32Array(a.buffer) });
});

// ------------------------------------------------------------ wrong kinds

bad('softmax of a number[]', TypeError, 'x', (k) => k.softmax([1, 2, 3], 3));
bad('softmax of a Float64Array', TypeError, 'x', (k) => k.softmax(new Float64Array(3), 3));
bad('logSumExp of an Int32Array', TypeError, 'x', (k) => k.logSumExp(new Int32Array(3), 3));
bad('argmax of a string', TypeError, 'x', (k) => k.argmax('123', 3));
bad('entropy of null', TypeError, 'p', (k) => k.entropy(null, 3));
bad('softmaxBackward with dy a number[]', TypeError, 'dy', (k) => k.softmaxBackward(L(), [0, 0, 0, 0, 0, 0], 3));
bad('logSumExpBackward with dy a Float64Array', TypeError, 'dy', (k) => k.logSumExpBackward(L(), new Float64Array(2), 3));
bad('crossEntropy of number[] logits', TypeError, 'logits', (k) => k.crossEntropy([1, 2, 3], [0], 3));
bad('crossEntropy with a string target', TypeError, 'target', (k) => k.crossEntropy(L(), 'ab', 3));
bad('crossEntropy with a BigInt64Array target', TypeError, 'target', (k) => k.crossEntropy(L(), new BigInt64Array(2), 3));
bad('crossEntropy with an array-like object target', TypeError, 'target', (k) => k.crossEntropy(L(), { 0: 0, 1: 2, length: 2 }, 3));
bad('crossEntropy with weight a number[]', TypeError, 'weight', (k) => k.crossEntropy(L(), T(), 3, { weight: [1, 1, 1] }));
bad('crossEntropy with options a string', TypeError, 'options', (k) => k.crossEntropy(L(), T(), 3, 'mean'));
bad('crossEntropy with labelSmoothing a string', TypeError, 'labelSmoothing', (k) =>
  k.crossEntropy(L(), T(), 3, { labelSmoothing: '0.1' }),
);
bad('crossEntropy with ignoreIndex a string', TypeError, 'ignoreIndex', (k) => k.crossEntropy(L(), T(), 3, { ignoreIndex: '1' }));
bad('nllLoss of Float64Array logProbs', TypeError, 'logProbs', (k) => k.nllLoss(new Float64Array(6), T(), 3));
bad('klDiv with a number[] target', TypeError, 'target', (k) => k.klDiv(L(), [0, 0, 0, 0, 0, 0], 3));
bad('klDiv with logTarget a number', TypeError, 'logTarget', (k) => k.klDiv(L(), P(), 3, { logTarget: 1 }));
bad('mseLoss of a number[] input', TypeError, 'input', (k) => k.mseLoss([1, 2], f32(2)));
bad('binaryCrossEntropyWithLogits with posWeight a number[]', TypeError, 'posWeight', (k) =>
  k.binaryCrossEntropyWithLogits(L(), P(), { posWeight: [1] }),
);
bad('softmax with out a Float64Array', TypeError, 'out', (k) => k.softmax(L(), 3, { out: new Float64Array(6) }));
bad('argmax with out a Float32Array', TypeError, 'out', (k) => k.argmax(L(), 3, f32(2)));
bad("crossEntropyBackward with an array gradOutput for 'mean'", TypeError, 'gradOutput', (k) =>
  k.crossEntropyBackward(L(), T(), 3, { gradOutput: f32(2) }),
);
bad("mseLossBackward with a string gradOutput for 'none'", TypeError, 'gradOutput', (k) =>
  k.mseLossBackward(L(), L(), { reduction: 'none', gradOutput: 'x' }),
);

// ------------------------------------------------- number[] with non-integers

bad('crossEntropy with target [0, 1.5]', RangeError, 'target[1]', (k) => k.crossEntropy(L(), [0, 1.5], 3));
bad('crossEntropy with target [0, NaN]', RangeError, 'target[1]', (k) => k.crossEntropy(L(), [0, NaN], 3));
bad('nllLoss with target [Infinity, 0]', RangeError, 'target[0]', (k) => k.nllLoss(L(), [Infinity, 0], 3));
bad('crossEntropyBackward with target [0.5, 1]', RangeError, 'target[0]', (k) => k.crossEntropyBackward(L(), [0.5, 1], 3));
bad('crossEntropy with target [0, 2³¹]', RangeError, 'target[1]', (k) => k.crossEntropy(L(), [0, 2 ** 31], 3));
bad("crossEntropy with target [0, '1']", TypeError, 'target[1]', (k) => k.crossEntropy(L(), [0, '1'], 3));
bad('crossEntropy with target [null, 1]', TypeError, 'target[0]', (k) => k.crossEntropy(L(), [null, 1], 3));
bad('crossEntropyWithGrad with a sparse target [0, , ]', TypeError, 'target[1]', (k) => k.crossEntropyWithGrad(L(), [0, undefined], 3)); // eslint-disable-line no-sparse-arrays

// ------------------------------------------- lengths not a multiple of classes

bad('softmax of 7 values in rows of 3', RangeError, 'x.length', (k) => k.softmax(f32(7), 3));
bad('logSumExp of 7 values in rows of 3', RangeError, 'x.length', (k) => k.logSumExp(f32(7), 3));
bad('argmax of 7 values in rows of 3', RangeError, 'x.length', (k) => k.argmax(f32(7), 3));
bad('crossEntropy of 7 logits in rows of 3', RangeError, 'logits.length', (k) => k.crossEntropy(f32(7), [0, 0], 3));
bad('nllLoss of 7 logProbs in rows of 3', RangeError, 'logProbs.length', (k) => k.nllLoss(f32(7), [0, 0], 3));
bad('klDiv of 7 inputs in rows of 3', RangeError, 'input.length', (k) => k.klDiv(f32(7), f32(7), 3));
bad('softmaxBackward of 7 values in rows of 3', RangeError, 'y.length', (k) => k.softmaxBackward(f32(7), f32(7), 3));
bad('softmax of 6 values with classes 3 and spatial 4', RangeError, 'classes·spatial', (k) => k.softmax(L(), 3, { spatial: 4 }));
bad('softmax with spatial 0', RangeError, 'spatial', (k) => k.softmax(L(), 3, { spatial: 0 }));
bad('crossEntropy with spatial 1.5', RangeError, 'spatial', (k) => k.crossEntropy(L(), T(), 3, { spatial: 1.5 }));

// ------------------------------------------------------------- bad classes

for (const classes of [0, -3, 1.5, NaN, Infinity]) {
  bad(`softmax with classes ${classes}`, RangeError, 'classes', (k) => k.softmax(L(), classes));
  bad(`crossEntropy with classes ${classes}`, RangeError, 'classes', (k) => k.crossEntropy(L(), T(), classes));
  bad(`nllLossBackward with classes ${classes}`, RangeError, 'classes', (k) => k.nllLossBackward(L(), T(), classes));
  bad(`klDiv with classes ${classes}`, RangeError, 'classes', (k) => k.klDiv(L(), P(), classes));
  bad(`logSumExpBackward with classes ${classes}`, RangeError, 'classes', (k) => k.logSumExpBackward(L(), f32(2), classes));
}
for (const classes of ['3', undefined, null]) {
  bad(`softmax with classes ${JSON.stringify(classes)}`, TypeError, 'classes', (k) => k.softmax(L(), classes));
  bad(`crossEntropyWithGrad with classes ${JSON.stringify(classes)}`, TypeError, 'classes', (k) =>
    k.crossEntropyWithGrad(L(), T(), classes),
  );
}

// ------------------------------------------------------------------- targets

bad('crossEntropy with target 3 of 3 classes', RangeError, 'target[1]', (k) => k.crossEntropy(L(), [0, 3], 3));
bad('crossEntropy with target −1 (ignoreIndex −100)', RangeError, 'target[1]', (k) => k.crossEntropy(L(), new Int32Array([0, -1]), 3));
bad('crossEntropy with target −100 when ignoreIndex is 1', RangeError, 'target[0]', (k) =>
  k.crossEntropy(L(), [-100, 0], 3, { ignoreIndex: 1 }),
);
bad('nllLoss with target 5 of 3 classes', RangeError, 'target[0]', (k) => k.nllLoss(L(), new Int32Array([5, 0]), 3));
bad('nllLossBackward with a Uint32Array target 2³²−1', RangeError, 'target[0]', (k) =>
  k.nllLossBackward(L(), new Uint32Array([2 ** 32 - 1, 0]), 3),
);
bad('crossEntropyBackward with target 3 of 3 classes', RangeError, 'target[1]', (k) =>
  k.crossEntropyBackward(L(), new Int16Array([0, 3]), 3),
);
bad('crossEntropy with 3 index targets for 2 rows', RangeError, 'target', (k) => k.crossEntropy(L(), new Int32Array(3), 3));
bad('crossEntropy with 5 probability targets for 6 logits', RangeError, 'target', (k) => k.crossEntropy(L(), f32(5), 3));
bad('crossEntropy with ignoreIndex 0 and probability targets', RangeError, 'ignoreIndex', (k) =>
  k.crossEntropy(L(), P(), 3, { ignoreIndex: 0 }),
);
bad('crossEntropy with ignoreIndex 1.5', RangeError, 'ignoreIndex', (k) => k.crossEntropy(L(), T(), 3, { ignoreIndex: 1.5 }));
bad('mseLoss with a target of another length', RangeError, 'target', (k) => k.mseLoss(L(), f32(5)));

// Long batches check four targets at a time: the first bad row is still named,
// wherever it falls in its four (ignored rows around it, a second bad row after).
for (const backend of BACKENDS) {
  test(`${backend} · the first bad target of a long batch is named, wherever it falls in its four`, async () => {
    const k = await kernel(backend);
    const rows = 4099,
      C = 5,
      x = f32(rows * C);
    for (const at of [0, 1, 2, 3, 4094, 4097, 4098]) {
      for (const value of [C, -1, 2 ** 31 - 1, -(2 ** 31)]) {
        const t = Int32Array.from({ length: rows }, (_, r) => (r % 7 === 3 ? -100 : r % C));
        t[at] = value;
        if (at + 1 < rows) t[at + 1] = -5; // a later bad row
        throwsNaming(() => k.crossEntropy(x, t, C), RangeError, `target[${at}]`);
        throwsNaming(() => k.nllLoss(x, t, C), RangeError, `target[${at}]`);
      }
    }
    // and a batch of good and ignored targets passes, its mean over the kept rows
    const t = Int32Array.from({ length: rows }, (_, r) => (r % 7 === 3 ? -100 : r % C));
    const kept = t.filter((c) => c !== -100).length;
    assert.ok(Math.abs(k.crossEntropy(x, t, C) - Math.log(C)) < 1e-6, 'uniform logits: log C');
    const { grad } = k.crossEntropyWithGrad(x, t, C);
    assert.ok(Math.abs(grad[0] - (1 / C - 1) / kept) < 1e-9, 'the gradient divides by the kept rows');
  });
}

test('an out-of-range target error names the row and the value', async () => {
  const k = await kernel(BACKENDS[BACKENDS.length - 1]);
  const e = throwsNaming(() => k.crossEntropy(f32(12), [0, 1, 7, 2], 3), RangeError, 'target[2]');
  assert.match(e.message, /\b7\b/);
});

// ----------------------------------------------------- reductions and options

for (const reduction of ['avg', 'MEAN', '', 'batchmean', null, 1]) {
  bad(`crossEntropy with reduction ${JSON.stringify(reduction)}`, RangeError, 'reduction', (k) =>
    k.crossEntropy(L(), T(), 3, { reduction }),
  );
}
bad("nllLoss with reduction 'batchmean'", RangeError, 'reduction', (k) => k.nllLoss(L(), T(), 3, { reduction: 'batchmean' }));
bad("klDiv with reduction 'avg'", RangeError, 'reduction', (k) => k.klDiv(L(), P(), 3, { reduction: 'avg' }));
bad("mseLoss with reduction 'elementwise_mean'", RangeError, 'reduction', (k) => k.mseLoss(L(), L(), { reduction: 'elementwise_mean' }));
bad("binaryCrossEntropyWithLogitsBackward with reduction 'batchmean'", RangeError, 'reduction', (k) =>
  k.binaryCrossEntropyWithLogitsBackward(L(), P(), { reduction: 'batchmean' }),
);
bad('crossEntropy with the option ignore_index', RangeError, 'ignore_index', (k) => k.crossEntropy(L(), T(), 3, { ignore_index: 1 }));
bad('klDiv with the option log_target', RangeError, 'log_target', (k) => k.klDiv(L(), P(), 3, { log_target: true }));
bad('mseLoss with the option gradOutput (forward)', RangeError, 'gradOutput', (k) => k.mseLoss(L(), L(), { gradOutput: 1 }));

for (const labelSmoothing of [-0.1, 1.01, NaN, Infinity]) {
  bad(`crossEntropy with labelSmoothing ${labelSmoothing}`, RangeError, 'labelSmoothing', (k) =>
    k.crossEntropy(L(), T(), 3, { labelSmoothing }),
  );
  bad(`crossEntropyWithGrad with labelSmoothing ${labelSmoothing}`, RangeError, 'labelSmoothing', (k) =>
    k.crossEntropyWithGrad(L(), P(), 3, { labelSmoothing }),
  );
}

for (const softcap of [0, -30, NaN, Infinity, -Infinity]) {
  bad(`crossEntropy with softcap ${softcap}`, RangeError, 'softcap', (k) => k.crossEntropy(L(), T(), 3, { softcap }));
  bad(`crossEntropyBackward with softcap ${softcap}`, RangeError, 'softcap', (k) => k.crossEntropyBackward(L(), P(), 3, { softcap }));
}
for (const zLoss of [-1e-4, NaN, Infinity]) {
  bad(`crossEntropy with zLoss ${zLoss}`, RangeError, 'zLoss', (k) => k.crossEntropy(L(), T(), 3, { zLoss }));
  bad(`crossEntropyWithGrad with zLoss ${zLoss}`, RangeError, 'zLoss', (k) => k.crossEntropyWithGrad(L(), P(), 3, { zLoss }));
}
bad('crossEntropy with softcap a string', TypeError, 'softcap', (k) => k.crossEntropy(L(), T(), 3, { softcap: '30' }));
bad('crossEntropyWithGrad with zLoss a string', TypeError, 'zLoss', (k) => k.crossEntropyWithGrad(L(), T(), 3, { zLoss: '1e-4' }));

// ---------------------------------------------------- wrong-length arrays

bad('crossEntropy with weight of length 2 for 3 classes', RangeError, 'weight', (k) => k.crossEntropy(L(), T(), 3, { weight: f32(2) }));
bad('crossEntropyBackward with weight of length 4 for 3 classes', RangeError, 'weight', (k) =>
  k.crossEntropyBackward(L(), P(), 3, { weight: f32(4) }),
);
bad('nllLoss with weight of length 4 for 3 classes', RangeError, 'weight', (k) => k.nllLoss(L(), T(), 3, { weight: f32(4) }));
bad('binaryCrossEntropyWithLogits with weight of length 4 for 6 inputs', RangeError, 'weight', (k) =>
  k.binaryCrossEntropyWithLogits(L(), P(), { weight: f32(4) }),
);
bad('binaryCrossEntropyWithLogits with posWeight of length 4 for 6 inputs', RangeError, 'posWeight', (k) =>
  k.binaryCrossEntropyWithLogits(L(), P(), { posWeight: f32(4) }),
);
bad('binaryCrossEntropyWithLogitsBackward with an empty posWeight', RangeError, 'posWeight', (k) =>
  k.binaryCrossEntropyWithLogitsBackward(L(), P(), { posWeight: f32(0) }),
);
bad("crossEntropyBackward 'none' with gradOutput of length 3 for 2 rows", RangeError, 'gradOutput', (k) =>
  k.crossEntropyBackward(L(), T(), 3, { reduction: 'none', gradOutput: f32(3) }),
);
bad("crossEntropyWithGrad 'none' with gradOutput of length 6 for 2 rows", RangeError, 'gradOutput', (k) =>
  k.crossEntropyWithGrad(L(), T(), 3, { reduction: 'none', gradOutput: f32(6) }),
);
bad("nllLossBackward 'none' with gradOutput of length 1", RangeError, 'gradOutput', (k) =>
  k.nllLossBackward(L(), T(), 3, { reduction: 'none', gradOutput: f32(1) }),
);
bad("klDivBackward 'none' with gradOutput of length 5", RangeError, 'gradOutput', (k) =>
  k.klDivBackward(L(), P(), 3, { reduction: 'none', gradOutput: f32(5) }),
);
bad("binaryCrossEntropyWithLogitsBackward 'none' with gradOutput of length 2", RangeError, 'gradOutput', (k) =>
  k.binaryCrossEntropyWithLogitsBackward(L(), P(), { reduction: 'none', gradOutput: f32(2) }),
);
bad('softmax with out of length 5', RangeError, 'out', (k) => k.softmax(L(), 3, f32(5)));
bad('logSoftmax with { out } of length 7', RangeError, 'out', (k) => k.logSoftmax(L(), 3, { out: f32(7) }));
bad('logSumExp with out of length 3 for 2 rows', RangeError, 'out', (k) => k.logSumExp(L(), 3, f32(3)));
bad('argmax with out of length 1 for 2 rows', RangeError, 'out', (k) => k.argmax(L(), 3, new Int32Array(1)));
bad('softmaxBackward with out of length 5', RangeError, 'out', (k) => k.softmaxBackward(L(), L(), 3, f32(5)));
bad("crossEntropy 'none' with out of length 3 for 2 rows", RangeError, 'out', (k) =>
  k.crossEntropy(L(), T(), 3, { reduction: 'none', out: f32(3) }),
);
bad("nllLoss 'none' with out of length 1", RangeError, 'out', (k) => k.nllLoss(L(), T(), 3, { reduction: 'none', out: f32(1) }));
bad("klDiv 'none' with out of length 5", RangeError, 'out', (k) => k.klDiv(L(), P(), 3, { reduction: 'none', out: f32(5) }));
bad("mseLoss 'none' with out of length 7", RangeError, 'out', (k) => k.mseLoss(L(), L(), { reduction: 'none', out: f32(7) }));
bad('crossEntropyBackward with out of length 5 for 6 logits', RangeError, 'out', (k) =>
  k.crossEntropyBackward(L(), T(), 3, { out: f32(5) }),
);
bad('mseLossBackward with out of length 5', RangeError, 'out', (k) => k.mseLossBackward(L(), L(), { out: f32(5) }));

// --------------------------------------------------------- detached buffers

bad('softmax of a detached x', RangeError, 'x', (k) => k.softmax(detached(L()), 3));
bad('crossEntropy of detached logits', RangeError, 'logits', (k) => k.crossEntropy(detached(L()), T(), 3));
bad('crossEntropy with a detached index target', RangeError, 'target', (k) => k.crossEntropy(L(), detached(T()), 3));
bad('crossEntropy with a detached probability target', RangeError, 'target', (k) => k.crossEntropy(L(), detached(P()), 3));
bad('crossEntropy with a detached weight', RangeError, 'weight', (k) => k.crossEntropy(L(), T(), 3, { weight: detached(f32(3)) }));
bad('binaryCrossEntropyWithLogits with a detached posWeight', RangeError, 'posWeight', (k) =>
  k.binaryCrossEntropyWithLogits(L(), P(), { posWeight: detached(f32(6)) }),
);
bad("klDivBackward 'none' with a detached gradOutput", RangeError, 'gradOutput', (k) =>
  k.klDivBackward(L(), P(), 3, { reduction: 'none', gradOutput: detached(f32(6)) }),
);
bad('logSoftmax with a detached out', RangeError, 'out', (k) => k.logSoftmax(L(), 3, detached(f32(6))));
bad('logSumExpBackward with a detached dy', RangeError, 'dy', (k) => k.logSumExpBackward(L(), detached(f32(2)), 3));
bad('mseLoss with a detached target', RangeError, 'target', (k) => k.mseLoss(L(), detached(f32(6))));

// ----------------------------------------------------- zero-copy views

bad('k.f32 of length −1', RangeError, 'length', (k) => k.f32(-1));
bad('k.i32 of length 1.5', RangeError, 'length', (k) => k.i32(1.5));
bad("k.f32 of length '3'", TypeError, 'length', (k) => k.f32('3'));
bad('k.free of a number', TypeError, 'free', (k) => k.free(3));
bad('k.free of a plain Float32Array', TypeError, 'free', (k) => k.free(f32(3)));
bad(
  'k.free of a view twice',
  TypeError,
  'free',
  (k) => {
    const v = k.f32(4);
    k.free(v);
    k.free(v);
  },
  WASM,
);
bad(
  'softmax with a freed view as out',
  TypeError,
  'out',
  (k) => {
    const v = k.f32(6);
    k.free(v);
    k.softmax(L(), 3, v);
  },
  WASM,
);
bad(
  'softmax of a freed view (whatever its message)',
  TypeError,
  'free',
  (k) => {
    const v = k.f32(6);
    k.free(v);
    k.softmax(v, 3);
  },
  WASM,
);
bad(
  'crossEntropy with a subarray of a freed view as target (whatever its message)',
  TypeError,
  'free',
  (k) => {
    const v = k.i32(12);
    const sub = v.subarray(3, 5);
    k.free(v);
    k.crossEntropy(L(), sub, 3);
  },
  WASM,
);

for (const backend of WASM) {
  test(`${backend} · a subarray of a freed view is refused as out even when the call's own scratch takes its block`, async () => {
    const k = await kernel(backend);
    const v = k.f32(64);
    const stale = v.subarray(0, 6);
    k.free(v);
    // The copied input's chunk buffer is allocated first, where v was: the
    // stale subarray must not pass for kernel memory the call may write.
    assert.throws(
      () => k.softmax(L(), 3, stale),
      (e) => e instanceof TypeError && /freed/.test(e.message),
    );
    await nextCallWorks(k, backend);
  });

  test(`${backend} · a freed view's block is reused by the next view, which keeps its own data`, async () => {
    const k = await kernel(backend);
    const a = k.f32(6);
    k.free(a);
    const b = k.f32(6);
    b.set(L());
    assert.throws(
      () => k.softmax(a, 3),
      (e) => e instanceof TypeError,
    );
    assert.equal(Array.from(b), Array.from(L()));
    assert.is(mismatch(k.softmax(b, 3), GOOD.softmax), null);
    k.free(b);
  });
}

// What a call learns of an array (its plain view, extent and address) is kept
// for the next call: a free must make every array be checked again.
for (const backend of BACKENDS) {
  test(`${backend} · views and subarrays used before a free are refused after it`, async () => {
    const k = await kernel(backend);
    const v = k.f32(64),
      t = k.i32(8);
    v.set(L());
    t.set(T());
    const sub = v.subarray(0, 6),
      tsub = t.subarray(0, 2),
      out = v.subarray(32, 38);
    assert.is(mismatch(k.softmax(sub, 3, out), GOOD.softmax), null);
    assert.ok(Number.isFinite(k.crossEntropy(L(), tsub, 3)));
    k.free(v);
    k.free(t);
    for (const call of [() => k.softmax(sub, 3), () => k.softmax(L(), 3, out), () => k.crossEntropy(L(), tsub, 3)]) {
      assert.throws(call, (e) => e instanceof TypeError && /free/.test(e.message));
    }
    assert.is(mismatch(k.softmax(L(), 3), GOOD.softmax), null);
  });
}

// ------------------------------------------------ in place, bad input: untouched

/** Bad calls of crossEntropyWithGrad with grad = logits: each throws, logits keep their values. */
const IN_PLACE = [
  ['a target out of range', RangeError, (k, x) => k.crossEntropyWithGrad(x, [0, 3], 3, { grad: x })],
  ['a non-integer target', RangeError, (k, x) => k.crossEntropyWithGrad(x, [0, 0.5], 3, { grad: x })],
  ['a target of the wrong length', RangeError, (k, x) => k.crossEntropyWithGrad(x, [0, 1, 2], 3, { grad: x })],
  ['labelSmoothing 2', RangeError, (k, x) => k.crossEntropyWithGrad(x, [0, 1], 3, { grad: x, labelSmoothing: 2 })],
  ['a weight of length 2', RangeError, (k, x) => k.crossEntropyWithGrad(x, [0, 1], 3, { grad: x, weight: f32(2) })],
  [
    "'none' with a gradOutput of length 3",
    RangeError,
    (k, x) => k.crossEntropyWithGrad(x, [0, 1], 3, { grad: x, reduction: 'none', gradOutput: f32(3) }),
  ],
  ['reduction avg', RangeError, (k, x) => k.crossEntropyWithGrad(x, [0, 1], 3, { grad: x, reduction: 'avg' })],
];
for (const backend of BACKENDS) {
  for (const [what, Type, call] of IN_PLACE) {
    test(`${backend} · in-place crossEntropyWithGrad with ${what} throws ${Type.name} and leaves the logits untouched`, async () => {
      const k = await kernel(backend);
      const x = L();
      assert.throws(
        () => call(k, x),
        (e) => e instanceof Type,
      );
      assert.equal(Array.from(x), Array.from(L()));
      if (backend !== 'js') {
        const v = k.f32(6); // the same in kernel memory (zero-copy, in place)
        v.set(L());
        assert.throws(
          () => call(k, v),
          (e) => e instanceof Type,
        );
        assert.equal(Array.from(v), Array.from(L()));
        k.free(v);
      }
      await nextCallWorks(k, backend);
    });
  }
}

// ------------------------------------------------ half-precision logits (#26)

const H = () => new Uint16Array([0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600]); // 1…6 as float16
for (const [op, call] of [
  ['softmax', (k, x, o) => k.softmax(x, 3, o)],
  ['argmax', (k, x, o) => k.argmax(x, 3, o)],
  ['crossEntropy', (k, x, o) => k.crossEntropy(x, T(), 3, o)],
  ['crossEntropyWithGrad', (k, x, o) => k.crossEntropyWithGrad(x, T(), 3, o)],
  ['evaluate', (k, x, o) => k.evaluate(x, T(), 3, o)],
  ['entropyFromLogits', (k, x, o) => k.entropyFromLogits(x, 3, o)],
]) {
  const name = op === 'softmax' || op === 'argmax' ? 'x' : 'logits';
  bad(`${op} with a Uint16Array and no dtype`, TypeError, 'dtype', (k) => call(k, H()));
  bad(`${op} with dtype 'fp16'`, RangeError, 'dtype', (k) => call(k, H(), { dtype: 'fp16' }));
  bad(`${op} with a dtype and a Float32Array`, TypeError, 'dtype', (k) => call(k, L(), { dtype: 'bfloat16' }));
  bad(`${op} with an Int16Array`, TypeError, name, (k) => call(k, new Int16Array(6), { dtype: 'float16' }));
}
bad('entropy (probabilities) with dtype', RangeError, 'dtype', (k) => k.entropy(H(), 3, { dtype: 'float16' }));
bad('nllLoss (log-probabilities) with dtype', RangeError, 'dtype', (k) => k.nllLoss(L(), T(), 3, { dtype: 'float16' }));
bad('half logits of length 5 for 3 classes', RangeError, 'logits', (k) => k.crossEntropy(H().subarray(0, 5), T(), 3, { dtype: 'float16' }));
bad('crossEntropyWithGrad with half logits and grad over their bytes', RangeError, 'grad', (k) => {
  const buffer = new ArrayBuffer(24);
  return k.crossEntropyWithGrad(new Uint16Array(buffer, 0, 6), T(), 3, { dtype: 'float16', grad: new Float32Array(buffer, 0, 6) });
});
bad('softmax with out over the half input', RangeError, 'out', (k) => {
  const x = new Uint16Array(12);
  return k.softmax(x, 3, { dtype: 'bfloat16', out: new Float32Array(x.buffer, 0, 3) });
});
bad('a freed k.u16 view as logits', TypeError, 'logits', (k) => {
  const v = k.u16(6);
  k.free(v);
  return k.crossEntropy(v, T(), 3, { dtype: 'float16' });
});
for (const backend of BACKENDS) {
  test(`${backend} · the Uint16Array TypeError says how to pass halves`, async () => {
    const k = await kernel(backend);
    assert.throws(
      () => k.logSumExp(H(), 3),
      (e) => /dtype: 'float16' or 'bfloat16'/.test(e.message) && /\{ out, dtype \}/.test(e.message),
    );
  });
}

// ------------------------------------------------ half-precision gradients (gradDtype, #26)

for (const [op, key, call] of [
  ['crossEntropyBackward', 'out', (k, x, o) => k.crossEntropyBackward(x, T(), 3, o)],
  ['crossEntropyWithGrad', 'grad', (k, x, o) => k.crossEntropyWithGrad(x, T(), 3, o)],
  ['distillationLossBackward', 'out', (k, x, o) => k.distillationLossBackward(x, L(), 3, o)],
  ['distillationLossWithGrad', 'grad', (k, x, o) => k.distillationLossWithGrad(x, L(), 3, o)],
]) {
  const logits = op.startsWith('distillation') ? 'student' : 'logits';
  bad(`${op} with gradDtype 'half'`, RangeError, 'gradDtype', (k) => call(k, L(), { gradDtype: 'half' }));
  bad(`${op} with gradDtype 'bfloat16' and a Float32Array ${key}`, TypeError, key, (k) =>
    call(k, L(), { gradDtype: 'bfloat16', [key]: f32(6) }),
  );
  bad(`${op} with a Uint16Array ${key} and no gradDtype`, TypeError, 'gradDtype', (k) => call(k, L(), { [key]: new Uint16Array(6) }));
  bad(`${op} with an Int16Array ${key}`, TypeError, key, (k) => call(k, L(), { gradDtype: 'float16', [key]: new Int16Array(6) }));
  bad(`${op} with a half ${key} of length 5`, RangeError, key, (k) => call(k, L(), { gradDtype: 'float16', [key]: new Uint16Array(5) }));
  bad(`${op}: float16 logits, bfloat16 ${key} in place`, RangeError, key, (k) => {
    const x = H();
    return call(k, x, { dtype: 'float16', gradDtype: 'bfloat16', [key]: x });
  });
  bad(`${op}: float16 logits, float32 ${key} in place (gradDtype left out)`, TypeError, 'gradDtype', (k) => {
    const x = H();
    return call(k, x, { dtype: 'float16', [key]: x });
  });
  bad(`${op}: float32 logits, a float16 ${key} over their bytes`, RangeError, logits, (k) => {
    const x = L();
    return call(k, x, { gradDtype: 'float16', [key]: new Uint16Array(x.buffer, 0, 6) });
  });
  bad(`${op}: a freed k.u16 view as ${key}`, TypeError, key, (k) => {
    const v = k.u16(6);
    k.free(v);
    return call(k, L(), { gradDtype: 'bfloat16', [key]: v });
  });
}
bad('crossEntropy (no gradient) with gradDtype', RangeError, 'gradDtype', (k) => k.crossEntropy(L(), T(), 3, { gradDtype: 'float16' }));
for (const backend of BACKENDS) {
  test(`${backend} · the gradient's TypeErrors say what to pass`, async () => {
    const k = await kernel(backend);
    assert.throws(
      () => k.crossEntropyWithGrad(L(), T(), 3, { gradDtype: 'bfloat16', grad: f32(6) }),
      (e) => /Uint16Array of bfloat16 bits/.test(e.message) && /leave gradDtype out/.test(e.message),
    );
    assert.throws(
      () => k.crossEntropyBackward(L(), T(), 3, { out: new Uint16Array(6) }),
      (e) => /gradDtype: 'float16' or 'bfloat16'/.test(e.message) && /Float32Array/.test(e.message),
    );
  });
}

// ------------------------------------------------------- regression tests
// Messages that did not name the argument (fixed in 330815e).

for (const backend of WASM) {
  for (const [arg, call] of [
    ['x', (k, v) => k.softmax(v, 3)],
    ['logits', (k, v) => k.crossEntropy(v, T(), 3)],
    ['target', (k, v) => k.crossEntropy(L(), v, 3)],
    ['weight', (k, v) => k.crossEntropy(L(), T(), 3, { weight: v })],
    ['dy', (k, v) => k.softmaxBackward(L(), v, 3)],
  ]) {
    test(`${backend} · regression (freed-view message) · a freed view passed as ${arg} → TypeError naming ${arg}`, async () => {
      const k = await kernel(backend);
      const v = arg === 'target' ? k.i32(2) : k.f32(arg === 'weight' ? 3 : 6);
      k.free(v);
      // The kernel memory used to report every freed input as 'input'.
      throwsNaming(() => call(k, v), TypeError, arg);
      await nextCallWorks(k, backend);
    });
  }
}

for (const backend of BACKENDS) {
  for (const [what, Type, grad] of [
    ['of length 5', RangeError, () => f32(5)],
    ['a Float64Array', TypeError, () => new Float64Array(6)],
    ['detached', RangeError, () => detached(f32(6))],
  ]) {
    test(`${backend} · regression (grad message) · crossEntropyWithGrad with grad ${what} → ${Type.name} naming grad`, async () => {
      const k = await kernel(backend);
      // opts.grad went through outArray(), whose messages said 'out'.
      throwsNaming(() => k.crossEntropyWithGrad(L(), T(), 3, { grad: grad() }), Type, 'grad');
      await nextCallWorks(k, backend);
    });
  }
}

test.run();
