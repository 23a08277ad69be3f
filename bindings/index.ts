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
  wasm?: WasmSource | Partial<Record<WasmBackend, WasmSource>>;
}

export type SimdLoss = Api & {
  /** The build that actually runs. */
  readonly backend: Backend;
  /** Threads actually in use. */
  readonly threads: number;
  /** Releases the kernel memory; the object must not be used afterwards. */
  dispose(): void;
};

const BACKENDS: readonly Backend[] = [...BUILDS, 'js'];
const BUILD_NAMES: WasmBackend[] = ['scalar', 'simd', 'relaxed-simd']; // index = exported build()

function sourceFor(wasm: InitOptions['wasm'], backend: WasmBackend): WasmSource {
  if (wasm === undefined) return defaultUrl(backend);
  if (wasm instanceof WebAssembly.Module || wasm instanceof URL || typeof wasm === 'string' ||
      ArrayBuffer.isView(wasm) || wasm instanceof ArrayBuffer) return wasm;
  const s = (wasm as Partial<Record<WasmBackend, WasmSource>>)[backend];
  if (!s) throw new TypeError(`init: options.wasm has no source for '${backend}'`);
  return s;
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

function sharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
}

async function instantiate(module: WebAssembly.Module): Promise<{ exports: Exports; mem: KernelMemory }> {
  const memory = sharedMemory();
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as Exports & { build(): number };
  return { exports, mem: new KernelMemory(memory, exports.heapBase()) };
}

export async function init(options: InitOptions = {}): Promise<SimdLoss> {
  checkOptions(options);
  const wanted = options.backend;
  let backend: Backend = 'js';
  let kernels = createReference();

  if (wanted !== 'js') {
    const single = options.wasm !== undefined && sourceFor(options.wasm, 'simd') === sourceFor(options.wasm, 'scalar');
    const candidates = wanted ? [wanted] : single ? [BUILDS[0]] : BUILDS;
    let found = false;
    for (const b of candidates) {
      const module = await compile(sourceFor(options.wasm, b));
      if (!module) continue;
      let wasm;
      try {
        wasm = await instantiate(module);
      } catch (e) {
        if (wanted) throw new Error(`init: cannot run the '${b}' build: ${FEATURE.scalar} is unavailable (${(e as Error).message})`);
        break;
      }
      backend = BUILD_NAMES[(wasm.exports as unknown as { build(): number }).build()];
      kernels = createWasmKernels(wasm.exports, wasm.mem);
      found = true;
      break;
    }
    if (!found && wanted) throw new Error(`init: this runtime cannot run the '${wanted}' build: it needs ${FEATURE[wanted]}`);
  }

  const api = createApi(kernels);
  let disposed = false;
  return Object.assign(api, {
    backend,
    threads: 1,
    dispose() {
      if (disposed) return;
      disposed = true;
      kernels.dispose();
    },
  });
}

export type { WasmBackend, WasmSource };
