// Finding and compiling the .wasm builds: beside this module by default
// (new URL(..., import.meta.url)), or wherever init({ wasm }) says.

export type WasmBackend = 'relaxed-simd' | 'simd' | 'scalar';
export type WasmSource = BufferSource | URL | string | WebAssembly.Module;

export const BUILDS: readonly WasmBackend[] = ['relaxed-simd', 'simd', 'scalar'];
/** The feature each build needs beyond WebAssembly 1.0 with threads. */
export const FEATURE: Record<WasmBackend, string> = {
  'relaxed-simd': 'WebAssembly relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)',
  simd: 'WebAssembly SIMD',
  scalar: 'WebAssembly threads (shared memory)',
};

export function defaultUrl(backend: WasmBackend): URL {
  return new URL(`./wasm/simdloss-${backend}.wasm`, import.meta.url);
}

async function bytesOf(source: URL | string): Promise<BufferSource> {
  const url = source instanceof URL ? source : new URL(source, import.meta.url);
  if (url.protocol === 'file:') {
    const fs = await import('node:fs/promises');
    return new Uint8Array(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`simdloss: cannot load ${url} (${response.status})`);
  return response.arrayBuffer();
}

/** Compiles a source, or returns null when this runtime cannot validate it. */
export async function compile(source: WasmSource): Promise<WebAssembly.Module | null> {
  if (source instanceof WebAssembly.Module) return source;
  const bytes = ArrayBuffer.isView(source) || source instanceof ArrayBuffer ? source : await bytesOf(source);
  if (!WebAssembly.validate(bytes)) return null;
  return WebAssembly.compile(bytes);
}
