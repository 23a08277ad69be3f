// What a run is measured on (machine, runtime, package and build), and what it
// writes: the results JSON (rows.js has its text), a Markdown report (the machine
// line and one table per op; the console shows the same without the legend), and
// summary.md, the README's performance table.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildId, machineLine, resultsJson, sig } from './rows.js';

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg(), // 1, 5, 15 min, taken at the end: above ~1, something else ran too
  };
}

export function runtime() {
  return { name: 'node', version: process.version, v8: process.versions.v8 };
}

/** simdloss's name, version and build (buildId: a hash of its .wasm builds). */
export async function packageInfo() {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return { name, version, build: await buildId((url) => readFile(url)) };
}

const times = (x) => (x == null ? '' : `${sig(x)}×`);
const shapeText = (r) => r.shape.join('×');
const label = (r) => `${r.candidate} ${r.mode}${r.threads > 1 ? ` (${r.threads} threads)` : ''}`;

export const QUICK_NOTE =
  'Quick run: the figures are rough (short timings, few samples): ' + 'for a first look, not to publish or to --compare.';

const LEGEND =
  "Throughput in million logits per second (rows·classes / time), the median of benchmark.js's samples " +
  '(after a warm-up until the time per call settles), ± its relative margin of error. **× JS**: ratio to the ' +
  'plain-JavaScript baseline (`bench/baseline.js`, the straightforward loops) in the same run. **× tfjs-wasm**: ' +
  "ratio to TensorFlow.js's wasm backend (SIMD build, one thread); zero-copy and tensors rows are compared with " +
  'its tensors row, the others with its arrays row. Modes: *copy* plain `Float32Array`s in, result out; ' +
  "*zero-copy* the same arrays made with `k.f32` / `k.i32`; *exp pass* one pass of that build's vector exp over " +
  "the same data (Σ exp x: no max, no log, no copy), the floor to compare logSumExp's zero-copy row with; " +
  '*arrays* a candidate module (TensorFlow.js: `Float32Array` → tensors → op → `dataSync`); *tensors* input ' +
  'tensors already made; *loops* the baseline. `crossEntropyWithGrad` writes its gradient into the same array ' +
  'every call, as a training loop does, and `logSumExp` and `argmax` their results. Every candidate gets the ' +
  "same input, and its result is checked first against simdloss's js backend (float64) with the README's " +
  "tolerance, |got − ref| ≤ 1e-5 + 1.3e-6·|ref| (argmax's indices exactly): a wrong one is refused, not timed. " +
  '⚠ marks a candidate timed within the looser tolerance it declares (TensorFlow.js sums in float32), with where ' +
  "it misses the README's. `mseLoss` and `binaryCrossEntropyWithLogits` take the shape as one flat length; " +
  '`crossEntropy` is the mean over index targets; `nllLoss` reads one value per row but is counted in ' +
  'rows·classes like the rest.';

function threadsText(settings) {
  return settings.threads > 1
    ? `simdloss's backends with init({ threads: ${settings.threads} }) (the threads each used are in its rows' labels)`
    : 'one thread everywhere';
}

/** The report: machine and run lines, then a table per op, then what was refused, skipped or failed. */
export function markdown(results, { legend = true } = {}) {
  const { settings, seconds, notes, results: rows } = results;
  const load = results.machine.loadAverage ? `; load average ${results.machine.loadAverage[1].toFixed(2)} over the last 5 minutes` : '';
  const lines = [
    ...(legend ? ['# simdloss benchmark', ''] : []),
    `Machine: ${machineLine(results)}.`,
    `Run: \`${settings.command}\`, benchmark.js with maxTime ${settings.maxTime} s and at least ${settings.minSamples} samples per row, ` +
      `${Math.round(seconds)} s in all; ${threadsText(settings)}${load}.`,
    ...(settings.quick ? [`**${QUICK_NOTE}**`] : []),
    ...notes.map((n) => `Note: ${n}.`),
    ...(legend ? ['', LEGEND] : []),
  ];
  const tf = rows.some((r) => r.ratioToTfjsWasm != null); // a × tfjs-wasm column where tfjs-wasm ran
  for (const op of [...new Set(rows.map((r) => r.op))]) {
    lines.push(
      '',
      `## ${op}`,
      '',
      `| shape | candidate | mode | Mlogits/s | ± | × JS |${tf ? ' × tfjs-wasm |' : ''}`,
      `|---|---|---|--:|--:|--:|${tf ? '--:|' : ''}`,
    );
    const opRows = rows.filter((r) => r.op === op);
    for (const r of opRows) {
      const speed = r.skipped
        ? 'not exported'
        : r.correct === false
          ? 'wrong'
          : r.error
            ? 'failed'
            : `${sig(r.mlogitsPerSec)}${r.mismatch ? ' ⚠' : ''}`;
      const rme = r.rme == null ? '' : `${r.rme.toFixed(1)}%`;
      const who = `${r.candidate} | ${r.mode}${r.threads > 1 ? ` (${r.threads} threads)` : ''}`;
      lines.push(`| ${shapeText(r)} | ${who} | ${speed} | ${rme} | ${times(r.ratioToJs)} |${tf ? ` ${times(r.ratioToTfjsWasm)} |` : ''}`);
    }
    const inaccurate = opRows.filter((r) => r.correct && r.mismatch);
    if (inaccurate.length) lines.push('');
    for (const r of inaccurate) lines.push(`⚠ ${label(r)} ${shapeText(r)}: ${r.mismatch.message}.  `);
  }
  const section = (title, list) => (list.length ? ['', `## ${title}`, '', ...list] : []);
  lines.push(
    ...section(
      'Refused: wrong results, not timed',
      rows.filter((r) => r.correct === false).map((r) => `- ${label(r)}, ${r.op} ${shapeText(r)}: ${r.mismatch?.message ?? r.error}`),
    ),
  );
  const skipped = new Map();
  for (const r of rows.filter((r) => r.skipped)) skipped.set(r.candidate, [...new Set([...(skipped.get(r.candidate) ?? []), r.op])]);
  lines.push(
    ...section(
      'Skipped: ops a candidate does not export',
      [...skipped].map(([c, ops]) => `- ${c}: ${ops.join(', ')}`),
    ),
  );
  lines.push(
    ...section(
      'Failed rows',
      rows.filter((r) => r.correct !== false && r.error).map((r) => `- ${label(r)}, ${r.op} ${shapeText(r)}: ${r.error}`),
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** The README's table: the main ops, simdloss's simd and relaxed-simd builds against the baseline and tfjs-wasm. */
export function summary(results) {
  const rows = results.results;
  const same = (a, b) => a.op === b.op && a.shape.join() === b.shape.join();
  const at = (r0, candidate, mode) => rows.find((r) => same(r, r0) && r.candidate === candidate && r.mode === mode);
  const cell = (r) => (r?.mlogitsPerSec ? `${sig(r.mlogitsPerSec)} (${times(r.ratioToJs)})` : '');
  const lines = [
    `Million logits per second, median (× the plain-JS baseline in the same run); ${machineLine(results)}.`,
    '',
    '| op | shape | simd | simd zero-copy | relaxed-simd | plain JS | tfjs-wasm | simd × tfjs-wasm |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows.filter((r) => r.candidate === 'baseline' && SUMMARY_OPS.includes(r.op))) {
    const simd = at(r, 'simd', 'copy'),
      tf = at(r, 'tfjs-wasm', 'arrays');
    lines.push(
      `| ${r.op} | ${shapeText(r)} | ${cell(simd)} | ${cell(at(r, 'simd', 'zero-copy'))} | ${cell(at(r, 'relaxed-simd', 'copy'))} | ` +
        `${r.mlogitsPerSec ? sig(r.mlogitsPerSec) : ''} | ${tf?.mlogitsPerSec ? sig(tf.mlogitsPerSec) : ''} | ${times(simd?.ratioToTfjsWasm)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
const SUMMARY_OPS = ['crossEntropy', 'crossEntropyWithGrad', 'logSumExp', 'softmax'];

/** Writes each of { json, markdown, summary } that has a path (through a .tmp file, so a crash leaves the old one): the paths written. */
export function write(results, paths) {
  const texts = { json: () => resultsJson(results), markdown: () => markdown(results), summary: () => summary(results) };
  const written = [];
  for (const [kind, file] of Object.entries(paths)) {
    if (!file) continue;
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(`${file}.tmp`, texts[kind]());
    renameSync(`${file}.tmp`, file);
    written.push(file);
  }
  return written;
}
