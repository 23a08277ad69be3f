// --compare OLD.json NEW.json: the rows two runs share (same candidate, mode, op
// and shape), each with its speed ratio new/old, the 95% confidence interval of
// that ratio and Welch's t-test on the two runs' benchmark.js samples (seconds
// per call); a row whose difference is significant (p < 0.05) is marked.
// Reads simdloss-bench's JSON, the bench page's download (the same schema), and
// bench/results/latest.json as it was before either (rows without samples: the
// ratio only). Plain ESM with no Node imports.
import { machineLine, sig } from './rows.js';
import { welch } from './stats.js';

const LEVEL = 0.95;

/** A run's results in the current schema, from any of the three layouts. */
export function normalize(json) {
  if (Array.isArray(json?.results)) return json;
  if (!Array.isArray(json?.rows)) throw new TypeError('not a simdloss-bench results JSON: no "results" array');
  const m = json.machine ?? {};
  return {
    machine: { cpu: m.cpu ?? null, cores: m.cores ?? m.hardwareConcurrency ?? null },
    runtime: m.node ? { name: 'node', version: m.node, v8: m.v8 } : { name: 'browser', userAgent: m.userAgent ?? 'unknown' },
    date: m.date ?? json.date ?? '',
    settings: {
      command: json.settings?.args ? `npm run bench -- ${json.settings.args.join(' ')}`.trim() : 'an older run',
      quick: json.settings?.quick ?? false,
    },
    notes: json.notes ?? [],
    candidates: m.tfjs ? [{ name: 'tfjs-wasm', version: m.tfjs }] : [],
    results: json.rows.map((r) => ({
      candidate: r.backend,
      mode: r.mode,
      threads: 1,
      op: r.op,
      shape: r.shape.split('x').map(Number),
      correct: !r.error,
      mlogitsPerSec: r.mlogits ?? null,
      rme: r.rme ?? null,
      samples: null,
    })),
  };
}

const key = (r) => `${r.op}|${r.shape.join('x')}|${r.candidate}|${r.mode}`;

/**
 * The rows of two runs (results objects or their JSON, any layout normalize reads), old first:
 * { old, new (the normalized runs), rows: [{ op, shape, candidate, mode, threads: [old, new], old, new
 * (Mlogits/s), ratio, low, high, p, significant, note? }], onlyOld, onlyNew (row counts), warnings }.
 */
export function compare(oldRun, newRun) {
  const a = normalize(oldRun),
    b = normalize(newRun);
  const before = new Map(a.results.map((r) => [key(r), r]));
  const rows = [];
  for (const n of b.results) {
    const o = before.get(key(n));
    if (!o) continue;
    const row = {
      op: n.op,
      shape: n.shape,
      candidate: n.candidate,
      mode: n.mode,
      threads: [o.threads, n.threads],
      old: o.mlogitsPerSec,
      new: n.mlogitsPerSec,
      ratio: null,
      low: null,
      high: null,
      p: null,
      significant: false,
    };
    if (o.mlogitsPerSec == null || n.mlogitsPerSec == null) {
      row.note = `not timed in the ${o.mlogitsPerSec == null ? (n.mlogitsPerSec == null ? 'old or the new' : 'old') : 'new'} run`;
    } else if (o.samples?.length >= 2 && n.samples?.length >= 2) {
      const w = welch(o.samples, n.samples, LEVEL);
      Object.assign(row, { ratio: w.ratio, low: w.low, high: w.high, p: w.p, significant: w.p < 1 - LEVEL });
    } else {
      Object.assign(row, { ratio: n.mlogitsPerSec / o.mlogitsPerSec, note: 'no samples saved: the ratio of medians, untested' });
    }
    rows.push(row);
  }
  const keys = new Set(b.results.map(key));
  const warnings = [];
  if (a.settings?.quick || b.settings?.quick) warnings.push('a quick run is compared: its figures are rough, and so are these ratios');
  const where = (r) => [r.machine?.cpu, r.machine?.cores, r.runtime?.name, r.runtime?.version, r.runtime?.userAgent].join('|');
  if (where(a) !== where(b)) warnings.push('the runs differ in machine or runtime: the ratios measure that as well as the code');
  return {
    old: a,
    new: b,
    rows,
    warnings,
    onlyOld: a.results.filter((r) => !keys.has(key(r))).length,
    onlyNew: b.results.filter((r) => !before.has(key(r))).length,
  };
}

const num = (x) => (x == null ? '' : x === Infinity ? '∞' : x.toFixed(x < 10 ? 3 : 1));

/** The comparison as text: the two runs, a table (aligned columns), what is in one run only. */
export function formatComparison(c) {
  const run = (r) => `${machineLine(r)}; ${r.settings?.command ?? ''}${r.settings?.quick ? ' (quick)' : ''}`;
  const head = ['op', 'shape', 'candidate', 'mode', 'old Mlogits/s', 'new Mlogits/s', 'new/old', '95% CI', 'p', ''];
  const table = c.rows.map((r) => {
    const threads = r.threads[0] !== r.threads[1] ? ` (${r.threads[0] ?? '?'}→${r.threads[1] ?? '?'} threads)` : '';
    const mark = r.significant ? (r.ratio > 1 ? '* faster' : '* slower') : (r.note ?? '');
    return [
      r.op,
      r.shape.join('x'),
      r.candidate,
      r.mode + threads,
      r.old == null ? '—' : sig(r.old),
      r.new == null ? '—' : sig(r.new),
      r.ratio == null ? '' : `${num(r.ratio)}×`,
      r.low == null ? '' : `[${num(r.low)}, ${num(r.high)}]`,
      r.p == null ? '' : r.p < 0.001 ? '<0.001' : r.p.toFixed(3),
      mark,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const right = new Set([4, 5, 6, 8]);
  const line = (cells) =>
    cells
      .map((x, i) => (right.has(i) ? x.padStart(widths[i]) : x.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const significant = c.rows.filter((r) => r.significant);
  return `${[
    `old: ${run(c.old)}`,
    `new: ${run(c.new)}`,
    ...c.warnings.map((w) => `note: ${w}`),
    '',
    'new/old: the new speed over the old (the ratio of the mean times per call), with its 95% confidence interval',
    "(Fieller) and Welch's t-test p on the two runs' samples; * marks a significant difference (p < 0.05: one",
    'row in twenty of two runs of the same code is marked by chance).',
    '',
    line(head),
    ...table.map(line),
    '',
    `${c.rows.length} rows in both runs, ${significant.length} significantly different ` +
      `(${significant.filter((r) => r.ratio > 1).length} faster, ${significant.filter((r) => r.ratio < 1).length} slower)` +
      `${c.onlyOld ? `; ${c.onlyOld} only in the old run` : ''}${c.onlyNew ? `; ${c.onlyNew} only in the new run` : ''}.`,
  ].join('\n')}\n`;
}
