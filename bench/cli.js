// The options of `simdloss-bench` (and `npm run bench`), and of runBench(options):
// parseCli turns a command line into options, resolveOptions checks options from
// either and fills in the defaults.
import { parseArgs } from 'node:util';
import { OPS, SHAPES } from './ops.js';
import { LIB_BACKENDS, PEERS } from './engines.js';

/** benchmark.js settings per row and the warm-up before them: --quick trades precision for a run in seconds. */
export const FULL = { maxTime: 0.3, minSamples: 5, warmup: { batchSeconds: 0.01, minSeconds: 0.1, maxSeconds: 3 } };
export const QUICK = { maxTime: 0.05, minSamples: 3, minTime: 0.01, warmup: { batchSeconds: 0.002, minSeconds: 0.02, maxSeconds: 0.5 } };

export const USAGE = `usage: simdloss-bench [options]                 (in this repository: npm run bench -- [options])
       simdloss-bench --compare OLD.json NEW.json
  --candidate C    repeatable: a backend (${LIB_BACKENDS.join(', ')}), an example peer (${Object.keys(PEERS).join(', ')},
                   needs @tensorflow/tfjs-*), or a module exporting API functions (./mine.mjs);
                   default: the four backends (npm run bench: and the peers). The plain-JS baseline always runs
  --backend a,b    the same as --candidate for each name
  --ops a,b        ${OPS.map((o) => o.name).join(', ')} (default all)
  --shapes RxC,..  rows x classes (default ${SHAPES.map((s) => s.name).join(', ')}; --quick the first three)
  --quick          short timings: rough figures in seconds (npm run bench: and no tfjs-cpu)
  --threads n      run simdloss's backends with init({ threads: n }) (a number or auto; default 1)
  --json FILE      write the results JSON there (npm run bench: bench/results/local/latest.json)
  --markdown FILE  write the report there (npm run bench: bench/results/local/latest.md and summary.md)
  --save           npm run bench: write bench/results/ (the committed files) instead of bench/results/local/
  --compare A B    compare two results JSON files (simdloss-bench's or the bench page's): each row's
                   speed ratio B/A with its 95% confidence interval; * marks a significant difference`;

/** A bad command line or option: the command prints it with the usage. */
export class UsageError extends Error {}

const OPTIONS = {
  candidate: { type: 'string', multiple: true },
  backend: { type: 'string', multiple: true },
  ops: { type: 'string' },
  op: { type: 'string' },
  shapes: { type: 'string' },
  shape: { type: 'string' },
  quick: { type: 'boolean' },
  threads: { type: 'string' },
  json: { type: 'string' },
  markdown: { type: 'string' },
  save: { type: 'boolean' },
  compare: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** A command line's options (runBench's, plus help, save and compare: [old, new]). */
export function parseCli(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    throw new UsageError(err.message);
  }
  const { values: v, positionals } = parsed;
  if (v.compare !== undefined) {
    if (positionals.length !== 1) throw new UsageError('--compare takes two files: --compare OLD.json NEW.json');
    return { compare: [v.compare, positionals[0]] };
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (a module is given with --candidate)`);
  const split = (list) =>
    list
      ?.flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
  const names = [...(v.candidate ?? []), ...(split(v.backend) ?? [])];
  return {
    help: v.help ?? false,
    save: v.save ?? false,
    candidates: names.length ? names : undefined,
    ops: v.ops ?? v.op,
    shapes: v.shapes ?? v.shape,
    quick: v.quick ?? false,
    threads: v.threads,
    json: v.json,
    markdown: v.markdown,
  };
}

function list(value, known, what) {
  const names = (Array.isArray(value) ? value : String(value).split(',')).map((n) => String(n).trim()).filter(Boolean);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new UsageError(`unknown ${what} ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return names;
}

function shapes(value) {
  const items = Array.isArray(value) ? value : String(value).split(',');
  return items.map((item) => {
    const m = Array.isArray(item) ? [null, item[0], item[1]] : /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/.exec(item);
    if (!m || !(Number.isInteger(+m[1]) && +m[1] >= 1 && Number.isInteger(+m[2]) && +m[2] >= 1)) {
      throw new UsageError(`shapes: expected rows x classes such as 1024x1000 (or [1024, 1000]), got '${item}'`);
    }
    return [+m[1], +m[2]];
  });
}

function threads(value) {
  if (value === undefined || value === 'auto') return value ?? 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`threads: expected a positive integer or auto, got '${value}'`);
  return n;
}

/**
 * runBench's options, checked, with their defaults: candidates (names and paths), ops (names),
 * shapes ([rows, classes] pairs), quick, threads, timing (benchmark.js and warm-up settings).
 */
export function resolveOptions(o = {}) {
  const quick = Boolean(o.quick);
  const opNames =
    o.ops === undefined
      ? OPS.map((op) => op.name)
      : list(
          o.ops,
          OPS.map((op) => op.name),
          'op',
        );
  return {
    candidates: o.candidates === undefined ? [...LIB_BACKENDS] : [...new Set(Array.isArray(o.candidates) ? o.candidates : [o.candidates])],
    ops: OPS.map((op) => op.name).filter((n) => opNames.includes(n)),
    shapes: o.shapes === undefined ? (quick ? SHAPES.slice(0, 3) : SHAPES).map((s) => [s.rows, s.classes]) : shapes(o.shapes),
    quick,
    threads: threads(o.threads),
    timing: o.timing ?? (quick ? QUICK : FULL),
  };
}
