// The engines of simdloss's own rows and the plain-JS baseline (see engines.js
// for what an engine is), shared by the Node harness and the web page's worker.
// No Node imports: the caller says how to read a .wasm file (readWasm(url) →
// bytes), for the exp pass, which instantiates a build itself.
import { init } from '../dist/index.js';
import { expPass } from './exp-pass.js';

export const LIB_BACKENDS = ['relaxed-simd', 'simd', 'scalar', 'js'];

export const baselineEngine = {
  backend: 'baseline', mode: 'loops', supports: () => true,
  prepare: (op, d, s) => ({ call: () => op.baseline(d, s), dispose() {} }),
};

/** simdloss on one backend: the copy path (plain arrays) and, on wasm, the zero-copy path and the exp pass. */
export async function libEngines(backend, readWasm) {
  const k = await init({ backend });
  const copy = {
    backend, mode: 'copy', supports: () => true,
    prepare: (op, d, s) => ({ call: () => op.lib(k, d, s), dispose() {} }),
  };
  const zeroCopy = {
    backend, mode: 'zero-copy', supports: (op) => Boolean(op.zeroCopy),
    prepare(op, d, s) {
      const views = Object.fromEntries(Object.entries(d).map(([name, a]) => {
        const view = a instanceof Int32Array ? k.i32(a.length) : k.f32(a.length);
        view.set(a);
        return [name, view];
      }));
      return { call: () => op.lib(k, views, s), dispose: () => Object.values(views).forEach((v) => k.free(v)) };
    },
  };
  const exp = {
    backend, mode: 'exp pass', unchecked: true, supports: (op) => Boolean(op.expPass),
    prepare: async (op, d) => ({ call: await expPass(backend, d.x, readWasm), dispose() {} }),
  };
  return backend === 'js' ? [copy] : [copy, zeroCopy, exp];
}

/** Whether this runtime runs a simdloss backend (relaxed-simd needs a flag in Node 20). */
export async function runs(backend) {
  try {
    (await init({ backend })).dispose();
    return true;
  } catch {
    return false;
  }
}
