// simdloss/bench: runBench(options) checks, then times, simdloss's backends and
// any candidate modules against the plain-JS baseline, each candidate in a Node
// process of its own (child.js), one after another; compare(old, new) sets two
// runs' results side by side. `simdloss-bench` (bin.js) is the command line.
import { fork } from 'node:child_process';
import { resolveOptions, UsageError } from './cli.js';
import { resolveCandidate } from './engines.js';
import { runs } from './lib-engines.js';
import { OPS, shape } from './ops.js';
import { machine, packageInfo, runtime, write } from './report.js';
import { finish, resultOf } from './rows.js';

export { compare, formatComparison, normalize } from './compare.js';
export { UsageError } from './cli.js';

const RELAXED = 'relaxed-simd';
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const CHILD = new URL('./child.js', import.meta.url);

/** Measures one candidate in a child process: { about, rows, failure }. */
async function measureIn(candidate, job, { flags, onRow }) {
  const child = fork(CHILD, [], { execArgv: [...process.execArgv, ...flags], serialization: 'advanced' });
  const got = { about: null, rows: [], failure: null, done: false };
  child.on('message', (m) => {
    if (m.type === 'about') got.about = m.about;
    if (m.type === 'row') {
      got.rows.push(m.row);
      onRow(m.row);
    }
    if (m.type === 'failed') got.failure = m.message;
    if (m.type === 'done') got.done = true;
  });
  const exit = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? signal));
  });
  child.send({ candidate, ...job });
  const code = await exit;
  if (!got.done && !got.failure) got.failure = `its process exited (${code}) before the end`;
  return got;
}

/**
 * Checks, then times, every candidate on every op and shape. options (all optional):
 *   candidates  names ('relaxed-simd', 'simd', 'scalar', 'js', 'tfjs-wasm', 'tfjs-cpu') and module paths
 *               (relative to cwd); default the four backends. The plain-JS baseline always runs.
 *   ops, shapes, quick, threads   as the command line's (shapes: 'RxC' strings or [rows, classes])
 *   json, markdown, summary       files to write (the results JSON, the report, the README table)
 *   onRow(result)                 called after each row, with it as the JSON has it
 *   cwd, command                  where module paths are resolved from; the command line the report quotes
 * Resolves to the results: { machine, runtime, package, date, settings, seconds, notes, candidates, results }.
 */
export async function runBench(options = {}) {
  const o = resolveOptions(options);
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const resolve = (c) => {
    try {
      return resolveCandidate(c, cwd);
    } catch (err) {
      throw new UsageError(err.message);
    }
  };
  const candidates = [...o.candidates.filter((c) => c !== 'baseline').flatMap(resolve), ...resolve('baseline')].sort(
    (a, b) => (a.kind === 'module') - (b.kind === 'module'),
  ); // simdloss, the baseline, then modules
  const job = { ops: o.ops, shapes: o.shapes, timing: o.timing, threads: o.threads };
  const relaxedFlag = candidates.some((c) => c.backend === RELAXED) && !(await runs(RELAXED)) ? [RELAXED_FLAG] : [];
  const onRow = (row) => options.onRow?.(resultOf(row));

  const rows = [],
    notes = [],
    about = [];
  for (const candidate of candidates) {
    const flags = candidate.backend === RELAXED ? relaxedFlag : [];
    const got = await measureIn(candidate, job, { flags, onRow });
    const info = got.about ?? { name: candidate.label, source: candidate.source ?? 'simdloss' };
    // two candidates of one name and mode (two modules named 'mine'): the later one's rows get a suffix
    const modes = new Set(got.rows.map((r) => r.mode));
    const clash = (name) => rows.some((r) => r.backend === name && modes.has(r.mode));
    if (clash(info.name)) {
      let n = 2;
      while (clash(`${info.name} (${n})`)) n++;
      const renamed = `${info.name} (${n})`;
      notes.push(`two candidates are named ${info.name}: ${info.source}'s rows are ${renamed}'s`);
      for (const r of got.rows) r.backend = renamed;
      info.name = renamed;
    }
    if (got.failure) {
      info.error = got.failure;
      notes.push(`${info.name} not measured: ${got.failure.split('\n')[0]}`);
    }
    about.push(info);
    rows.push(...got.rows);
  }
  const threadsUsed = [...new Set(rows.filter((r) => r.mode === 'copy').map((r) => r.threads))];
  if (o.threads !== 1 && threadsUsed.some((t) => t !== o.threads))
    notes.push(`threads: ${o.threads} asked for, ${threadsUsed.join(' or ')} used`);

  const ops = OPS.filter((op) => o.ops.includes(op.name)),
    shapes = o.shapes.map(shape);
  const results = {
    machine: machine(),
    runtime: runtime(),
    package: await packageInfo(),
    date: new Date(started).toISOString(),
    settings: {
      command: options.command ?? 'runBench()',
      quick: o.quick,
      threads: o.threads,
      ops: o.ops,
      shapes: o.shapes,
      maxTime: o.timing.maxTime,
      minSamples: o.timing.minSamples,
      warmup: o.timing.warmup,
    },
    seconds: (Date.now() - started) / 1000,
    notes,
    candidates: about,
    results: finish(rows, ops, shapes).map(resultOf),
  };
  write(results, { json: options.json, markdown: options.markdown, summary: options.summary });
  return results;
}
