// The floor a log-sum-exp is measured against: one pass of the same build's
// vector exp over the same data, summed (Σ exp(x), no max, no log, no copy).
// No Node imports (the web page loads it): the caller reads the .wasm file.

/** Where `backend`'s build lies: dist/wasm/. */
export const wasmUrl = (backend) => new URL(`../dist/wasm/simdloss-${backend}.wasm`, import.meta.url);

/** A function that runs that pass over x, on its own instance of `backend`'s build; readWasm(url) gives its bytes. */
export async function expPass(backend, x, readWasm) {
  const bytes = await readWasm(wasmUrl(backend));
  const pages = Math.ceil((x.byteLength + 65536) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 32768, shared: true });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const ptr = Math.ceil(instance.exports.heapBase() / 16) * 16;
  new Float32Array(memory.buffer, ptr, x.length).set(x);
  return () => instance.exports.sumExp(ptr, x.length, 0);
}
