// What a row times: the plain-JS baseline, simdloss on one backend (copy path,
// and zero-copy for the ops that ask for it), or a peer. Each engine has
//   backend, mode        the row's labels
//   peer                 true for other libraries (see suite.js for what that changes)
//   unchecked            true for the exp-only reference pass, whose result is not the op's
//   supports(op)         whether it has this op
//   prepare(op, d, s)    → { call, dispose }: call() runs the op once and returns its result
import { init } from '../dist/index.js';
import { tfjsEngines, TFJS_BACKENDS } from './peers/tfjs.js';
import { expPass } from './exp-pass.js';

export const LIB_BACKENDS = ['relaxed-simd', 'simd', 'scalar', 'js'];
export const PEERS = Object.keys(TFJS_BACKENDS);

const baselineEngine = {
  backend: 'baseline', mode: 'loops', supports: () => true,
  prepare: (op, d, s) => ({ call: () => op.baseline(d, s), dispose() {} }),
};

/** simdloss on one backend: the copy path (plain arrays) and, on wasm, the zero-copy path. */
async function libEngines(backend) {
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
    prepare: async (op, d) => ({ call: await expPass(backend, d.x), dispose() {} }),
  };
  return backend === 'js' ? [copy] : [copy, zeroCopy, exp];
}

/** The engines for these backends and peers, in table order; the baseline after simdloss. */
export async function engines(backends, { baseline }) {
  const lib = [];
  for (const b of LIB_BACKENDS.filter((b) => backends.includes(b))) lib.push(...(await libEngines(b)));
  const peers = await tfjsEngines(PEERS.filter((p) => backends.includes(p)));
  return [...lib, ...(baseline ? [baselineEngine] : []), ...peers];
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
