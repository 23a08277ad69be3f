// The vector exp every kernel stands on: within 2 ULP of the correctly rounded
// float32 exp over its whole range, in its scalar and f32x4 forms, in each
// build this Node runs (read through the exported sumExp kernel).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';

const f = new Float32Array(1),
  bits = new Uint32Array(f.buffer);
/** Distance in float32 ULPs between got and the float32 rounding of ref (both positive). */
function ulps(got, ref) {
  f[0] = ref;
  const r = bits[0];
  f[0] = got;
  return Math.abs(bits[0] - r);
}

for (const build of ['scalar', 'simd']) {
  test(`${build}: exp within 2 ULP on [−87.3, 88.3], exp(−∞) = 0, NaN stays NaN`, async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 32768, shared: true });
    const bytes = readFileSync(new URL(`../dist/wasm/simdloss-${build}.wasm`, import.meta.url));
    const { exports: k } = (await WebAssembly.instantiate(bytes, { env: { memory } })).instance;
    const heap = new Float32Array(memory.buffer),
      at = 1024;
    const scalar = (x) => {
      heap[at / 4] = x;
      return k.sumExp(at, 1, 0);
    };
    const vector = (x) => {
      heap.fill(x, at / 4, at / 4 + 4);
      return k.sumExp(at, 4, 0) / 4;
    }; // four equal lanes
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      const x = Math.fround(-87.3 + 175.6 * (i / 200_000));
      worst = Math.max(worst, ulps(scalar(x), Math.exp(x)), ulps(vector(x), Math.exp(x)));
    }
    assert.ok(worst <= 2, `max ${worst} ULP`);
    assert.is(scalar(-Infinity), 0);
    assert.is(vector(-Infinity), 0);
    assert.ok(Number.isNaN(scalar(NaN)) && Number.isNaN(vector(NaN)));
  });
}

test.run();
