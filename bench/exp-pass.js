// The floor a log-sum-exp is measured against: one pass of the same build's
// vector exp over the same data, summed (Σ exp(x), no max, no log, no copy).
import { readFile } from 'node:fs/promises';

/** A function that runs that pass over x, on its own instance of `backend`'s build. */
export async function expPass(backend, x) {
  const bytes = await readFile(new URL(`../dist/wasm/simdloss-${backend}.wasm`, import.meta.url));
  const pages = Math.ceil((x.byteLength + 65536) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 32768, shared: true });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const ptr = Math.ceil(instance.exports.heapBase() / 16) * 16;
  new Float32Array(memory.buffer, ptr, x.length).set(x);
  return () => instance.exports.sumExp(ptr, x.length, 0);
}
