// The measuring loop, shared by the Node harness (child.js, timing with
// benchmark.js) and the web page's worker (bench/web/, its own timing loop).
// For each op and shape the inputs are made once, and the float64 reference
// (simdloss's js backend) is computed on them; then every engine gets its own
// copy of the same inputs (its output arrays filled with NaN, or −1), and its
// first call is checked against the reference before anything is timed:
//   - a function the candidate does not export: the row is skipped (skipped);
//   - a result off the tolerance (check.js), an exception, or a changed input:
//     correct: false with the first mismatch (or the error), and not timed;
//   - else correct: true, then timed. A candidate that declares its own
//     tolerance is held to that one; what misses the README's is still kept
//     in mismatch (the report marks it ⚠).
// Rows carry throughput in million logits per second (rows·classes per
// second, from the median sample). Plain ESM with no Node imports: the caller
// passes `measure`.
import { mismatch, TOLERANCE } from './check.js';

/** A result (number, typed array or an object of them) with its arrays copied. */
function snapshot(result) {
  if (ArrayBuffer.isView(result)) return result.slice();
  if (typeof result !== 'object' || result === null) return result;
  return Object.fromEntries(Object.entries(result).map(([key, v]) => [key, snapshot(v)]));
}

/** A fresh copy of an op's inputs, its outputs poisoned. */
function copyOf(pristine, op) {
  const d = snapshot(pristine);
  for (const name of op.outputs) d[name].fill(d[name] instanceof Int32Array ? -1 : NaN);
  return d;
}

/** The first input (not output) array of d that differs from pristine, as a mismatch. */
function changedInput(d, pristine, op) {
  for (const [name, a] of Object.entries(pristine)) {
    if (op.outputs.includes(name)) continue;
    const i = a.findIndex((v, j) => !Object.is(v, d[name][j]));
    if (i >= 0)
      return {
        part: name,
        index: i,
        got: d[name][i],
        expected: a[i],
        message: `it wrote into its input ${name}: ${name}[${i}] is ${d[name][i]}, was ${a[i]}`,
      };
  }
  return null;
}

async function checkAndTime(row, engine, op, pristine, s, ref, timing, measure) {
  const d = copyOf(pristine, op);
  const { call, dispose } = await engine.prepare(op, d, s);
  try {
    const t0 = performance.now();
    let result;
    try {
      result = call();
    } catch (err) {
      Object.assign(row, { correct: false, error: `${err?.name ?? 'Error'}: ${err?.message ?? err}` });
      return;
    }
    const callSeconds = (performance.now() - t0) / 1000;
    if (!engine.unchecked) {
      const strict = mismatch(result, ref) ?? changedInput(d, pristine, op);
      const own = strict && engine.tolerance && engine.tolerance !== TOLERANCE ? mismatch(result, ref, engine.tolerance) : strict;
      row.correct = !own;
      if (strict) row.mismatch = strict;
      if (own) return;
    }
    const m = measure(call, timing, callSeconds);
    Object.assign(row, { mlogits: (s.rows * s.classes) / m.seconds / 1e6, rme: m.rme, samples: m.samples, warmup: m.warmup });
  } catch (err) {
    row.error = `${err?.name ?? 'Error'}: ${err?.message ?? err}`;
  } finally {
    dispose();
  }
}

/**
 * Checks and times every op × shape × engine. reference: simdloss's js backend
 * (init({ backend: 'js' })); measure(fn, timing, callSeconds) → { seconds, rme,
 * samples } times one row; onRow(row, { done, total, started }) is called after
 * each row (started: Date.now() when the loop began).
 */
export async function runRows({ ops, shapes, engines, reference, timing, measure, onRow = () => {} }) {
  const rows = [];
  const total = shapes.length * ops.reduce((n, op) => n + engines.filter((e) => e.applies(op)).length, 0);
  const started = Date.now();
  for (const op of ops) {
    for (const s of shapes) {
      const pristine = op.inputs(s);
      const ref = snapshot(reference[op.fn](...op.args(copyOf(pristine, op), s)));
      for (const e of engines.filter((e) => e.applies(op))) {
        const row = { op: op.name, shape: s.name, backend: e.backend, mode: e.mode, threads: e.threads ?? null, correct: null };
        if (e.supports(op)) await checkAndTime(row, e, op, pristine, s, ref, timing, measure);
        else row.skipped = op.simdlossOnly ? 'options only simdloss takes' : `does not export ${op.fn}`;
        rows.push(row);
        onRow(row, { done: rows.length, total, started });
      }
    }
  }
  return rows;
}
