// Candidates, in Node: what a name or path given to the benchmark stands for
// (resolveCandidate, in the parent process), and the engines it makes
// (loadEngines, in the child process that measures it; lib-engines.js says
// what an engine is).
//   'relaxed-simd', 'simd', 'scalar', 'js'   simdloss's backends (copy, zero-copy, exp pass)
//   'baseline'                               the plain-JS loops (bench/baseline.js), always run
//   'tfjs-wasm', 'tfjs-cpu'                  the TensorFlow.js example modules in bench/peers/
//                                            (arrays and tensors: two candidates each)
//   any other string                         a module path (relative to cwd) or file: URL
// A module exports functions of the public API (any subset, same signatures)
// and optionally name, setup() (awaited before anything runs, given
// { threads }), mode, threads, version and tolerance ({ abs, rel }).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baselineEngine, candidateEngine, libEngines, LIB_BACKENDS } from './lib-engines.js';

export { LIB_BACKENDS };
const peer = (file) => new URL(`./peers/${file}`, import.meta.url).href;
export const PEERS = {
  'tfjs-wasm': [peer('tfjs-wasm.js'), peer('tfjs-wasm-tensors.js')],
  'tfjs-cpu': [peer('tfjs-cpu.js'), peer('tfjs-cpu-tensors.js')],
};

/** The candidates a name or path stands for: [{ kind: 'lib' | 'baseline' | 'module', backend?, url?, label, source? }]. */
export function resolveCandidate(spec, cwd = process.cwd()) {
  if (typeof spec !== 'string' || !spec) throw new TypeError(`a candidate is a backend name or a module path, got ${typeof spec}`);
  if (LIB_BACKENDS.includes(spec)) return [{ kind: 'lib', backend: spec, label: spec }];
  if (spec === 'baseline') return [{ kind: 'baseline', label: spec }];
  if (PEERS[spec]) {
    return PEERS[spec].map((url) => {
      const file = path.basename(fileURLToPath(url));
      return { kind: 'module', url, label: file.replace(/\.js$/, ''), source: `simdloss/bench/peers/${file}` };
    });
  }
  const file = spec.startsWith('file:') ? fileURLToPath(spec) : path.resolve(cwd, spec);
  if (!existsSync(file)) {
    throw new RangeError(
      `candidate '${spec}': no such file (${file}); a candidate is ${[...LIB_BACKENDS, ...Object.keys(PEERS)].join(', ')} or a module path`,
    );
  }
  return [{ kind: 'module', url: pathToFileURL(file).href, label: spec, source: spec }];
}

/**
 * One resolved candidate, ready to run (a module's setup() done): { engines, about },
 * about = { name, source, version?, tolerance? } for the results' candidates list.
 */
export async function loadEngines(candidate, { threads = 1 } = {}) {
  const about = { name: candidate.label, source: candidate.source ?? 'simdloss' };
  if (candidate.kind === 'lib') return { engines: await libEngines(candidate.backend, (url) => readFile(url), { threads }), about };
  if (candidate.kind === 'baseline') return { engines: [baselineEngine], about: { ...about, source: 'simdloss/bench/baseline.js' } };
  const mod = await import(candidate.url);
  if (typeof mod.setup === 'function') await mod.setup({ threads });
  about.name = typeof mod.name === 'string' && mod.name ? mod.name : path.basename(fileURLToPath(candidate.url)).replace(/\.[cm]?js$/, '');
  if (typeof mod.version === 'string') about.version = mod.version;
  const engine = candidateEngine(mod, {
    backend: about.name,
    mode: typeof mod.mode === 'string' ? mod.mode : 'arrays',
    threads: Number.isInteger(mod.threads) ? mod.threads : null,
    tolerance: tolerance(mod.tolerance, about.name),
  });
  if (engine.tolerance) about.tolerance = engine.tolerance;
  return { engines: [engine], about };
}

function tolerance(t, name) {
  if (t === undefined) return undefined;
  if (!(t?.abs >= 0) || !(t?.rel >= 0)) throw new RangeError(`${name}: tolerance must be { abs, rel }, two numbers ≥ 0`);
  return { abs: t.abs, rel: t.rel };
}
