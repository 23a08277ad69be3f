// Command line of `npm run bench -- [options]`.
import { parseArgs } from 'node:util';
import { OPS, SHAPES } from './ops.js';
import { LIB_BACKENDS, PEERS } from './engines.js';

const BACKENDS = [...LIB_BACKENDS, ...PEERS];
/** benchmark.js settings per row: --quick trades precision for a run under a minute. */
const FULL = { maxTime: 0.3, minSamples: 5 };
const QUICK = { maxTime: 0.05, minSamples: 3, minTime: 0.01 };
/** --quick leaves out the slowest peer (tfjs-cpu) unless --backend names it. */
const QUICK_BACKENDS = BACKENDS.filter((b) => b !== 'tfjs-cpu');

export const USAGE = `usage: npm run bench -- [--quick] [--op a,b] [--shape RxC,...] [--backend a,b]
  --quick      shorter timings; only the first three shapes and no tfjs-cpu unless --shape / --backend ask
  --op         ${OPS.map((o) => o.name).join(', ')}
  --shape      rows x classes, e.g. 1024x1000 (default ${SHAPES.map((s) => s.name).join(', ')})
  --backend    ${BACKENDS.join(', ')} (default all; the plain-JS baseline always runs)`;

/** A bad command line: run.js prints it with the usage. */
export class UsageError extends Error {}

function list(value, known, what, defaults = known) {
  if (value === undefined) return defaults;
  const names = value.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new UsageError(`unknown ${what} ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return known.filter((n) => names.includes(n));
}

function shapes(value) {
  return value.split(',').map((text) => {
    const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/.exec(text);
    if (!m || +m[1] < 1 || +m[2] < 1) throw new UsageError(`--shape: expected rows x classes such as 1024x1000, got '${text}'`);
    return { rows: +m[1], classes: +m[2], name: `${+m[1]}x${+m[2]}` };
  });
}

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  op: { type: 'string' },
  shape: { type: 'string' },
  backend: { type: 'string' },
  child: { type: 'boolean', default: false }, // internal: run.js measuring one simdloss backend
  help: { type: 'boolean', short: 'h', default: false },
};

/** The run these arguments ask for; `child` marks the process run.js starts for one simdloss backend. */
export function parseCli(argv) {
  let values;
  try {
    values = parseArgs({ args: argv, options: OPTIONS }).values;
  } catch (err) {
    throw new UsageError(err.message);
  }
  const opNames = list(values.op, OPS.map((o) => o.name), 'op');
  return {
    help: values.help,
    child: values.child,
    quick: values.quick,
    timing: values.quick ? QUICK : FULL,
    ops: OPS.filter((o) => opNames.includes(o.name)),
    shapes: values.shape !== undefined ? shapes(values.shape) : values.quick ? SHAPES.slice(0, 3) : SHAPES,
    backends: list(values.backend, BACKENDS, 'backend', values.quick ? QUICK_BACKENDS : BACKENDS),
  };
}
