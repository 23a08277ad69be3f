// Rows of results, shared by the Node harness (index.js, report.js) and the web
// page (bench/web/): table order, the ratios, number formatting, the results
// JSON (the schema in the README's "Benchmark your own backend", the same from
// Node and from the page) and its text. Plain ESM with no Node imports, so
// browsers load it as it is.
import { wasmUrl } from './exp-pass.js';

export const ENGINE_ORDER = [
  'relaxed-simd/copy',
  'relaxed-simd/zero-copy',
  'relaxed-simd/exp pass',
  'simd/copy',
  'simd/zero-copy',
  'simd/exp pass',
  'scalar/copy',
  'scalar/zero-copy',
  'scalar/exp pass',
  'js/copy',
  'baseline/loops',
  'tfjs-wasm/arrays',
  'tfjs-wasm/tensors',
  'tfjs-cpu/arrays',
  'tfjs-cpu/tensors',
];

/** Known engines in ENGINE_ORDER; others (users' candidates) after them, in the order they ran (the sort is stable). */
const order = (r) => {
  const i = ENGINE_ORDER.indexOf(`${r.backend}/${r.mode}`);
  return i < 0 ? ENGINE_ORDER.length : i;
};

/** Sorts rows into table order and adds vsBaseline and vsTfjsWasm (like with like, see legend). */
export function finish(rows, ops, shapes) {
  const at = new Map(rows.map((r) => [`${r.op}|${r.shape}|${r.backend}/${r.mode}`, r]));
  const ratio = (r, backend, mode) => {
    const other = at.get(`${r.op}|${r.shape}|${backend}/${mode}`);
    return r.mlogits && other?.mlogits ? r.mlogits / other.mlogits : null;
  };
  for (const r of rows) {
    r.vsBaseline = ratio(r, 'baseline', 'loops');
    r.vsTfjsWasm = ratio(r, 'tfjs-wasm', r.mode === 'zero-copy' || r.mode === 'tensors' ? 'tensors' : 'arrays');
  }
  const rank = (r) => [ops.findIndex((o) => o.name === r.op), shapes.findIndex((s) => s.name === r.shape), order(r)];
  return rows.sort((a, b) => {
    const ra = rank(a),
      rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
  });
}

/** Three significant digits, or a whole number from 100 up. */
export const sig = (x) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** A row as the results JSON has it: { candidate, mode, threads, op, shape: [rows, classes], correct, ... }. */
export function resultOf(r) {
  const [rows, classes] = r.shape.split('x').map(Number);
  return {
    candidate: r.backend,
    mode: r.mode,
    threads: r.threads ?? null,
    op: r.op,
    shape: [rows, classes],
    correct: r.correct ?? null,
    ...(r.mismatch ? { mismatch: r.mismatch } : {}),
    ...(r.skipped ? { skipped: r.skipped } : {}),
    ...(r.error ? { error: r.error } : {}),
    mlogitsPerSec: r.mlogits ?? null,
    rme: r.rme ?? null,
    ratioToJs: r.vsBaseline ?? null,
    ...(r.vsTfjsWasm != null ? { ratioToTfjsWasm: r.vsTfjsWasm } : {}),
    ...(r.warmup ? { warmup: r.warmup } : {}),
    samples: r.samples ?? null,
  };
}

/** The build: the first 12 hex digits of the SHA-256 of the three .wasm builds (readBytes(url) → bytes). */
export async function buildId(readBytes) {
  const parts = [];
  for (const backend of ['relaxed-simd', 'simd', 'scalar']) parts.push(new Uint8Array(await readBytes(wasmUrl(backend))));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return [...digest.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A run's JSON text: each head field on a line, then one line per result, numbers to 4 significant digits. */
export function resultsJson(results) {
  // 4 significant digits; NaN and ±Infinity (a mismatch's got) as strings, which JSON has no other way to hold
  const number = (x) => (!Number.isFinite(x) ? String(x) : Number.isInteger(x) ? x : +x.toPrecision(4));
  const line = (v) => JSON.stringify(v, (_, x) => (typeof x === 'number' ? number(x) : x));
  const { results: rows, ...head } = results;
  return `{\n${Object.entries(head)
    .map(([k, v]) => `"${k}": ${line(v)},\n`)
    .join('')}"results": [\n${rows.map(line).join(',\n')}\n]}\n`;
}

/** One line on where and what a run measured: machine, runtime, package and build, date. */
export function machineLine({ machine: m, runtime: rt, package: p, date, candidates = [] }) {
  const tfjs = candidates.find((c) => c.name.startsWith('tfjs-') && c.version)?.version;
  return [
    m.cpu ?? 'CPU unknown',
    `${m.cores ?? '?'} ${m.cpu ? 'cores' : 'logical cores'}`,
    m.os,
    rt.name === 'node' ? `Node ${rt.version} (V8 ${rt.v8})` : rt.userAgent,
    p ? `${p.name} ${p.version} (build ${p.build})` : null,
    tfjs ? `TensorFlow.js ${tfjs}` : null,
    `${date.slice(0, 16).replace('T', ' ')} UTC`,
  ]
    .filter(Boolean)
    .join(', ');
}
