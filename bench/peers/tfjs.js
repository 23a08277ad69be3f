// TensorFlow.js 4.22 as a peer: the wasm backend (its SIMD build, one thread)
// and the cpu backend, each timed two ways:
//   arrays   Float32Array in, result out: tensor creation + op + dataSync
//   tensors  the input tensors already created: op + dataSync
// Results are read outside tf.tidy (which would otherwise scan them) and every
// tensor is disposed; a leak fails the row.
//
// Gradients: tfjs-core registers no gradient functions by itself (the union
// package @tensorflow/tfjs does, by importing register_all_gradients), and its
// Node bundle has none, so they come from its per-file ES build, loaded with a
// resolve hook. tfjs keeps its engine and registries on globalThis, so both
// copies share one engine.
import { createRequire, register } from 'node:module';
import { dirname } from 'node:path';

export const TFJS_BACKENDS = { 'tfjs-wasm': 'wasm', 'tfjs-cpu': 'cpu' };

/** Rows to time for each requested peer ('tfjs-wasm', 'tfjs-cpu'). */
export async function tfjsEngines(peers) {
  if (peers.length === 0) return [];
  const tf = await import('@tensorflow/tfjs-core');
  register('./extensionless.js', import.meta.url);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await import('@tensorflow/tfjs-backend-cpu');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(1);
  wasm.setWasmPaths(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  tf.enableProdMode(); // silences tfjs's warnings (in 4.22 it changes nothing else)

  const read = (r) => (r instanceof tf.Tensor
    ? (r.rank === 0 ? r.dataSync()[0] : r.dataSync())
    : Object.fromEntries(Object.entries(r).map(([key, t]) => [key, read(t)])));
  /** Runs make() in a tidy scope, reads its tensors outside it, disposes them. */
  const resultOf = (make) => {
    const r = tf.tidy(make);
    const out = read(r);
    tf.dispose(r);
    return out;
  };

  async function activate(backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js: backend '${backend}' failed to start`);
  }
  /** Returns a check that every tensor made since this call is gone again. */
  function leakGuard() {
    const before = tf.memory().numTensors;
    return () => {
      const left = tf.memory().numTensors - before;
      if (left !== 0) throw new Error(`TensorFlow.js: ${left} tensors were not disposed`);
    };
  }

  return peers.flatMap((peer) => [
    {
      backend: peer, mode: 'arrays', peer: true, supports: (op) => Boolean(op.tfjs),
      async prepare(op, d, s) {
        await activate(TFJS_BACKENDS[peer]);
        return { call: () => resultOf(() => op.tfjs.run(tf, op.tfjs.tensors(tf, d, s))), dispose: leakGuard() };
      },
    },
    {
      backend: peer, mode: 'tensors', peer: true, supports: (op) => Boolean(op.tfjs),
      async prepare(op, d, s) {
        await activate(TFJS_BACKENDS[peer]);
        const noLeaks = leakGuard();
        const inputs = tf.tidy(() => op.tfjs.tensors(tf, d, s));
        return {
          call: () => resultOf(() => op.tfjs.run(tf, inputs)),
          dispose() {
            tf.dispose(inputs);
            noLeaks();
          },
        };
      },
    },
  ]);
}
