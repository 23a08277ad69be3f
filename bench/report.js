// Results: ratios, then bench/results/latest.json (machine line, then one line per row),
// bench/results/latest.md (the machine line + one Markdown table per op) and
// bench/results/summary.md (the README's performance table, pasted from there).
// Ordering, ratios and the JSON text are in rows.js, which the web page shares.
import { writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { finish, resultsJson, sig } from './rows.js';

export { finish, sig };

const RESULTS = new URL('./results/', import.meta.url);

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length,
    node: process.version, v8: process.versions.v8, date: new Date().toISOString(),
    tfjs: createRequire(import.meta.url)('@tensorflow/tfjs-core/package.json').version,
    loadAverage: os.loadavg(), // 1, 5, 15 min, taken at the end: above ~1, something else ran too
  };
}

const times = (x) => (x === null ? '' : `${sig(x)}×`);
const shape = (r) => r.shape.replace('x', '×');

function machineLine(m) {
  return `${m.cpu}, ${m.cores} cores, Node ${m.node} (V8 ${m.v8}), TensorFlow.js ${m.tfjs}, ${m.date.slice(0, 16).replace('T', ' ')} UTC`;
}

function markdown({ machine: m, settings, seconds, notes, rows }) {
  const runs = `\`npm run bench${settings.args.length ? ' -- ' + settings.args.join(' ') : ''}\``;
  const lines = [
    '# simdloss benchmark',
    '',
    `Machine: ${machineLine(m)}.`,
    `Run: ${runs}, benchmark.js with maxTime ${settings.maxTime} s and at least ${settings.minSamples} samples per row, ` +
      `${Math.round(seconds)} s in all; one thread everywhere; load average ${m.loadAverage[1].toFixed(2)} over the last 5 minutes.`,
    ...notes.map((n) => `Note: ${n}.`),
    '',
    'Throughput in million logits per second (rows·classes / time), the median of benchmark.js\'s samples, ' +
      '± its relative margin of error. **× JS**: ratio to the plain-JavaScript baseline (`bench/baseline.js`, ' +
      'the straightforward loops) in the same run. **× tfjs-wasm**: ratio to TensorFlow.js\'s wasm backend ' +
      '(SIMD build, one thread); zero-copy and tensors rows are compared with its tensors row, the others ' +
      'with its arrays row. Modes: *copy* plain `Float32Array`s in, result out; *zero-copy* the same arrays made with ' +
      '`k.f32` / `k.i32`; *exp pass* one pass of that build\'s vector exp over the same data (Σ exp x: no max, ' +
      'no log, no copy), the floor to compare logSumExp\'s zero-copy row with; *arrays* `Float32Array` → tensors → ' +
      'op → `dataSync`; *tensors* input tensors already made; *loops* the baseline. `crossEntropyWithGrad` writes ' +
      'its gradient into the same array every call, as a training loop does, and `logSumExp` and `argmax` their results (baseline too). Every result is checked against the baseline first (relative ' +
      'tolerance 1e-4; argmax\'s indices exactly); ⚠ marks a peer that misses it. `mseLoss` and `binaryCrossEntropyWithLogits` take the shape as one ' +
      'flat length; `crossEntropy` is the mean over index targets; `nllLoss` reads one value per row but is ' +
      'counted in rows·classes like the rest.',
  ];
  for (const op of [...new Set(rows.map((r) => r.op))]) {
    lines.push('', `## ${op}`, '', '| shape | backend | mode | Mlogits/s | ± | × JS | × tfjs-wasm |', '|---|---|---|--:|--:|--:|--:|');
    const opRows = rows.filter((r) => r.op === op);
    for (const r of opRows) {
      const speed = r.error ? 'failed' : `${sig(r.mlogits)}${r.inaccurate ? ' ⚠' : ''}`;
      const rme = r.error ? '' : `${r.rme.toFixed(1)}%`;
      lines.push(`| ${shape(r)} | ${r.backend} | ${r.mode} | ${speed} | ${rme} | ${times(r.vsBaseline)} | ${times(r.vsTfjsWasm)} |`);
    }
    const inaccurate = opRows.filter((r) => r.inaccurate);
    if (inaccurate.length) lines.push('');
    for (const r of inaccurate) lines.push(`⚠ ${r.backend} ${r.mode} ${shape(r)}: ${r.inaccurate}.  `);
  }
  const failed = rows.filter((r) => r.error);
  if (failed.length) {
    lines.push('', '## Failed rows', '');
    for (const r of failed) lines.push(`- ${r.op} ${r.shape} ${r.backend} ${r.mode}: ${r.error}`);
  }
  return lines.join('\n') + '\n';
}

/** The README's table: the main ops, simdloss's simd and relaxed-simd builds against the baseline and tfjs-wasm. */
function summary({ machine: m, rows }) {
  const at = (r0, backend, mode) => rows.find((r) => r.op === r0.op && r.shape === r0.shape && r.backend === backend && r.mode === mode);
  const cell = (r) => (r?.mlogits ? `${sig(r.mlogits)} (${times(r.vsBaseline)})` : '');
  const lines = [
    `Million logits per second, median (× the plain-JS baseline in the same run); ${machineLine(m)}.`,
    '',
    '| op | shape | simd | simd zero-copy | relaxed-simd | plain JS | tfjs-wasm | simd × tfjs-wasm |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows.filter((r) => r.backend === 'baseline' && SUMMARY_OPS.includes(r.op))) {
    const simd = at(r, 'simd', 'copy'), tf = at(r, 'tfjs-wasm', 'arrays');
    lines.push(`| ${r.op} | ${shape(r)} | ${cell(simd)} | ${cell(at(r, 'simd', 'zero-copy'))} | ${cell(at(r, 'relaxed-simd', 'copy'))} | ` +
      `${sig(r.mlogits)} | ${tf?.mlogits ? sig(tf.mlogits) : ''} | ${times(simd?.vsTfjsWasm ?? null)} |`);
  }
  return lines.join('\n') + '\n';
}
const SUMMARY_OPS = ['crossEntropy', 'crossEntropyWithGrad', 'logSumExp', 'softmax'];

/** Writes latest.json and latest.md (each through a .tmp file, so a crash leaves the old ones). */
export function write(results) {
  mkdirSync(RESULTS, { recursive: true });
  const save = (name, text) => {
    const path = new URL(name, RESULTS);
    writeFileSync(new URL(`${name}.tmp`, RESULTS), text);
    renameSync(new URL(`${name}.tmp`, RESULTS), path);
    return path.pathname;
  };
  return [save('latest.json', resultsJson(results)), save('latest.md', markdown(results)), save('summary.md', summary(results))];
}
