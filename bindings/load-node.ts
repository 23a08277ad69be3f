// Node only: reads the file: URLs load.ts is given, and starts the pool's
// worker threads. Kept apart so that what a browser loads names no Node
// module; package.json's "browser" field maps this file to an empty module
// for bundlers.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker, parentPort } from 'node:worker_threads';

export async function readFileUrl(url: URL): Promise<BufferSource> {
  return new Uint8Array(await readFile(url));
}

/** The cores Node reports. */
export const cores = (): number => availableParallelism();

/** A worker thread running the module at url, unref'd: a process whose work is done exits with the pool still up. */
export function startWorker(url: URL): Worker {
  // The caller's flags (--experimental-wasm-relaxed-simd) but not those that
  // only fit its own entry (--input-type, which a worker file refuses).
  const w = new Worker(url, { execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
  w.unref();
  return w;
}

/** In a worker thread: the port to the thread that started it. */
export const port = () => parentPort;
