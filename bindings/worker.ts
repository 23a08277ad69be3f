// A pool worker (pool.ts), in Node's worker_threads or a browser's module
// Worker: it instantiates the build it is sent over the shared memory, says
// it is ready, then serves jobs until the pool stops it.
import { serve, type WorkerStart } from './pool.js';
import type { Exports } from './exports.js';

async function start(data: WorkerStart, reply: (m: unknown) => void): Promise<void> {
  let e: Exports;
  try {
    const instance = await WebAssembly.instantiate(data.module, { env: { memory: data.memory } });
    e = instance.exports as unknown as Exports;
  } catch (err) {
    reply({ error: (err as Error).message });
    return;
  }
  reply({ ready: true });
  serve(e, data);
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
// No top-level await: bundlers build workers in formats without it.
if (isNode) {
  void import('./load-node.js').then((node: Partial<typeof import('./load-node.js')>) => {
    const parent = node.port!()!;
    parent.once('message', (data: WorkerStart) => void start(data, (m) => parent.postMessage(m)));
  });
} else {
  const scope = self as unknown as {
    onmessage: ((e: MessageEvent<WorkerStart>) => void) | null;
    postMessage(m: unknown): void;
    close(): void;
  };
  scope.onmessage = (event) => {
    scope.onmessage = null;
    void start(event.data, (m) => scope.postMessage(m)).then(() => scope.close());
  };
}
