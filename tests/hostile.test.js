// A hostile caller, class by class: aliased outputs, outputs that are other
// inputs, values changed between the check and the kernel (getters, shared
// buffers, another thread), lengths that lie, float32 overflow in reductions,
// PyTorch's degenerate cases, init mistakes and the messages. Every case ends
// in the float64 reference's answer (the js backend) or a TypeError /
// RangeError, canaries beside every output stay untouched, and the next call
// works.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { init } from '../dist/index.js';
import { BACKENDS, kernel, mismatch } from './helpers.js';
import { uniform } from '../bench/data.js';

const js = await kernel('js');
const CANARY = 0.25;

/** Deterministic data: n floats in [-4, 4). */
const data = (n, seed = 1) => uniform(n, -4, 4, seed);
const targets = (rows, C, seed = 3) => Int32Array.from({ length: rows }, (_, r) => (r * 7 + seed) % C);

/** n floats in kernel memory (k.f32) with a canary block of 8 on each side; fill gives the middle. */
function guarded(k, n, fill) {
  const whole = k.f32(n + 16).fill(CANARY);
  const v = whole.subarray(8, 8 + n);
  if (fill) v.set(fill);
  return { v, whole, intact: () => whole.subarray(0, 8).every((x) => x === CANARY) && whole.subarray(8 + n).every((x) => x === CANARY) };
}

function throws(fn, Type, ...names) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `did not throw (expected a ${Type.name})`);
  assert.ok(error instanceof Type, `threw ${error?.constructor?.name}: ${error?.message} (expected ${Type.name})`);
  for (const n of names) assert.ok(error.message.includes(n), `message does not name ${n}: ${error.message}`);
  return error;
}

function same(got, expected, what) {
  const problem = mismatch(got, expected);
  assert.is(problem, null, `${what}: ${problem}`);
}

/** The next call works and gives the reference's answer. */
function nextCallWorks(k) {
  const x = data(12),
    t = targets(4, 3);
  same(k.crossEntropyWithGrad(x, t, 3).grad, js.crossEntropyWithGrad(x, t, 3).grad, 'next call');
}

/** Half-precision bits whose length and subarray lie. */
class HalfLiar extends Uint16Array {
  get length() {
    return 1e6;
  }
  subarray() {
    return new Uint16Array(1e6);
  }
}

for (const backend of BACKENDS) {
  const k = await kernel(backend);
  const wasm = backend !== 'js';

  // ---------------------------------------------- 1. outputs overlapping inputs

  test(`${backend} · in place through any view of the same range: softmax over 5000 classes, out = x.subarray(0)`, () => {
    const C = 5000,
      x = data(2 * C),
      expected = js.softmax(x, C);
    for (const alias of [(v) => v.subarray(0), (v) => new Float32Array(v.buffer, v.byteOffset, v.length)]) {
      const g = guarded(k, x.length, x);
      const out = alias(g.v);
      assert.is(k.softmax(g.v, C, out), out);
      same(g.v, expected, 'softmax in place');
      assert.ok(g.intact(), 'canary written');
    }
  });

  test(`${backend} · in place through another view: crossEntropyWithGrad with grad = a view of the logits`, () => {
    for (const C of [3, 10, 5000]) {
      const x = data(4 * C),
        t = targets(4, C),
        expected = js.crossEntropyWithGrad(x, t, C, { labelSmoothing: 0.1 });
      const g = guarded(k, x.length, x);
      const grad = new Float32Array(g.v.buffer, g.v.byteOffset, g.v.length);
      const r = k.crossEntropyWithGrad(g.v, t, C, { grad, labelSmoothing: 0.1 });
      assert.is(r.grad, grad);
      same(r.loss, expected.loss, `loss at ${C}`);
      same(g.v, expected.grad, `grad at ${C}`);
      assert.ok(g.intact(), 'canary written');
    }
  });

  test(`${backend} · a partial overlap between an output and an input is a RangeError naming both`, () => {
    const C = 5,
      x0 = data(20);
    const g = guarded(k, 25, data(25));
    const before = Float32Array.from(g.whole);
    throws(() => k.softmax(g.v.subarray(0, 20), C, g.v.subarray(5, 25)), RangeError, 'out', 'x');
    throws(() => k.logSumExp(g.v.subarray(0, 20), C, g.v.subarray(2, 6)), RangeError, 'out', 'x');
    throws(() => k.crossEntropyBackward(g.v.subarray(0, 20), targets(4, C), C, { out: g.v.subarray(1, 21) }), RangeError, 'out', 'logits');
    throws(() => k.mseLossBackward(g.v.subarray(0, 20), x0, { out: g.v.subarray(4, 24) }), RangeError, 'out', 'input');
    // plain memory: two views of one ArrayBuffer
    const buf = new ArrayBuffer(25 * 4);
    const a = new Float32Array(buf, 0, 20);
    a.set(x0);
    throws(() => k.logSoftmax(a, C, new Float32Array(buf, 20, 20)), RangeError, 'out', 'x');
    same(g.whole, before, 'memory after refused calls');
    nextCallWorks(k);
  });

  test(`${backend} · two outputs that overlap are a RangeError naming both`, () => {
    const x = data(12),
      t = targets(4, 3);
    const buf = new ArrayBuffer(12 * 4);
    throws(
      () => k.crossEntropyWithGrad(x, t, 3, { reduction: 'none', out: new Float32Array(buf, 0, 4), grad: new Float32Array(buf) }),
      RangeError,
      'grad',
      'out',
    );
  });

  // ------------------------------------------------ 2. an output that is another input

  test(`${backend} · an output that is another input is a RangeError naming both`, () => {
    const x = data(6),
      q = new Float32Array([0.2, 0.3, 0.5, 1, 0, 0]),
      q0 = Float32Array.from(q);
    throws(() => k.crossEntropyWithGrad(x, q, 3, { grad: q }), RangeError, 'grad', 'target');
    same(q, q0, 'target untouched');
    const w = new Float32Array([1, 2, 3]);
    throws(() => k.crossEntropyBackward(data(9), targets(3, 3), 3, { weight: w, out: new Float32Array(w.buffer) }), RangeError);
    const buf = new ArrayBuffer(6 * 4),
      dy = new Float32Array(buf, 0, 2);
    throws(() => k.logSumExpBackward(data(6), dy, 3, new Float32Array(buf)), RangeError, 'out', 'dy');
    const go = data(6);
    throws(() => k.mseLossBackward(x, data(6, 2), { reduction: 'none', gradOutput: go, out: go }), RangeError, 'out', 'gradOutput');
    nextCallWorks(k);
  });

  test(`${backend} · evaluate's per-row outputs may not overlap the logits, the targets or each other`, () => {
    const C = 3,
      x = data(12),
      t = targets(4, C);
    const buf = new ArrayBuffer(8 * 4);
    throws(
      () => k.evaluate(x, t, C, { logProbs: new Float32Array(buf, 0, 4), entropy: new Float32Array(buf, 8, 4) }),
      RangeError,
      'entropy',
      'logProbs',
    );
    throws(
      () => k.evaluate(x, t, C, { logProbs: new Float32Array(buf, 0, 4), argmax: new Int32Array(buf, 0, 4) }),
      RangeError,
      'argmax',
      'logProbs',
    );
    throws(() => k.evaluate(x, t, C, { entropy: x.subarray(0, 4) }), RangeError, 'entropy', 'logits');
    throws(() => k.evaluate(x, t, C, { argmax: t }), RangeError, 'argmax', 'target');
    throws(() => k.tokenLogProbs(x, t, C, { out: x.subarray(4, 8) }), RangeError, 'out', 'logits');
    throws(() => k.entropyFromLogits(x, C, x.subarray(8, 12)), RangeError, 'out', 'logits');
    // disjoint parts of one buffer are fine, and are what the call returns
    const lp = new Float32Array(buf, 0, 4),
      h = new Float32Array(buf, 16, 4);
    const r = k.evaluate(x, t, C, { logProbs: lp, entropy: h });
    assert.ok(r.logProbs === lp && r.entropy === h && r.argmax === undefined);
    nextCallWorks(k);
  });

  test(`${backend} · outputs allowed in place give the out-of-place bits`, () => {
    const C = 7,
      x = data(28),
      dy = data(28, 5),
      t = targets(4, C),
      p = js.softmax(data(28, 9), C);
    const cases = [
      ['logSoftmax out = x', (a) => k.logSoftmax(a, C, a), () => k.logSoftmax(x, C)],
      ['softmaxBackward out = dy', (a) => k.softmaxBackward(p, a, C, a), () => k.softmaxBackward(p, dy, C), dy],
      ['softmaxBackward out = y', (a) => k.softmaxBackward(a, dy, C, a), () => k.softmaxBackward(p, dy, C), p],
      ['logSoftmaxBackward out = dy', (a) => k.logSoftmaxBackward(x, a, C, a), () => k.logSoftmaxBackward(x, dy, C), dy],
      ['logSumExpBackward out = x', (a) => k.logSumExpBackward(a, data(4, 7), C, a), () => k.logSumExpBackward(x, data(4, 7), C)],
      ['crossEntropyBackward out = logits', (a) => k.crossEntropyBackward(a, t, C, { out: a }), () => k.crossEntropyBackward(x, t, C)],
      ['nllLossBackward out = logProbs', (a) => k.nllLossBackward(a, t, C, { out: a }), () => k.nllLossBackward(x, t, C)],
      ['mseLoss none out = input', (a) => k.mseLoss(a, dy, { reduction: 'none', out: a }), () => k.mseLoss(x, dy, { reduction: 'none' })],
      [
        'binaryCrossEntropyWithLogitsBackward out = target',
        (a) => k.binaryCrossEntropyWithLogitsBackward(x, a, { out: a }),
        () => k.binaryCrossEntropyWithLogitsBackward(x, p, {}),
        p,
      ],
    ];
    for (const [what, inPlace, outOfPlace, input = x] of cases) {
      const expected = outOfPlace();
      for (const where of ['plain', 'zero-copy']) {
        const a = where === 'plain' ? Float32Array.from(input) : guarded(k, input.length, input).v;
        inPlace(a);
        assert.equal(Array.from(a), Array.from(expected), `${what} (${where})`);
      }
    }
  });

  // ---------------------------------------- 3. values that change between check and kernel

  test(`${backend} · an option getter that rewrites the targets: read once, before the targets are checked`, () => {
    const x = data(6),
      t = new Int32Array([0, 1]);
    let reads = 0;
    const opts = {
      reduction: 'none',
      get out() {
        reads++;
        t[1] = 6_000_000;
        return undefined;
      },
    };
    throws(() => k.crossEntropy(x, t, 3, opts), RangeError, 'target[1]');
    assert.is(reads, 1, 'the getter ran once');
    t[1] = 1;
    let flips = 0;
    const sneaky = {
      get weight() {
        flips++;
        return undefined;
      },
      get ignoreIndex() {
        t[0] = 2;
        return -100;
      },
    };
    same(k.crossEntropy(x, t, 3, sneaky), js.crossEntropy(x, new Int32Array([2, 1]), 3), 'targets as the getters left them');
    assert.is(flips, 1);
    // inherited options are not options
    const proto = Object.create({ reduction: 'sum' });
    same(k.crossEntropy(x, t, 3, proto), js.crossEntropy(x, t, 3), 'inherited reduction ignored');
    nextCallWorks(k);
  });

  test(`${backend} · a gradient sharing its ArrayBuffer with the targets: overlap refused, disjoint parts work`, () => {
    const C = 3,
      rows = 40_000,
      x = data(rows * C),
      t0 = targets(rows, C);
    const buf = new ArrayBuffer(rows * 4 + rows * C * 4);
    const t = new Int32Array(buf, 0, rows);
    t.set(t0);
    throws(() => k.crossEntropyWithGrad(x, t, C, { grad: new Float32Array(buf, 0, rows * C) }), RangeError, 'grad', 'target');
    const grad = new Float32Array(buf, rows * 4, rows * C);
    const r = k.crossEntropyWithGrad(x, t, C, { grad });
    const expected = js.crossEntropyWithGrad(x, t0, C);
    same(r.loss, expected.loss, 'loss');
    same(grad, expected.grad, 'grad');
  });

  // -------------------------------------------------------- 4. lengths that lie

  test(`${backend} · typed-array subclasses that lie about length, subarray and set are read as what they are`, () => {
    class Liar extends Float32Array {
      get length() {
        return 1e6;
      }
      subarray() {
        return new Float32Array(1e6);
      }
      set() {
        throw new Error('not called');
      }
    }
    class IntLiar extends Int32Array {
      get length() {
        return 3;
      }
    }
    const C = 3,
      x = data(12),
      t = targets(4, C);
    const out = new Liar(12);
    assert.is(k.softmax(new Liar(x), C, out), out);
    same(new Float32Array(out.buffer), js.softmax(x, C), 'softmax');
    same(k.logSumExp(new Liar(x), C), js.logSumExp(x, C), 'logSumExp');
    same(
      k.crossEntropy(x, new IntLiar(t), C, { weight: new Liar([1, 2, 3]) }),
      js.crossEntropy(x, t, C, { weight: new Float32Array([1, 2, 3]) }),
      'crossEntropy',
    );
    if (wasm) {
      const g = guarded(k, 12);
      const lying = new Liar(g.v.buffer, g.v.byteOffset, 12);
      k.softmax(x, C, lying);
      same(g.v, js.softmax(x, C), 'softmax into a lying kernel-memory view');
      assert.ok(g.intact(), 'canary written');
    }
    Object.defineProperty(x, 'length', { value: 1e6 });
    same(k.logSumExp(x, C), js.logSumExp(data(12), C), 'own length property');
  });

  test(`${backend} · arrays whose buffer resizes or is detached between calls are read as they are now`, () => {
    const C = 3,
      buffer = new ArrayBuffer(48, { maxByteLength: 96 });
    const x = new Float32Array(buffer); // tracks the buffer's length
    x.set(data(12));
    same(k.logSumExp(x, C), js.logSumExp(data(12), C), 'before');
    buffer.resize(24);
    same(k.logSumExp(x, C), js.logSumExp(data(6), C), 'after shrinking');
    const fixed = new Float32Array(new ArrayBuffer(48, { maxByteLength: 96 }), 0, 12);
    fixed.set(data(12));
    fixed.buffer.resize(24); // now out of bounds: length 0
    throws(() => k.softmax(fixed, C, new Float32Array(12)), RangeError);
    const y = data(12);
    k.softmax(y, C);
    structuredClone(y.buffer, { transfer: [y.buffer] });
    throws(() => k.softmax(y, C), RangeError, 'x', 'detached');
    nextCallWorks(k);
  });

  test(`${backend} · Proxies and objects posing as typed arrays are a TypeError naming the argument`, () => {
    const fake = Object.create(Float32Array.prototype);
    throws(() => k.softmax(fake, 3), TypeError, 'x');
    throws(() => k.softmax(new Proxy(data(6), {}), 3), TypeError, 'x');
    throws(() => k.crossEntropy(data(6), new Proxy(new Int32Array(2), {}), 3), TypeError, 'target');
    throws(() => k.softmax(data(6), 3, { out: new Proxy(new Float32Array(6), {}) }), TypeError, 'out');
    nextCallWorks(k);
  });

  test(`${backend} · half-precision bits are read as what they are: lying subclasses, Proxies, detached buffers`, () => {
    const C = 3,
      bits = Uint16Array.from(data(12), (v) => new Uint32Array(Float32Array.of(v).buffer)[0] >>> 16),
      values = Float32Array.from(bits, (h) => new Float32Array(Uint32Array.of(h << 16).buffer)[0]);
    same(k.logSumExp(new HalfLiar(bits), C, { dtype: 'bfloat16' }), js.logSumExp(values, C), 'logSumExp of a lying Uint16Array');
    throws(() => k.crossEntropy(new Proxy(bits, {}), targets(4, C), C, { dtype: 'bfloat16' }), TypeError, 'logits');
    throws(() => k.softmax(Object.create(Uint16Array.prototype), C, { dtype: 'float16' }), TypeError, 'x');
    const y = Uint16Array.from(bits);
    structuredClone(y.buffer, { transfer: [y.buffer] });
    throws(() => k.evaluate(y, targets(4, C), C, { dtype: 'bfloat16' }), RangeError, 'logits', 'detached');
    nextCallWorks(k);
  });

  test(`${backend} · a half-precision gradient is written where it lies: lying subclasses, Proxies, detached buffers`, () => {
    const C = 3,
      x = data(12),
      t = targets(4, C);
    const want = k.crossEntropyWithGrad(x, t, C, { gradDtype: 'bfloat16' }).grad;
    const liar = new HalfLiar(12);
    k.crossEntropyWithGrad(x, t, C, { gradDtype: 'bfloat16', grad: liar });
    same(Uint16Array.from(new Uint16Array(liar.buffer)), want, 'the gradient in a lying Uint16Array');
    throws(() => k.crossEntropyWithGrad(x, t, C, { gradDtype: 'float16', grad: new Proxy(new Uint16Array(12), {}) }), TypeError, 'grad');
    throws(
      () => k.distillationLossBackward(x, x, C, { gradDtype: 'float16', out: Object.create(Uint16Array.prototype) }),
      TypeError,
      'out',
    );
    const y = new Uint16Array(12);
    structuredClone(y.buffer, { transfer: [y.buffer] });
    throws(() => k.crossEntropyBackward(x, t, C, { gradDtype: 'bfloat16', out: y }), RangeError, 'out', 'detached');
    nextCallWorks(k);
  });

  // ----------------------------------------- 5. float32 overflow in reductions

  test(`${backend} · reductions whose float64 value is finite come out finite and close`, () => {
    const big = new Float32Array([3.4e38, -3.4e38, 0, 1e38, -1e38, 3e37]);
    const q = new Float32Array([0, 0.5, 0.5, 0.2, 0.3, 0.5]);
    const w = new Float32Array([1, 2, 0.5]);
    const cases = [
      ['mseLoss sum', (m) => m.mseLoss(new Float32Array([1e20]), new Float32Array([-1e20]), { reduction: 'sum' })],
      ['mseLoss mean', (m) => m.mseLoss(new Float32Array([1e20, 3, -2e19]), new Float32Array([-1e20, 1, 2e19]))],
      ['mseLoss none', (m) => m.mseLoss(new Float32Array([1e20, 3]), new Float32Array([-1e20, 1]), { reduction: 'none' })],
      ['crossEntropy probabilities', (m) => m.crossEntropy(big, q, 3)],
      ['crossEntropy probabilities none', (m) => m.crossEntropy(big, q, 3, { reduction: 'none' })],
      [
        'crossEntropy probabilities smoothed, weighted',
        (m) => m.crossEntropy(big, q, 3, { labelSmoothing: 0.2, weight: w, reduction: 'sum' }),
      ],
      ['crossEntropy index smoothed', (m) => m.crossEntropy(big, new Int32Array([0, 2]), 3, { labelSmoothing: 0.2 })],
      [
        'crossEntropy index smoothed none',
        (m) => m.crossEntropy(big, new Int32Array([0, 2]), 3, { labelSmoothing: 0.2, reduction: 'none' }),
      ],
      ['crossEntropyWithGrad probabilities', (m) => m.crossEntropyWithGrad(big, q, 3).loss],
      [
        'klDiv logTarget sum',
        (m) => m.klDiv(new Float32Array([3.4e38, 0]), new Float32Array([-3.4e38, 0]), 2, { logTarget: true, reduction: 'sum' }),
      ],
    ];
    for (const [what, f] of cases) {
      const expected = f(js),
        got = f(k);
      if (typeof expected === 'number') assert.ok(Number.isFinite(expected), `${what}: the reference is finite (${expected})`);
      same(got, expected, what);
    }
    // channels-first: the redone rows are taken from their strided places
    const S = 2,
      cf = new Float32Array([3.4e38, 1, -3.4e38, 2, 0, 3]); // (1, 3, 2)
    same(
      k.crossEntropy(cf, new Float32Array([0, 0.2, 0.5, 0.3, 0.5, 0.5]), 3, { spatial: S, reduction: 'none' }),
      js.crossEntropy(cf, new Float32Array([0, 0.2, 0.5, 0.3, 0.5, 0.5]), 3, { spatial: S, reduction: 'none' }),
      'channels-first',
    );
  });

  // ------------------------------------------------- 6. PyTorch's degenerate cases

  test(`${backend} · label smoothing with class weights whose kept sum is 0 gives NaN, as PyTorch`, () => {
    const x = data(6),
      w = new Float32Array([0, 0, 2]);
    assert.ok(Number.isNaN(k.crossEntropy(x, new Int32Array([0, 1]), 3, { weight: w, labelSmoothing: 0.1 })));
    assert.ok(Number.isNaN(k.crossEntropy(x, new Int32Array([0, 1]), 3, { weight: new Float32Array(3), labelSmoothing: 0.1 })));
  });

  test(`${backend} · empty batches: 'mean' NaN, 'sum' 0, 'none' and row-wise empty`, () => {
    const e = new Float32Array(0),
      et = new Int32Array(0);
    for (const C of [1, 3, 5000]) {
      for (const [what, f] of [
        ['crossEntropy', (o) => k.crossEntropy(e, et, C, o)],
        ['crossEntropy probabilities', (o) => k.crossEntropy(e, new Float32Array(0), C, o)],
        ['nllLoss', (o) => k.nllLoss(e, et, C, o)],
        ['klDiv', (o) => k.klDiv(e, e, C, o)],
        ['mseLoss', (o) => k.mseLoss(e, e, o)],
        ['binaryCrossEntropyWithLogits', (o) => k.binaryCrossEntropyWithLogits(e, e, o)],
      ]) {
        assert.ok(Number.isNaN(f({})), `${what} mean`);
        assert.is(f({ reduction: 'sum' }), 0, `${what} sum`);
        assert.is(f({ reduction: 'none' }).length, 0, `${what} none`);
      }
      assert.ok(Number.isNaN(k.klDiv(e, e, C, { reduction: 'batchmean' })));
      for (const op of ['logSumExp', 'softmax', 'logSoftmax', 'argmax', 'entropy']) assert.is(k[op](e, C).length, 0, op);
      assert.is(k.softmaxBackward(e, e, C).length, 0);
      assert.is(k.logSumExpBackward(e, e, C).length, 0);
      assert.is(k.crossEntropyBackward(e, et, C).length, 0);
      const r = k.crossEntropyWithGrad(e, et, C);
      assert.ok(Number.isNaN(r.loss) && r.grad.length === 0);
      assert.is(k.mseLossBackward(e, e).length, 0);
      assert.is(k.nllLossBackward(e, et, C).length, 0);
    }
    throws(() => k.logSumExp(e, 0), RangeError, 'classes');
    nextCallWorks(k);
  });

  // ------------------------------------------------------------ 7. zero-copy views

  test(`${backend} · k.f32 / k.free behave as on every backend: a freed view throws when used or freed again`, () => {
    const v = k.f32(6);
    v.set(data(6));
    same(k.softmax(v, 3), js.softmax(data(6), 3), 'a live view');
    k.free(v);
    throws(() => k.softmax(v, 3), TypeError, 'x', 'freed');
    throws(() => k.crossEntropy(data(6), targets(2, 3), 3, { weight: v.subarray(0, 3) }), TypeError, 'freed');
    throws(() => k.free(v), TypeError, 'free', 'freed already');
    throws(() => k.free(new Float32Array(3)), TypeError, 'free', 'not made by this kernel');
  });

  // ------------------------------------------------------------------ 8. messages

  test(`${backend} · messages say what the argument is and what to pass`, () => {
    let e = throws(() => k.crossEntropy(data(9), new Float32Array([1, 2, 0]), 3), RangeError, 'target');
    assert.match(e.message, /probabilities/);
    assert.match(e.message, /integer array|Int32Array/);
    e = throws(() => k.nllLoss(data(9), new Float32Array([1, 2, 0]), 3), TypeError, 'target');
    assert.match(e.message, /Int32Array/);
    e = throws(() => k.logSumExp(data(9), undefined), TypeError, 'classes');
    assert.not.match(e.message, /undefined undefined/);
    const f64 = new Float64Array(9);
    structuredClone(f64.buffer, { transfer: [f64.buffer] });
    e = throws(() => k.crossEntropy(data(9), f64, 3), RangeError, 'target', 'detached');
    assert.not.match(e.message, /%TypedArray%/);
  });
}

// ------------------------------------------------- 3. another thread writing targets

const RACER = `
const { workerData } = require('node:worker_threads');
const views = workerData.map(([buffer, offset, length]) => new Int32Array(buffer, offset, length));
const end = Date.now() + ${1000};
let s = 1;
while (Date.now() < end) {
  for (const t of views) for (let i = 0; i < t.length; i += 7) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    t[i] = s % 3 === 0 ? s - (1 << 30) : s % 3 === 1 ? -100 : s % 5;
  }
}`;

for (const backend of BACKENDS) {
  test(`${backend} · a worker thread racing shared targets for a second: results or RangeErrors, never a trap`, async () => {
    const k = await init({ backend });
    const C = 5,
      rows = 4096,
      x = data(rows * C);
    const userTargets = new Int32Array(new SharedArrayBuffer(rows * 4)).fill(1);
    const kernelTargets = k.i32(rows).fill(2);
    const g = backend === 'js' ? null : guarded(k, rows * C);
    const racer = new Worker(RACER, {
      eval: true,
      workerData: [userTargets, kernelTargets].map((t) => [t.buffer, t.byteOffset, t.length]),
    });
    const running = new Promise((resolve, reject) => {
      racer.on('exit', resolve);
      racer.on('error', reject);
    });
    let calls = 0,
      ranges = 0,
      finished = false;
    running.then(() => {
      finished = true;
    });
    const grad = g ? g.v : new Float32Array(rows * C);
    while (!finished) {
      for (const t of [userTargets, kernelTargets]) {
        for (const call of [
          () => k.crossEntropy(x, t, C, { labelSmoothing: 0.1 }),
          () => k.crossEntropyWithGrad(x, t, C, { grad, weight: new Float32Array([1, 2, 3, 4, 5]) }),
          () => k.nllLoss(x, t, C, { reduction: 'none' }),
          () => k.nllLossBackward(x, t, C, { out: grad, reduction: 'mean' }),
          () => k.evaluate(x, t, C, { logProbs: grad.subarray(0, rows), argmax: true }),
        ]) {
          calls++;
          try {
            call();
          } catch (e) {
            if (!(e instanceof RangeError)) throw e;
            ranges++;
          }
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    await running;
    assert.ok(calls > 20, `only ${calls} calls`);
    assert.ok(ranges > 0, 'no call saw a bad target');
    if (g) assert.ok(g.intact(), 'canary written');
    nextCallWorks(k);
    k.dispose();
  });
}

// ----------------------------------------------------------------- 7. init

test('init rejects unknown options, naming them', async () => {
  try {
    await init({ backnd: 'simd' });
    assert.unreachable('accepted');
  } catch (e) {
    assert.ok(e instanceof RangeError && /backnd/.test(e.message), e.message);
  }
});

test('init with a wasm it cannot compile rejects with what went wrong, with or without a backend', async () => {
  for (const options of [
    { wasm: new Uint8Array([1, 2, 3]) },
    { wasm: new Uint8Array([1, 2, 3]), backend: 'simd' },
    { wasm: { simd: new Uint8Array(8) } },
  ]) {
    try {
      const k = await init(options);
      assert.unreachable(`fell back to ${k.backend}`);
    } catch (e) {
      assert.match(e.message, /options\.wasm.*cannot be compiled/);
      assert.not.match(e.message, /needs WebAssembly SIMD/);
    }
  }
});

test('init with a valid module that is not a simdloss build rejects, naming what is missing', async () => {
  const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]); // a valid empty module
  try {
    await init({ wasm: empty });
    assert.unreachable('accepted');
  } catch (e) {
    assert.match(e.message, /cannot be instantiated as a simdloss build/);
  }
});

test.run();
