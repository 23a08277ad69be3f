// Rows of results, shared by the Node report (report.js) and the web page
// (bench/web/): table order, the ratios, number formatting and the JSON text
// of a run. Plain ESM with no Node imports, so browsers load it as it is.

export const ENGINE_ORDER = [
  'relaxed-simd/copy', 'relaxed-simd/zero-copy', 'relaxed-simd/exp pass', 'simd/copy', 'simd/zero-copy', 'simd/exp pass',
  'scalar/copy', 'scalar/zero-copy', 'scalar/exp pass',
  'js/copy', 'baseline/loops', 'tfjs-wasm/arrays', 'tfjs-wasm/tensors', 'tfjs-cpu/arrays', 'tfjs-cpu/tensors',
];

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
  const rank = (r) => [
    ops.findIndex((o) => o.name === r.op), shapes.findIndex((s) => s.name === r.shape),
    ENGINE_ORDER.indexOf(`${r.backend}/${r.mode}`),
  ];
  return rows.sort((a, b) => {
    const ra = rank(a), rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
  });
}

/** Three significant digits, or a whole number from 100 up. */
export const sig = (x) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** A run's JSON text (latest.json's layout): each head field on a line, then one line per row, 4 significant digits. */
export function resultsJson(results) {
  const line = (v) => JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isInteger(x) ? +x.toPrecision(4) : x));
  const { rows, ...head } = results;
  return `{\n${Object.entries(head).map(([k, v]) => `"${k}": ${line(v)},\n`).join('')}"rows": [\n${rows.map(line).join(',\n')}\n]}\n`;
}
