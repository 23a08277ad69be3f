// What a row times, shared by the Node harness and the web page's worker. An
// engine has
//   backend, mode, threads  the row's labels (backend: the candidate's name)
//   tolerance               what its results are checked with (check.js; default the README's)
//   unchecked               true for the exp-only reference pass, whose result is not the op's
//   applies(op)             whether it has a row for this op at all
//   supports(op)            whether it has this op (a row it applies to but does not support is skipped)
//   prepare(op, d, s)       → { call, dispose }: call() runs the op once and returns its result
// Any object with the API's functions is a candidate (candidateEngine): simdloss
// itself on each backend, the plain-JS baseline, a user's module.
// No Node imports: the caller says how to read a .wasm file (readWasm(url) →
// bytes), for the exp pass, which instantiates a build itself.
import { init } from '../dist/index.js';
import * as baseline from './baseline.js';
import { expPass } from './exp-pass.js';

export const LIB_BACKENDS = ['relaxed-simd', 'simd', 'scalar', 'js'];

/** An engine that calls impl's API functions with each op's arguments (made once per row);
 *  simdloss: impl is simdloss itself, which takes the options of simdlossOnly ops. */
export function candidateEngine(impl, { backend, mode, threads = null, tolerance, simdloss = false }) {
  return {
    backend,
    mode,
    threads,
    tolerance,
    applies: () => true,
    supports: (op) => typeof impl[op.fn] === 'function' && (simdloss || !op.simdlossOnly),
    prepare(op, d, s) {
      const f = impl[op.fn],
        args = op.args(d, s);
      return { call: () => f.apply(impl, args), dispose() {} };
    },
  };
}

export const baselineEngine = candidateEngine(baseline, { backend: baseline.name, mode: baseline.mode, threads: baseline.threads });

/**
 * simdloss on one backend (init({ backend, threads })): the copy path (plain arrays) and,
 * on wasm, the zero-copy path and the exp pass (one thread: its own instance of the build).
 */
export async function libEngines(backend, readWasm, { threads = 1 } = {}) {
  const k = await init({ backend, threads });
  const copy = candidateEngine(k, { backend, mode: 'copy', threads: k.threads, simdloss: true });
  const zeroCopy = {
    ...copy,
    mode: 'zero-copy',
    applies: (op) => Boolean(op.zeroCopy),
    prepare(op, d, s) {
      const views = Object.fromEntries(
        Object.entries(d).map(([name, a]) => {
          const view = a instanceof Int32Array ? k.i32(a.length) : a instanceof Uint16Array ? k.u16(a.length) : k.f32(a.length);
          view.set(a);
          return [name, view];
        }),
      );
      const args = op.args(views, s);
      return { call: () => k[op.fn](...args), dispose: () => Object.values(views).forEach((v) => k.free(v)) };
    },
  };
  const exp = {
    backend,
    mode: 'exp pass',
    threads: 1,
    unchecked: true,
    applies: (op) => Boolean(op.expPass),
    supports: () => true,
    prepare: async (_op, d) => ({ call: await expPass(backend, d.x, readWasm), dispose() {} }),
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
