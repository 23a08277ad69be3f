// What tests/browser.test.js asks a page's main thread (page.js) or a module
// Web Worker (worker.js) to do. Imports the package's browser entry by a
// relative URL, as a plain static server serves it: no bundler, no import map.
import { init } from '../../dist/index.js';
import { checkCase } from '../compare.js';
import { uniform } from '../../bench/data.js';

const SEED = () => [new Float32Array([0.3, 0.3, 0.4, 0.3, 0.4, 0.3, 0.1, 0.2, 0.7]), [2, 1, 0], 3];

/** Where this runs, and what init() picks here. */
export async function probe() {
  const k = await init();
  const loss = k.crossEntropy(...SEED());
  k.dispose();
  return {
    context: typeof document === 'undefined' ? 'worker' : 'window',
    crossOriginIsolated: self.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer,
    backend: k.backend,
    loss,
  };
}

const cases = new Map();
async function load(file) {
  if (!cases.has(file)) {
    const response = await fetch(new URL(`../fixtures/${file}`, import.meta.url));
    if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
    cases.set(file, (await response.json()).cases);
  }
  return cases.get(file);
}

/** Every case of each fixture file on one backend: counts and the first failures. */
export async function fixtures(backend, files) {
  const k = await init({ backend });
  const report = { backend: k.backend, files: {} };
  try {
    for (const file of files) {
      const r = (report.files[file] = { cases: 0, failed: 0, failures: [] });
      for (const c of await load(file)) {
        r.cases++;
        const problem = checkCase(k, c);
        if (problem) {
          r.failed++;
          if (r.failures.length < 5) r.failures.push(`${c.name}: ${problem}`);
        }
      }
    }
  } finally {
    k.dispose();
  }
  return report;
}

/** init({ wasm }) with each kind of source: the backend each gave, or its error. */
export async function sources() {
  const url = new URL('../../dist/wasm/simdloss-simd.wasm', import.meta.url);
  const bytes = await (await fetch(url)).arrayBuffer();
  const tries = {
    URL: () => init({ wasm: url }),
    string: () => init({ wasm: url.href }),
    ArrayBuffer: () => init({ wasm: bytes }),
    Uint8Array: () => init({ wasm: new Uint8Array(bytes) }),
    Module: async () => init({ wasm: await WebAssembly.compileStreaming(fetch(url)) }),
    'per build': () => init({ wasm: { scalar: new URL('../../dist/wasm/simdloss-scalar.wasm', import.meta.url) } }),
    // a server that sends the wrong MIME type (no streaming compile then)
    'octet-stream': () => init({ wasm: new URL('/octet-stream/dist/wasm/simdloss-simd.wasm', import.meta.url) }),
    'missing file': () => init({ wasm: new URL('../../dist/wasm/nothing-here.wasm', import.meta.url) }),
  };
  const out = {};
  for (const [name, make] of Object.entries(tries)) {
    try {
      const k = await make();
      const loss = k.crossEntropy(...SEED());
      out[name] = `${k.backend} ${loss.toFixed(4)}`;
      k.dispose();
    } catch (e) {
      out[name] = `error: ${e.message}`;
    }
  }
  return out;
}

/** init({ threads: 2 }) here: the threads it got, and whether a pooled call
 *  gives the bits of one thread (crossEntropyWithGrad and softmax, 20 000×10). */
export async function pooled(backend) {
  const one = await init({ backend }),
    two = await init({ backend, threads: 2 });
  const C = 10,
    R = 20_000;
  const x = uniform(R * C, -5, 5, 1);
  const t = Int32Array.from({ length: R }, (_, r) => (r * 7) % C);
  const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  const a = one.crossEntropyWithGrad(x, t, C),
    b = two.crossEntropyWithGrad(x, t, C);
  const result = {
    threads: two.threads,
    sameBits: a.loss === b.loss && same(a.grad, b.grad) && same(one.softmax(x, C), two.softmax(x, C)),
  };
  one.dispose();
  two.dispose();
  return result;
}

/** What init({ backend }) gives here for each backend: the backend, or its error. */
export async function backends() {
  const out = {};
  for (const backend of ['relaxed-simd', 'simd', 'scalar', 'js']) {
    try {
      const k = await init({ backend });
      out[backend] = k.backend;
      k.dispose();
    } catch (e) {
      out[backend] = `error: ${e.message}`;
    }
  }
  return out;
}
