// simdloss: init() picks a backend and returns the operations of API.md.
import { createApi, type Api } from './api.js';
import { createReference } from './reference.js';
import { createWasmKernels, type Exports } from './wasm.js';
import { KernelMemory, MAX_PAGES } from './memory.js';
import { BUILDS, FEATURE, compile, defaultUrl, type WasmBackend, type WasmSource } from './load.js';

export type Backend = WasmBackend | 'js';

export interface InitOptions {
  /** Force one backend; by default the best build this runtime validates. */
  backend?: Backend;
  /** Worker threads; the pool is not built yet, so every call runs on the caller's thread. */
  threads?: number | 'auto';
  /** Where the .wasm comes from: one source, or one per build. */
  wasm?: WasmSource | PerBuild;
}

type PerBuild = Partial<Record<WasmBackend, WasmSource>>;

export type SimdLoss = Api & {
  /** The build that actually runs. */
  readonly backend: Backend;
  /** Threads actually in use. */
  readonly threads: number;
};

const BACKENDS: readonly Backend[] = [...BUILDS, 'js'];
const BUILD_NAMES: WasmBackend[] = ['scalar', 'simd', 'relaxed-simd']; // index = exported build()

/** One source (bytes, URL, Module) rather than one per build. */
function isSingle(wasm: InitOptions['wasm']): wasm is WasmSource {
  return wasm instanceof WebAssembly.Module || wasm instanceof URL || typeof wasm === 'string' ||
    ArrayBuffer.isView(wasm) || wasm instanceof ArrayBuffer;
}

/** The builds to try, best first, each with its source. */
function candidates(wasm: InitOptions['wasm'], wanted: WasmBackend | undefined): [WasmBackend | null, WasmSource][] {
  if (isSingle(wasm)) return [[wanted ?? null, wasm]];
  const builds = wanted ? [wanted] : BUILDS;
  if (wasm === undefined) return builds.map((b) => [b, defaultUrl(b)]);
  if (typeof wasm !== 'object' || wasm === null) throw new TypeError('init: options.wasm must be bytes, a URL, a WebAssembly.Module or { [build]: source }');
  const chosen = builds.filter((b) => (wasm as PerBuild)[b] !== undefined);
  if (wanted && !chosen.length) throw new TypeError(`init: options.wasm has no source for '${wanted}'`);
  return chosen.map((b) => [b, (wasm as PerBuild)[b]!]);
}

function checkOptions(options: InitOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('init: options must be an object');
  if (options.backend !== undefined && !BACKENDS.includes(options.backend)) {
    throw new RangeError(`init: backend must be one of ${BACKENDS.map((b) => `'${b}'`).join(', ')}, got ${String(options.backend)}`);
  }
  const t = options.threads;
  if (t !== undefined && t !== 'auto' && !(typeof t === 'number' && Number.isInteger(t) && t >= 1)) {
    throw new RangeError(`init: threads must be a positive integer or 'auto', got ${String(t)}`);
  }
}

async function instantiate(module: WebAssembly.Module, build: WasmBackend) {
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
  } catch (e) {
    throw new Error(`init: cannot run the '${build}' build: it needs ${FEATURE.scalar} (${(e as Error).message})`);
  }
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as Exports;
  const mem = new KernelMemory(memory, exports.heapBase());
  exports.setScratch(mem.alloc(exports.scratchBytes()));
  return { exports, mem };
}

export async function init(options: InitOptions = {}): Promise<SimdLoss> {
  checkOptions(options);
  const wanted = options.backend;
  let backend: Backend = 'js';
  let kernels = createReference();

  if (wanted !== 'js') {
    for (const [build, source] of candidates(options.wasm, wanted)) {
      const module = typeof WebAssembly === 'object' ? await compile(source) : null;
      if (!module) {
        if (wanted) throw new Error(`init: this runtime cannot run the '${wanted}' build: it needs ${FEATURE[wanted]}`);
        continue;
      }
      let wasm;
      try {
        wasm = await instantiate(module, build ?? wanted ?? 'scalar');
      } catch (e) {
        if (wanted) throw e;
        break; // no shared memory here: the 'js' backend it is
      }
      const actual = BUILD_NAMES[wasm.exports.build()];
      if (build && actual !== build) throw new Error(`init: options.wasm holds the '${actual}' build, not '${build}'`);
      backend = actual;
      kernels = createWasmKernels(wasm.exports, wasm.mem);
      break;
    }
  }

  return Object.assign(createApi(kernels), { backend, threads: 1 });
}

export type { WasmBackend, WasmSource };
