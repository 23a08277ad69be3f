// A worker with a pool of its own: init({ threads: 2 }) needs a page that is
// cross-origin isolated (COOP/COEP, vite.config.js) and a thread that may block
// (a worker). It reports the threads it got and whether a pooled call gave the
// bits of one thread.
import { init } from 'simdloss';

async function pooled() {
  const one = await init(),
    two = await init({ threads: 2 });
  const C = 10,
    R = 20_000;
  const logits = Float32Array.from({ length: R * C }, (_, i) => Math.sin(i) * 4);
  const target = Int32Array.from({ length: R }, (_, r) => (r * 7) % C);
  const a = one.crossEntropyWithGrad(logits, target, C),
    b = two.crossEntropyWithGrad(logits, target, C);
  const sameBits = a.loss === b.loss && a.grad.every((v, i) => Object.is(v, b.grad[i]));
  const result = { backend: two.backend, threads: two.threads, sameBits, loss: b.loss };
  one.dispose();
  two.dispose();
  return result;
}

pooled().then(
  (r) => postMessage(r),
  (e) => postMessage({ error: String(e?.message ?? e) }),
);
