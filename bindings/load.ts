// Finding and compiling the .wasm builds: beside this module by default
// (new URL(..., import.meta.url)), or wherever init({ wasm }) says.
//
// This file is what browsers and bundlers load too, so it names no Node
// module: file: URLs (Node only) are read by ./load-node.js, imported
// on demand, and package.json's "browser" field maps that file to nothing for
// bundlers. http(s) URLs are fetched and compiled while they download
// (WebAssembly.compileStreaming) when the server sends application/wasm.

import type { WasmBackend, WasmSource } from './types.js';

export const BUILDS: readonly WasmBackend[] = ['relaxed-simd', 'simd', 'scalar'];
/** The feature each build needs beyond WebAssembly 1.0 with threads. */
export const FEATURE: Record<WasmBackend, string> = {
  'relaxed-simd': 'WebAssembly relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)',
  simd: 'WebAssembly SIMD',
  scalar: 'WebAssembly threads (shared memory)',
};

/** Where each build lies by default: dist/wasm/ beside this module. One literal
 *  `new URL('…', import.meta.url)` per build, the form every bundler (Vite,
 *  webpack, Rollup, esbuild, Parcel) recognises and copies into its output. */
export function defaultUrl(backend: WasmBackend): URL {
  switch (backend) {
    case 'relaxed-simd':
      return new URL('./wasm/simdloss-relaxed-simd.wasm', import.meta.url);
    case 'simd':
      return new URL('./wasm/simdloss-simd.wasm', import.meta.url);
    case 'scalar':
      return new URL('./wasm/simdloss-scalar.wasm', import.meta.url);
  }
  throw new RangeError(`simdloss: no build named ${String(backend)}`);
}

/** A compiled module, or why this runtime cannot compile the bytes (a missing
 *  feature, or bytes that are no WebAssembly at all: the engine's message says which). */
export type Compiled = WebAssembly.Module | { error: string };

async function compileBytes(bytes: BufferSource): Promise<Compiled> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function readFileUrl(url: URL): Promise<BufferSource> {
  const node: { readFileUrl?: (url: URL) => Promise<BufferSource> } = await import('./load-node.js');
  if (typeof node.readFileUrl !== 'function') {
    throw new Error(
      `simdloss: cannot read ${url} here (file: URLs need Node); pass init({ wasm }) an http(s) URL, bytes or a WebAssembly.Module`,
    );
  }
  return node.readFileUrl(url);
}

async function compileUrl(url: URL): Promise<Compiled> {
  if (url.protocol === 'file:') return compileBytes(await readFileUrl(url));
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`simdloss: cannot load ${url} (${(e as Error).message})`);
  }
  if (!response.ok) throw new Error(`simdloss: cannot load ${url} (HTTP ${response.status})`);
  // compileStreaming insists on the application/wasm MIME type; a server that
  // sends another one still works, through the bytes.
  const type = response.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && /^\s*application\/wasm\s*(;|$)/i.test(type)) {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (e) {
      if (e instanceof WebAssembly.CompileError) return { error: e.message };
      throw e;
    }
  }
  return compileBytes(await response.arrayBuffer());
}

/** Compiles a source; a source this runtime cannot compile gives the reason. */
export async function compile(source: WasmSource): Promise<Compiled> {
  if (source instanceof WebAssembly.Module) return source;
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) return compileBytes(source);
  return compileUrl(source instanceof URL ? source : new URL(source, import.meta.url));
}
