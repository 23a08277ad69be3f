// init(): backend choice, where the .wasm comes from, and its errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { init } from '../dist/index.js';

const relaxed = WebAssembly.validate(await readFile(new URL('../dist/wasm/simdloss-relaxed-simd.wasm', import.meta.url)));
const seed = () => [new Float32Array([0.3, 0.3, 0.4, 0.3, 0.4, 0.3, 0.1, 0.2, 0.7]), [2, 1, 0], 3];

test('init() runs the best build this runtime validates', async () => {
  const k = await init();
  assert.is(k.backend, relaxed ? 'relaxed-simd' : 'simd');
  assert.is(k.threads, 1);
  assert.ok(Math.abs(k.crossEntropy(...seed()) - 1.1447) < 1e-4);
  k.dispose();
});

test('init({ backend }) runs exactly that backend', async () => {
  for (const backend of ['js', 'scalar', 'simd']) {
    const k = await init({ backend });
    assert.is(k.backend, backend);
    assert.ok(Math.abs(k.crossEntropy(...seed()) - 1.1447) < 1e-4);
  }
});

test('relaxed-simd is refused with the missing feature named where the runtime lacks it', async () => {
  if (relaxed) return;
  try {
    await init({ backend: 'relaxed-simd' });
    assert.unreachable('init resolved');
  } catch (e) {
    assert.match(e.message, /relaxed SIMD/);
  }
});

test('init({ wasm }) takes bytes, a URL or a compiled module', async () => {
  const url = new URL('../dist/wasm/simdloss-scalar.wasm', import.meta.url);
  const bytes = await readFile(url);
  for (const wasm of [bytes, url, await WebAssembly.compile(bytes), { scalar: url }]) {
    const k = await init({ wasm, backend: 'scalar' });
    assert.is(k.backend, 'scalar');
  }
  const k = await init({ wasm: await readFile(new URL('../dist/wasm/simdloss-simd.wasm', import.meta.url)) });
  assert.is(k.backend, 'simd', 'one source: the build it is');
});

test('bad init options are RangeErrors naming the option', async () => {
  for (const options of [{ backend: 'gpu' }, { threads: 0 }, { threads: 1.5 }]) {
    try {
      await init(options);
      assert.unreachable('init resolved');
    } catch (e) {
      assert.instance(e, RangeError);
      assert.match(e.message, Object.keys(options)[0]);
    }
  }
});

test('after dispose() every operation throws, and dispose() may be called again', async () => {
  for (const backend of ['js', 'simd']) {
    const k = await init({ backend });
    const view = k.f32(9);
    k.dispose();
    k.dispose();
    assert.throws(() => k.crossEntropy(...seed()), /disposed/);
    assert.throws(() => k.f32(4), /disposed/);
    assert.throws(() => k.free(view), /disposed/);
  }
});

test.run();
