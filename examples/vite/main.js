import { seed } from './seed.js';

const show = (id, r) => {
  const el = document.getElementById(id);
  el.textContent = `${r.loss.toFixed(4)} (${r.backend})`;
  el.dataset.loss = String(r.loss);
  el.dataset.backend = r.backend;
};
const fail = (id, e) => {
  document.getElementById(id).textContent = `error: ${e?.message ?? e}`;
};

seed().then(
  (r) => show('main', r),
  (e) => fail('main', e),
);

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onmessage = ({ data }) => (data.error ? fail('worker', data.error) : show('worker', data));
worker.onerror = (e) => fail('worker', e);

// A worker with a pool of two threads (cross-origin isolated pages only: vite.config.js).
const pooled = new Worker(new URL('./pooled.js', import.meta.url), { type: 'module' });
pooled.onmessage = ({ data }) => {
  const el = document.getElementById('pooled');
  if (data.error) return fail('pooled', data.error);
  el.textContent = `${data.threads} threads (${data.backend}), ${data.sameBits ? 'the bits of one thread' : 'DIFFERENT bits'}`;
  el.dataset.threads = String(data.threads);
  el.dataset.sameBits = String(data.sameBits);
};
pooled.onerror = (e) => fail('pooled', e);
