// simdloss: init() picks a backend and returns the operations (types.ts).
import { createApi } from './api.js';
import { createReference } from './reference.js';
import { createWasmKernels } from './wasm.js';
import type { Exports } from './exports.js';
import type { Pool } from './pool.js';
import { coresHere, startPool } from './threads.js';
import { KernelMemory, MAX_PAGES } from './memory.js';
import { BUILDS, FEATURE, compile, defaultUrl } from './load.js';
import type { Backend, InitOptions, Kernels, WasmBackend, WasmSource } from './types.js';

export type * from './types.js';

type PerBuild = Partial<Record<WasmBackend, WasmSource>>;

const BACKENDS: readonly Backend[] = [...BUILDS, 'js'];
const BUILD_NAMES: WasmBackend[] = ['scalar', 'simd', 'relaxed-simd']; // index = exported build()

/** One source (bytes, URL, Module) rather than one per build. */
function isSingle(wasm: InitOptions['wasm']): wasm is WasmSource {
  return (
    wasm instanceof WebAssembly.Module ||
    wasm instanceof URL ||
    typeof wasm === 'string' ||
    ArrayBuffer.isView(wasm) ||
    wasm instanceof ArrayBuffer
  );
}

/** The builds to try, best first, each with its source. */
function candidates(wasm: InitOptions['wasm'], wanted: WasmBackend | undefined): [WasmBackend | null, WasmSource][] {
  if (isSingle(wasm)) return [[wanted ?? null, wasm]];
  const builds = wanted ? [wanted] : BUILDS;
  if (wasm === undefined) return builds.map((b) => [b, defaultUrl(b)]);
  if (typeof wasm !== 'object' || wasm === null)
    throw new TypeError('init: options.wasm must be bytes, a URL, a WebAssembly.Module or { [build]: source }');
  const chosen = builds.filter((b) => (wasm as PerBuild)[b] !== undefined);
  if (wanted && !chosen.length) throw new TypeError(`init: options.wasm has no source for '${wanted}'`);
  return chosen.map((b) => [b, (wasm as PerBuild)[b]!]);
}

const OPTIONS = ['backend', 'threads', 'wasm'];

function checkOptions(options: InitOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('init: options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) throw new RangeError(`init: unknown option '${key}' (expected one of ${OPTIONS.join(', ')})`);
  }
  if (options.backend !== undefined && !BACKENDS.includes(options.backend)) {
    throw new RangeError(`init: backend must be one of ${BACKENDS.map((b) => `'${b}'`).join(', ')}, got ${String(options.backend)}`);
  }
  const t = options.threads;
  if (t !== undefined && t !== 'auto' && !(typeof t === 'number' && Number.isInteger(t) && t >= 1)) {
    throw new RangeError(`init: threads must be a positive integer or 'auto', got ${String(t)}`);
  }
}

/** The shared memory every build imports, or null where this runtime has none. */
function sharedMemory(): WebAssembly.Memory | null {
  try {
    return new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
  } catch {
    return null;
  }
}

/** An instance of a compiled build over memory; a module that is not one of
 *  ours (wrong imports or exports) rejects, naming what went wrong. */
async function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory) {
  try {
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = instance.exports as unknown as Exports;
    const mem = new KernelMemory(memory, exports.heapBase());
    exports.setScratch(mem.alloc(exports.scratchBytes()));
    return { exports, mem, memory, build: BUILD_NAMES[exports.build()] };
  } catch (e) {
    throw new Error(`init: the wasm module cannot be instantiated as a simdloss build (${(e as Error).message})`);
  }
}

/** The best build this runtime runs (or the one `options.backend` names), ready to use. */
export async function init(options: InitOptions = {}): Promise<Kernels> {
  checkOptions(options);
  const wanted = options.backend;
  let backend: Backend = 'js';
  let kernels = createReference();
  let pool: Pool | null = null;

  if (wanted !== 'js') {
    const given = options.wasm !== undefined;
    for (const [build, source] of candidates(options.wasm, wanted)) {
      const need = build ?? wanted;
      if (typeof WebAssembly !== 'object') {
        if (wanted) throw new Error(`init: this runtime has no WebAssembly, which the '${wanted}' build needs`);
        break;
      }
      const module = await compile(source);
      if (!(module instanceof WebAssembly.Module)) {
        // Our own builds fail only for a missing feature; a module the caller gave may be anything.
        if (given)
          throw new Error(`init: options.wasm${isSingle(options.wasm) ? '' : `['${build}']`} cannot be compiled here: ${module.error}`);
        if (wanted) throw new Error(`init: this runtime cannot run the '${wanted}' build: it needs ${FEATURE[wanted]}`);
        continue;
      }
      const memory = sharedMemory();
      if (!memory) {
        if (need) throw new Error(`init: cannot run the '${need}' build: it needs ${FEATURE.scalar}`);
        break; // no shared memory here: the 'js' backend it is
      }
      const wasm = await instantiate(module, memory);
      if (need && wasm.build !== need) throw new Error(`init: options.wasm holds the '${wasm.build}' build, not '${need}'`);
      backend = wasm.build;
      const threads = options.threads === 'auto' ? await coresHere() : (options.threads ?? 1);
      pool = await startPool(module, wasm.memory, wasm.mem, wasm.exports, threads);
      kernels = createWasmKernels(wasm.exports, wasm.mem, createReference(), pool);
      break;
    }
  }

  const api = Object.assign(createApi(kernels), { backend, threads: pool?.threads ?? 1 });
  // For the tests of a worker that dies: not part of the API.
  Object.defineProperty(api, Symbol.for('simdloss.pool'), { value: pool });
  return api;
}
