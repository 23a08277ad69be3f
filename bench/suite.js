// The measuring loop: for each op and shape, every engine's result is checked
// against the baseline, then timed. Rows carry throughput in million logits
// per second (rows·classes per second, from the median sample).
//
// simdloss (and the baseline) must match: a wrong result is a failed row, not
// timed. A peer that misses the tolerance is still timed, with the mismatch
// kept in `inaccurate` (TensorFlow.js's wasm backend sums in float32).
import { mismatch } from './check.js';
import { measure } from './measure.js';
import { sig } from './report.js';

const clock = (ms) => `${Math.floor(ms / 60000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

async function timeRow(row, engine, op, d, s, ref, timing) {
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

export async function runSuite({ ops, shapes, engines, timing, label = '' }) {
  const rows = [];
  const total = shapes.length * ops.reduce((n, op) => n + engines.filter((e) => e.supports(op)).length, 0);
  const started = Date.now();
  for (const op of ops) {
    for (const s of shapes) {
      const d = op.inputs(s);
      const ref = op.baseline(d, s);
      for (const e of engines.filter((e) => e.supports(op))) {
        const row = { op: op.name, shape: s.name, backend: e.backend, mode: e.mode };
        try {
          await timeRow(row, e, op, d, s, ref, timing);
        } catch (err) {
          row.error = err.message;
        }
        rows.push(row);
        const outcome = row.error
          ? `FAILED: ${row.error}`
          : `${sig(row.mlogits)} Mlogits/s ±${row.rme.toFixed(1)}%${row.inaccurate ? ` (inaccurate: ${row.inaccurate})` : ''}`;
        console.error(`${label}[${String(rows.length).padStart(3)}/${total} ${clock(Date.now() - started)}] ` +
          `${op.name} ${s.name} ${e.backend} ${e.mode}: ${outcome}`);
      }
    }
  }
  return rows;
}
