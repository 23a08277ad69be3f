// TensorFlow.js 4.22 as candidates of the benchmark (tfjs-wasm.js, tfjs-cpu.js and
// their -tensors variants, each a module of the kind a user writes): the wasm
// backend (its SIMD build, one thread) and the cpu backend, each two ways:
//   arrays   Float32Array in, result out: tensor creation + op + dataSync
//   tensors  the input tensors already made (for the arrays of the last call, kept
//            until other arrays come): op + dataSync
// Results are read outside tf.tidy (which would otherwise scan them) and every
// tensor of a call is disposed. An `out` (or opts.grad) given is written, as the
// API does.
//
// Gradients: tfjs-core registers no gradient functions by itself (the union
// package @tensorflow/tfjs does, by importing register_all_gradients), and its
// Node bundle has none, so they come from its per-file ES build, loaded with a
// resolve hook. tfjs keeps its engine and registries on globalThis, so both
// copies share one engine. TensorFlow.js is a dev dependency of simdloss: it is
// loaded only by setup(), when one of these candidates is asked for.
import { createRequire, register } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);
let tf = null;

async function load() {
  if (tf) return tf;
  const core = await import('@tensorflow/tfjs-core');
  register('./extensionless.js', import.meta.url);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await import('@tensorflow/tfjs-backend-cpu');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(1);
  wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  core.enableProdMode(); // silences tfjs's warnings (in 4.22 it changes nothing else)
  tf = core;
  return tf;
}

const matrix = (x, classes) => tf.tensor2d(x, [x.length / classes, classes]);
const labels = (target, classes) =>
  target instanceof Float32Array
    ? matrix(target, classes) // probabilities
    : tf.oneHot(tf.tensor1d(target, 'int32'), classes);
const flat = (input, target) => ({ input: tf.tensor1d(input), target: tf.tensor1d(target) });

/** Each API function: its input tensors, the op on them, and where its result goes (out, opts.grad). */
const OPS = {
  logSumExp: { tensors: (x, c) => ({ x: matrix(x, c) }), run: (t) => tf.logSumExp(t.x, 1), out: (a) => a[2] },
  softmax: { tensors: (x, c) => ({ x: matrix(x, c) }), run: (t) => tf.softmax(t.x), out: (a) => a[2] },
  logSoftmax: { tensors: (x, c) => ({ x: matrix(x, c) }), run: (t) => tf.logSoftmax(t.x), out: (a) => a[2] },
  argmax: { tensors: (x, c) => ({ x: matrix(x, c) }), run: (t) => tf.argMax(t.x, 1), out: (a) => a[2] },
  crossEntropy: {
    tensors: (x, target, c) => ({ x: matrix(x, c), labels: labels(target, c) }),
    run: (t) => tf.losses.softmaxCrossEntropy(t.labels, t.x),
  },
  crossEntropyWithGrad: {
    tensors: (x, target, c) => ({ x: matrix(x, c), labels: labels(target, c) }),
    run: (t) => {
      const { value, grads } = tf.valueAndGrads((x) => tf.losses.softmaxCrossEntropy(t.labels, x))([t.x]);
      return { loss: value, grad: grads[0] };
    },
    out: (a) => a[3]?.grad,
  },
  mseLoss: { tensors: flat, run: (t) => tf.losses.meanSquaredError(t.target, t.input) },
  binaryCrossEntropyWithLogits: { tensors: flat, run: (t) => tf.losses.sigmoidCrossEntropy(t.target, t.input) },
};

const read = (r) =>
  r instanceof tf.Tensor
    ? r.rank === 0
      ? r.dataSync()[0]
      : r.dataSync()
    : Object.fromEntries(Object.entries(r).map(([key, t]) => [key, read(t)]));

/** Runs make() in a tidy scope, reads its tensors outside it, disposes them. */
function resultOf(make) {
  const r = tf.tidy(make);
  const out = read(r);
  tf.dispose(r);
  return out;
}

/** Writes a result into the caller's array where one was given. */
function into(result, dest) {
  if (!dest) return result;
  if (result.grad) return { loss: result.loss, grad: (dest.set(result.grad), dest) };
  dest.set(result);
  return dest;
}

/** A candidate: TensorFlow.js's `backend` ('wasm' or 'cpu'), with input tensors made per call or kept (tensors). */
export function tfjsCandidate(backend, { tensors = false } = {}) {
  let kept = null; // tensors mode: { args, t } of the last call
  const inputs = (op, args) => {
    if (kept && kept.op === op && args.length === kept.args.length && args.every((a, i) => a === kept.args[i])) return kept.t;
    if (kept) tf.dispose(kept.t);
    kept = { op, args, t: tf.tidy(() => op.tensors(...args)) };
    return kept.t;
  };
  const candidate = {
    name: `tfjs-${backend}`,
    mode: tensors ? 'tensors' : 'arrays',
    threads: 1,
    version: require('@tensorflow/tfjs-core/package.json').version,
    // TensorFlow.js sums in float32: its mean losses over 10^5–10^6 logits are
    // off by up to a few 1e-3 relative (the README's tolerance allows ~1e-6).
    // Its rows are timed within this one, and marked ⚠ with the README's mismatch.
    tolerance: { abs: 1e-5, rel: 1e-2 },
    async setup() {
      await load();
      if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js: backend '${backend}' failed to start`);
    },
  };
  for (const [name, op] of Object.entries(OPS)) {
    candidate[name] = (...args) => {
      const kept = tensors ? inputs(op, args) : null; // made outside the call's tidy scope, which would dispose them
      return into(
        resultOf(() => op.run(kept ?? op.tensors(...args))),
        op.out?.(args),
      );
    };
  }
  return candidate;
}
