// The measuring loop, shared by the Node harness (suite.js, timing with
// benchmark.js) and the web page's worker (bench/web/, its own timing loop):
// for each op and shape, every engine's result is checked against the
// baseline, then timed. Rows carry throughput in million logits per second
// (rows·classes per second, from the median sample).
//
// simdloss (and the baseline) must match: a wrong result is a failed row, not
// timed. A peer that misses the tolerance is still timed, with the mismatch
// kept in `inaccurate` (TensorFlow.js's wasm backend sums in float32).
// Plain ESM with no Node imports: the caller passes `measure`.
import { mismatch } from './check.js';

async function timeRow(row, engine, op, d, s, ref, timing, measure) {
  const { call, dispose } = await engine.prepare(op, d, s);
  try {
    const t0 = performance.now();
    const result = call();
    const callSeconds = (performance.now() - t0) / 1000;
    const wrong = engine.unchecked ? null : mismatch(result, ref);
    if (wrong && !engine.peer) throw new Error(wrong);
    if (wrong) row.inaccurate = wrong;
    const m = measure(call, timing, callSeconds);
    Object.assign(row, { mlogits: (s.rows * s.classes) / m.seconds / 1e6, rme: m.rme, samples: m.samples });
  } finally {
    dispose();
  }
}

/** A result (number, typed array or an object of them) with its arrays copied. */
function snapshot(result) {
  if (ArrayBuffer.isView(result)) return result.slice();
  if (typeof result !== 'object' || result === null) return result;
  return Object.fromEntries(Object.entries(result).map(([key, v]) => [key, snapshot(v)]));
}

/**
 * Checks and times every op × shape × engine. measure(fn, timing, callSeconds)
 * → { seconds, rme, samples } times one row; onRow(row, { done, total, started })
 * is called after each row (started: Date.now() when the loop began).
 */
export async function runRows({ ops, shapes, engines, timing, measure, onRow = () => {} }) {
  const rows = [];
  const total = shapes.length * ops.reduce((n, op) => n + engines.filter((e) => e.supports(op)).length, 0);
  const started = Date.now();
  for (const op of ops) {
    for (const s of shapes) {
      const d = op.inputs(s);
      // a copy: the baseline may write into an array of d that the engines write into too
      const ref = snapshot(op.baseline(d, s));
      for (const e of engines.filter((e) => e.supports(op))) {
        const row = { op: op.name, shape: s.name, backend: e.backend, mode: e.mode };
        try {
          await timeRow(row, e, op, d, s, ref, timing, measure);
        } catch (err) {
          row.error = err.message;
        }
        rows.push(row);
        onRow(row, { done: rows.length, total, started });
      }
    }
  }
  return rows;
}
