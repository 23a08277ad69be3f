// Kernel memory on the wasm backends: it grows on demand for large inputs, a
// request beyond its 2 GiB limit is a RangeError (never a trap) after which the
// kernel still works, zero-copy views made before a growth keep working after
// it, and a steady workload never grows it.
//
// The API has no call that reports the wasm memory's size. wasmBytes() reads
// it through a fresh view: the memory is shared, so view.buffer is a
// SharedArrayBuffer whose byteLength is the memory's size when it was obtained.
// Each test uses a kernel of its own, so the sizes it sees are its own doing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../dist/index.js';
import { BACKENDS, close, kernel, mismatch } from './helpers.js';

const WASM = BACKENDS.filter((b) => b !== 'js');
const MiB = 2 ** 20;
const LIMIT = 2048 * MiB;

function wasmBytes(k) {
  const v = k.f32(1);
  const bytes = v.buffer.byteLength;
  k.free(v);
  return bytes;
}

/** Where the allocator puts a new 16-byte view: any leaked block would move it. */
function nextAddress(k) {
  const v = k.f32(4);
  const at = v.byteOffset;
  k.free(v);
  return at;
}

// A 300 MB batch of logits (75 000 rows × 1000 classes): seven distinct rows
// repeated, so the loss has an exact float64 value to compare against.
const C = 1000,
  ROWS = 75_000;
let big = null;
function bigBatch() {
  if (big) return big;
  const logits = new Float32Array(ROWS * C);
  for (let i = 0; i < 7 * C; i++) logits[i] = Math.sin(i * 0.37) * 20 + (i % 13);
  for (let n = 7 * C; n < logits.length; n *= 2) logits.copyWithin(n, 0, Math.min(n, logits.length - n));
  const target = Int32Array.from({ length: ROWS }, (_, r) => (r * 31) % C);
  const lse = [0, 1, 2, 3, 4, 5, 6].map((row) => {
    const o = row * C;
    let m = -Infinity,
      s = 0;
    for (let i = 0; i < C; i++) m = Math.max(m, logits[o + i]);
    for (let i = 0; i < C; i++) s += Math.exp(logits[o + i] - m);
    return m + Math.log(s);
  });
  let total = 0;
  for (let r = 0; r < ROWS; r++) total += lse[r % 7] - logits[(r % 7) * C + target[r]];
  return (big = { logits, target, mean: total / ROWS });
}

// One row of 32 Mi classes (128 MiB), all zeros: logSumExp = log(2²⁵). Wider
// than any streaming chunk, so copying it in needs kernel memory its size.
const WIDE = 2 ** 25;
let wide = null;
const wideRow = () => (wide ??= new Float32Array(WIDE));

for (const backend of WASM) {
  test(`${backend} · a 300 MB batch of logits: crossEntropy is right and the copy streams through a few MiB of kernel memory`, async () => {
    const k = await init({ backend });
    const { logits, target, mean } = bigBatch();
    const before = wasmBytes(k);
    const loss = k.crossEntropy(logits, target, C);
    assert.ok(close(loss, mean), `crossEntropy = ${loss}, expected ${mean}`);
    const after = wasmBytes(k);
    assert.ok(after - before < 16 * MiB, `kernel memory grew by ${(after - before) / MiB} MiB for a copied 300 MB input`);
  });

  test(`${backend} · kernel memory grows on demand: a 300 MB zero-copy batch works as logits`, async () => {
    const k = await init({ backend });
    const { logits, target, mean } = bigBatch();
    const before = wasmBytes(k);
    const x = k.f32(logits.length);
    const t = k.i32(target.length);
    assert.ok(wasmBytes(k) >= logits.byteLength && wasmBytes(k) > before, `memory ${wasmBytes(k) / MiB} MiB after a 300 MB view`);
    x.set(logits);
    t.set(target);
    const loss = k.crossEntropy(x, t, C);
    assert.ok(close(loss, mean), `crossEntropy = ${loss}, expected ${mean}`);
    k.free(x);
    k.free(t);
    assert.ok(close(k.crossEntropy(logits, target, C), mean), 'after freeing the views');
  });

  test(`${backend} · kernel memory grows on demand: a 128 MiB row is copied in whole`, async () => {
    const k = await init({ backend });
    const before = wasmBytes(k);
    const lse = k.logSumExp(wideRow(), WIDE);
    assert.ok(close(lse[0], Math.log(WIDE)), `logSumExp = ${lse[0]}, expected ${Math.log(WIDE)}`);
    const after = wasmBytes(k);
    assert.ok(after >= WIDE * 4 && after > before, `memory ${after / MiB} MiB after a 128 MiB row`);
    k.logSumExp(wideRow().subarray(0, WIDE / 2), WIDE / 2);
    assert.is(wasmBytes(k), after, 'a smaller call grew the memory');
  });

  test(`${backend} · a request beyond the 2 GiB limit is a RangeError, not a trap, and the next call works`, async () => {
    const k = await init({ backend });
    const before = wasmBytes(k),
      at = nextAddress(k);
    for (const request of [() => k.f32(LIMIT / 4), () => k.i32(2 ** 31), () => k.f32(2 ** 40)]) {
      assert.throws(request, (e) => e instanceof RangeError && /MiB/.test(e.message), 'a view beyond the limit');
    }
    assert.is(wasmBytes(k), before, 'a refused request grew the memory');
    assert.is(nextAddress(k), at, 'a refused request leaked a block');
    assert.equal(Array.from(k.argmax(new Float32Array([1, 3, 2]), 3)), [1]);

    // A call that needs more than what is left under the limit.
    const hold = k.f32((LIMIT - 64 * MiB) / 4);
    let error;
    try {
      k.logSumExp(wideRow(), WIDE);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof RangeError, `expected a RangeError, got ${error}`);
    assert.match(error.message, /kernel memory/);
    assert.equal(Array.from(k.argmax(new Float32Array([1, 3, 2]), 3)), [1]);
    k.free(hold);
    const lse = k.logSumExp(wideRow(), WIDE);
    assert.ok(close(lse[0], Math.log(WIDE)), 'the same call once there is room');
    assert.is(nextAddress(k), at, 'blocks leaked');
  });

  test(`${backend} · zero-copy views made before the memory grows keep their data and work as input, target and out after it`, async () => {
    const k = await init({ backend });
    const js = await kernel('js');
    const before = wasmBytes(k);
    const x = k.f32(12),
      t = k.i32(4),
      out = k.f32(12),
      lse = k.f32(4);
    x.set([1, 2, 3, -1, 0, 1, 5, 5, 5, 1e4, 0, -1e4]);
    t.set([0, 2, 1, 0]);
    const grown = k.f32(64 * MiB); // 256 MB: the memory grows
    grown.fill(0.5, 0, 12);
    assert.ok(wasmBytes(k) >= 256 * MiB && wasmBytes(k) > before, 'the memory grew');
    // Views are never detached: the old SharedArrayBuffer still shows the old size, and the same bytes.
    assert.is(x.buffer.byteLength, before);
    assert.equal(Array.from(x), [1, 2, 3, -1, 0, 1, 5, 5, 5, 1e4, 0, -1e4]);
    assert.equal(Array.from(t), [0, 2, 1, 0]);
    // As input and out.
    assert.is(k.softmax(x, 3, out), out);
    assert.is(mismatch(out, js.softmax(x.slice(), 3)), null);
    // As out for data beyond the old end of memory.
    assert.is(k.logSumExp(grown.subarray(0, 12), 3, lse), lse);
    assert.is(mismatch(lse, js.logSumExp(grown.slice(0, 12), 3)), null);
    // As logits, target and in-place grad.
    const ref = js.crossEntropyWithGrad(x.slice(), t.slice(), 3, { labelSmoothing: 0.2 });
    const got = k.crossEntropyWithGrad(x, t, 3, { labelSmoothing: 0.2, grad: x });
    assert.is(got.grad, x);
    assert.is(mismatch(got.loss, ref.loss), null);
    assert.is(mismatch(x, ref.grad), null);
    for (const v of [x, t, out, lse, grown]) k.free(v);
  });

  test(`${backend} · a steady workload never grows kernel memory nor leaks blocks`, async () => {
    const k = await init({ backend });
    const R = 32,
      W = 500;
    const x = new Float32Array(R * W).map((_, i) => Math.sin(i) * 8);
    const t = Int32Array.from({ length: R }, (_, r) => (r * 7) % W);
    const p = new Float32Array(R * W).fill(1 / W);
    const long = new Float32Array(2 * 70000).map((_, i) => Math.cos(i)); // scratch beyond the call arena
    const round = (i) => {
      const views = [k.f32(R * W), k.i32(R), k.f32(3), k.f32(5000)];
      views[0].set(x);
      views[1].set(t);
      k.softmax(x, W);
      k.logSumExpBackward(views[0], new Float32Array(R).fill(1), W);
      k.crossEntropyWithGrad(views[0], views[1], W, { labelSmoothing: 0.1 });
      k.crossEntropy(x, p, W, { reduction: 'none' });
      k.nllLossBackward(k.logSoftmax(x, W), t, W);
      k.klDiv(k.logSoftmax(x, W), p, W, { reduction: 'batchmean' });
      k.binaryCrossEntropyWithLogitsBackward(x, p, { posWeight: new Float32Array(W).fill(2) });
      k.mseLoss(x, p);
      k.crossEntropyWithGrad(long, [5, 69999], 70000);
      try {
        k.crossEntropy(x, [1], W);
      } catch {
        /* a bad call too */
      }
      // Views go back in a different order each round.
      for (let j = 0; j < views.length; j++) k.free(views[(j + i) % views.length]);
    };
    round(0);
    const bytes = wasmBytes(k),
      at = nextAddress(k);
    for (let i = 1; i <= 100; i++) round(i);
    assert.is(wasmBytes(k), bytes, 'kernel memory grew');
    assert.is(nextAddress(k), at, 'blocks leaked');
  });
}

test('release the large test arrays', () => {
  big = null;
  wide = null;
});

test.run();
