// The page's main thread: suite.js here, and inWorker() to run it in a module worker.
import * as suite from './suite.js';

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let next = 0;
let workerError = null;
const workerReady = new Promise((resolve, reject) => {
  worker.onmessage = ({ data }) => {
    if (data.ready) return resolve(true);
    const p = pending.get(data.id);
    pending.delete(data.id);
    if (data.error) p.reject(new Error(data.error));
    else p.resolve(data.result);
  };
  worker.onerror = (e) => {
    workerError = new Error(`worker failed: ${e.message || 'could not load its module'}`);
    reject(workerError);
    for (const p of pending.values()) p.reject(workerError);
    pending.clear();
  };
});
workerReady.catch(() => {});

window.suite = suite;
window.inWorker = async (fn, ...args) => {
  if (workerError) throw workerError;
  await workerReady;
  return new Promise((resolve, reject) => {
    pending.set(++next, { resolve, reject });
    worker.postMessage({ id: next, fn, args });
  });
};
document.body.dataset.ready = 'true';
