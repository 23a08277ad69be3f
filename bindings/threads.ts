// Starting the worker pool (pool.ts): how many threads, whether this thread
// may block (a browser page's main thread may not), and the workers
// themselves — worker_threads in Node, module Workers in browsers, both
// found beside this module as the builds are. Where a pool cannot run,
// startPool returns null and the instance runs on the calling thread.
import { CONTROL_BYTES, Pool, type PoolWorker, type WorkerStart } from './pool.js';
import type { Exports } from './exports.js';
import type { KernelMemory } from './memory.js';

type NodeSide = Partial<typeof import('./load-node.js')>;

const nodeSide = async (): Promise<NodeSide> => (typeof process === 'object' && process.versions?.node ? import('./load-node.js') : {});

/** The threads 'auto' means: the cores the runtime reports. */
export async function coresHere(): Promise<number> {
  const node = await nodeSide();
  if (typeof node.cores === 'function') return node.cores();
  return typeof navigator === 'object' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
}

/** Whether this thread may block in Atomics.wait (not a browser page's main thread). */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** One worker started and ready, or null where it could not start. */
async function startOne(node: NodeSide, start: WorkerStart): Promise<PoolWorker | null> {
  let gone = false;
  let post: (m: unknown) => void, terminate: () => void;
  let first: Promise<{ ready?: boolean; error?: string }>;
  if (typeof node.startWorker === 'function') {
    const w = node.startWorker(new URL('./worker.js', import.meta.url));
    w.on('exit', () => {
      gone = true;
    });
    w.on('error', () => {
      gone = true;
    });
    first = new Promise((resolve) => {
      w.once('message', resolve);
      w.once('error', () => resolve({ error: 'the worker failed to start' }));
    });
    post = (m) => w.postMessage(m);
    terminate = () => void w.terminate();
  } else if (typeof Worker === 'function') {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    w.addEventListener('error', () => {
      gone = true;
    });
    first = new Promise((resolve) => {
      w.addEventListener('message', (e) => resolve(e.data), { once: true });
      w.addEventListener('error', () => resolve({ error: 'the worker failed to start' }), { once: true });
    });
    post = (m) => w.postMessage(m);
    terminate = () => {
      gone = true;
      w.terminate();
    };
  } else {
    return null;
  }
  post(start);
  const reply = await first;
  if (!reply.ready) {
    terminate();
    return null;
  }
  return {
    terminate,
    get gone() {
      return gone;
    },
  };
}

/**
 * A pool of `threads` threads (the caller and threads − 1 workers) over the
 * instance's memory, or null where none can run here (one thread asked for, no
 * way to block this thread, no workers, or a worker that would not start).
 */
export async function startPool(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  mem: KernelMemory,
  e: Exports,
  threads: number,
): Promise<Pool | null> {
  if (threads <= 1 || !mayBlock()) return null;
  const node = await nodeSide();
  const control = mem.alloc(CONTROL_BYTES);
  new Uint8Array(memory.buffer, control, CONTROL_BYTES).fill(0);
  const started = await Promise.all(
    Array.from({ length: threads - 1 }, (_, i) =>
      startOne(node, { module, memory, control, scratch: mem.alloc(e.scratchBytes()), index: i + 1 }).catch(() => null),
    ),
  );
  const workers = started.filter((w): w is PoolWorker => w !== null);
  if (workers.length < started.length) {
    for (const w of workers) w.terminate();
    return null;
  }
  return new Pool(e, memory, control, workers);
}
