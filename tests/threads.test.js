// The worker pool: the same bits for 1, 2 and 3 threads on every operation
// (plain arrays and zero-copy views, in place, long rows), small calls that
// stay on the calling thread, dispose, a worker that dies, and a Node process
// that exits on its own with a pool up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { init } from '../dist/index.js';
import { BACKENDS } from './helpers.js';
import { generator } from '../bench/data.js';

const POOL = Symbol.for('simdloss.pool');
const WASM = BACKENDS.filter((b) => b !== 'js');

/** n floats in [−5, 5), with a −∞ now and then. */
function data(n, seed = 1) {
  const next = generator(seed);
  return Float32Array.from({ length: n }, () => {
    const u = next();
    return u < 0.002 ? -Infinity : u * 10 - 5;
  });
}
/** bfloat16 bits of floats (truncated), and float16 bit patterns made from floats in [−5, 5): finite halves up to 32, −∞ kept. */
const bf16 = (x) => Uint16Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length), (b) => b >>> 16);
const f16 = (x) => Uint16Array.from(x, (v) => (v === -Infinity ? 0xfc00 : (v < 0 ? 0x8000 : 0) | Math.round(Math.abs(v) * 0x1000)));
/** A result as a list of arrays (a number as a Float64Array of one). */
const parts = (v) => (typeof v === 'number' ? [Float64Array.of(v)] : ArrayBuffer.isView(v) ? [v] : Object.values(v).flatMap(parts)); // objects: every member
/** The same bits, element by element (any NaN matches any NaN, as Object.is). */
function sameBits(a, b, what) {
  const x = parts(a),
    y = parts(b);
  x.forEach((u, j) => {
    const v = y[j];
    assert.is(u.length, v.length, `${what}: length`);
    const W = u.BYTES_PER_ELEMENT === 8 ? BigUint64Array : u.BYTES_PER_ELEMENT === 2 ? Uint16Array : Uint32Array;
    const ub = new W(u.buffer, u.byteOffset, u.length),
      vb = new W(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i < ub.length; i++) {
      if (ub[i] !== vb[i] && !(Number.isNaN(u[i]) && Number.isNaN(v[i])))
        assert.unreachable(`${what}: part ${j} [${i}] ${u[i]} vs ${v[i]}`);
    }
  });
}

/** Every operation on batches large enough for the pool. */
const inputs = new Map();
function inputsOf(k, C, R) {
  const key = `${R}x${C}`;
  if (!inputs.has(key)) {
    const n = R * C;
    inputs.set(key, {
      x: data(n),
      y: data(n, 7),
      p: k.softmax(data(n, 3), C),
      w: data(C, 9).map((v) => Math.abs(v) + 0.1),
      t: Int32Array.from({ length: R }, (_, r) => (r % 13 === 0 ? -100 : (r * 7) % C)),
    });
  }
  return inputs.get(key);
}

function calls(k, C, R, where) {
  const { x, y, t, p, w } = inputsOf(k, C, R);
  const place = (a) => {
    if (where === 'plain') return a;
    const v = a instanceof Int32Array ? k.i32(a.length) : k.f32(a.length);
    v.set(a);
    return v;
  };
  const [X, Y, T, P] = [x, y, t, p].map(place);
  const placeBits = (bits) => {
    if (where === 'plain') return bits;
    const v = k.u16(bits.length);
    v.set(bits);
    return v;
  };
  const ops = [
    ['logSumExp', () => k.logSumExp(X, C)],
    ['softmax', () => k.softmax(X, C)],
    ['logSoftmax', () => k.logSoftmax(X, C)],
    ['argmax', () => k.argmax(X, C)],
    ['entropy', () => k.entropy(P, C)],
    ['softmaxBackward', () => k.softmaxBackward(P, Y, C)],
    ['logSoftmaxBackward', () => k.logSoftmaxBackward(X, Y, C)],
    ['logSumExpBackward', () => k.logSumExpBackward(X, Y.subarray(0, R), C)],
    ['crossEntropy mean', () => k.crossEntropy(X, T, C)],
    ['crossEntropy weighted smoothed sum', () => k.crossEntropy(X, T, C, { weight: w, labelSmoothing: 0.1, reduction: 'sum' })],
    ['crossEntropy none', () => k.crossEntropy(X, T, C, { reduction: 'none' })],
    ['crossEntropy probabilities', () => k.crossEntropy(X, P, C, { labelSmoothing: 0.05 })],
    ['crossEntropyWithGrad', () => k.crossEntropyWithGrad(X, T, C, { weight: w })],
    [
      'crossEntropyWithGrad in place',
      () => {
        const a = place(Float32Array.from(x));
        return k.crossEntropyWithGrad(a, T, C, { grad: a });
      },
    ],
    ['crossEntropy softcap (one log per run of rows)', () => k.crossEntropy(X, T, C, { softcap: 3 })],
    [
      'crossEntropyWithGrad softcap zLoss smoothed',
      () => k.crossEntropyWithGrad(X, T, C, { softcap: 4, zLoss: 0.01, labelSmoothing: 0.1 }),
    ],
    ['crossEntropyWithGrad zLoss weighted sum', () => k.crossEntropyWithGrad(X, T, C, { zLoss: 0.01, weight: w, reduction: 'sum' })],
    ['crossEntropyWithGrad probabilities softcap zLoss', () => k.crossEntropyWithGrad(X, P, C, { softcap: 4, zLoss: 0.01 })],
    [
      'crossEntropyWithGrad softcap zLoss in place',
      () => {
        const a = place(Float32Array.from(x));
        return k.crossEntropyWithGrad(a, T, C, { grad: a, softcap: 4, zLoss: 0.01 });
      },
    ],
    ['crossEntropyBackward probabilities none', () => k.crossEntropyBackward(X, P, C, { reduction: 'none', gradOutput: Y.subarray(0, R) })],
    ['nllLoss', () => k.nllLoss(X, T, C, { weight: w })],
    ['nllLossBackward', () => k.nllLossBackward(X, T, C)],
    ['klDiv', () => k.klDiv(X, P, C, { reduction: 'batchmean' })],
    ['klDivBackward', () => k.klDivBackward(X, Y, C, { logTarget: true })],
    ['mseLoss', () => k.mseLoss(X, Y)],
    ['mseLoss none', () => k.mseLoss(X, Y, { reduction: 'none' })],
    ['binaryCrossEntropyWithLogits', () => k.binaryCrossEntropyWithLogits(X, P, { posWeight: w })],
    ['binaryCrossEntropyWithLogitsBackward', () => k.binaryCrossEntropyWithLogitsBackward(X, P, { weight: w })],
    [
      'softmax in place',
      () => {
        const a = place(Float32Array.from(x));
        return k.softmax(a, C, a);
      },
    ],
    ['crossEntropy channels-first', () => k.crossEntropy(X, T.subarray(0, R), C, { spatial: R, reduction: 'none' })],
    ['tokenLogProbs', () => k.tokenLogProbs(X, T, C, { temperature: 0.7 })],
    ['entropyFromLogits', () => k.entropyFromLogits(X, C)],
    ['evaluate', () => k.evaluate(X, T, C)],
    ['evaluate every output', () => k.evaluate(X, T, C, { logProbs: true, entropy: true, argmax: true, temperature: 1.5 })],
    ['distillationLossWithGrad', () => k.distillationLossWithGrad(X, Y, C, { temperature: 2, target: T })],
    ['distillationLossWithGrad reverse none', () => k.distillationLossWithGrad(X, Y, C, { divergence: 'reverse', reduction: 'none' })],
    [
      'distillationLoss jsd teacher log-probs',
      () => k.distillationLoss(X, k.logSoftmax(Y, C), C, { divergence: 'jsd', teacherLogProbs: true }),
    ],
    [
      'distillationLossWithGrad jsd in place',
      () => {
        const a = place(Float32Array.from(x));
        return k.distillationLossWithGrad(a, Y, C, { divergence: 'jsd', beta: 0.3, grad: a });
      },
    ],
    // half precision: widened task by task as the pool's feed copies rows in
    ['crossEntropyWithGrad bfloat16', () => k.crossEntropyWithGrad(placeBits(bf16(x)), T, C, { dtype: 'bfloat16', softcap: 4 })],
    ['evaluate float16', () => k.evaluate(placeBits(f16(x)), T, C, { dtype: 'float16', entropy: true })],
    ['logSoftmax float16', () => k.logSoftmax(placeBits(f16(x)), C, { dtype: 'float16' })],
    // half-precision gradients (gradDtype): rounded task by task as the pool's feed copies rows out
    ['crossEntropyWithGrad gradDtype bfloat16', () => k.crossEntropyWithGrad(X, T, C, { gradDtype: 'bfloat16', zLoss: 0.01 })],
    [
      'crossEntropyBackward float16 logits, float16 gradient in place',
      () => {
        const a = placeBits(f16(x));
        return k.crossEntropyBackward(a, P, C, { dtype: 'float16', gradDtype: 'float16', out: a, softcap: 4 });
      },
    ],
    [
      'distillationLossWithGrad bfloat16 gradient into a given array',
      () => k.distillationLossWithGrad(X, Y, C, { gradDtype: 'bfloat16', grad: placeBits(new Uint16Array(x.length)), target: T }),
    ],
    [
      'distillationLossBackward float16 gradient',
      () => k.distillationLossBackward(placeBits(bf16(x)), Y, C, { dtype: 'bfloat16', gradDtype: 'float16' }),
    ],
  ];
  return ops;
}

for (const backend of WASM) {
  const kernels = [];
  for (const threads of [1, 2, 3]) kernels.push(await init({ backend, threads }));

  test(`${backend} · init({ threads }) starts the pool: k.threads is 1, 2, 3`, () => {
    assert.equal(
      kernels.map((k) => k.threads),
      [1, 2, 3],
    );
  });

  for (const [C, R] of [
    [10, 14_000],
    [100, 2100],
    [1000, 1100],
    [5000, 1030],
  ]) {
    for (const where of ['plain', 'zero-copy']) {
      test(`${backend} · ${R}×${C} ${where}: every operation gives the same bits on 1, 2 and 3 threads`, () => {
        const results = kernels.map((k) => calls(k, C, R, where).map(([name, f]) => [name, f()]));
        for (let i = 1; i < results.length; i++) {
          results[0].forEach(([name, r], j) => sameBits(r, results[i][j][1], `${name} (${kernels[i].threads} threads)`));
        }
      });
    }
  }

  test(`${backend} · the pool takes big calls and leaves small ones on the calling thread`, () => {
    const k = kernels[1],
      pool = k[POOL];
    let jobs = 0;
    const parallel = pool.parallel;
    pool.parallel = function (...a) {
      jobs++;
      return parallel.apply(this, a);
    };
    try {
      k.crossEntropy(data(640), new Int32Array(64), 10);
      k.mseLoss(data(1000), data(1000));
      assert.is(jobs, 0, 'a 64×10 call woke the pool');
      k.crossEntropy(data(200_000), new Int32Array(20_000), 10);
      assert.is(jobs, 1);
    } finally {
      pool.parallel = parallel;
    }
  });

  test(`${backend} · a worker that dies is an error on the next call, never a hang`, async () => {
    const k = await init({ backend, threads: 2 });
    const x = data(200_000),
      t = new Int32Array(20_000);
    k.crossEntropy(x, t, 10);
    k[POOL].workers[0].terminate();
    await new Promise((r) => setTimeout(r, 200));
    assert.throws(() => k.crossEntropy(x, t, 10), /worker thread/);
    k.dispose();
  });

  test(`${backend} · dispose ends the pool; every call afterwards throws`, async () => {
    const k = await init({ backend, threads: 3 });
    const workers = k[POOL].workers;
    k.dispose();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(
      workers.every((w) => w.gone),
      'a worker is still running',
    );
    assert.throws(() => k.logSumExp(data(6), 3), /disposed/);
  });
}

test("threads: 'auto' uses the cores Node reports; the js backend runs on one thread", async () => {
  const { availableParallelism } = await import('node:os');
  const k = await init({ backend: WASM[0], threads: 'auto' });
  assert.is(k.threads, availableParallelism());
  k.dispose();
  const j = await init({ backend: 'js', threads: 4 });
  assert.is(j.threads, 1);
});

test('a Node process with a pool up exits on its own when its work is done', () => {
  const script = `import { init } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
    const k = await init({ threads: 2 });
    k.crossEntropy(new Float32Array(400000), new Int32Array(40000), 10);
    console.log('done ' + k.threads);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.is(r.error, undefined, `did not exit: ${r.error}`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /done 2/, `stdout: ${r.stdout} stderr: ${r.stderr}`);
});

test.run();
