// The process that measures one candidate (index.js forks one per candidate, one
// after another, never two at once): a fresh heap, JIT state and kernel memory for
// each, and the flag relaxed-simd needs in Node 20 for that one alone. The float64
// reference (simdloss's js backend) is computed here, on the same inputs.
//
// in (one message):  { candidate (engines.js's resolveCandidate), ops: [name], shapes: [[rows, classes]], timing, threads }
// out (messages):    { type: 'about', about }, then { type: 'row', row } after each row,
//                    then { type: 'done' } | { type: 'failed', message }; then it exits
import { init } from '../dist/index.js';
import { loadEngines } from './engines.js';
import { runRows } from './loop.js';
import { measure } from './measure.js';
import { OPS, shape } from './ops.js';

const send = (message) => new Promise((resolve) => process.send(message, resolve));

async function run({ candidate, ops, shapes, timing, threads }) {
  let loaded;
  try {
    loaded = await loadEngines(candidate, { threads });
  } catch (err) {
    return send({ type: 'failed', message: `${err?.name ?? 'Error'}: ${err?.message ?? err}` });
  }
  await send({ type: 'about', about: loaded.about });
  const rows = [];
  await runRows({
    ops: OPS.filter((o) => ops.includes(o.name)),
    shapes: shapes.map(shape),
    engines: loaded.engines,
    reference: await init({ backend: 'js' }),
    timing,
    measure,
    onRow: (row) => rows.push(send({ type: 'row', row })),
  });
  await Promise.all(rows);
  return send({ type: 'done' });
}

process.once('message', (job) => {
  run(job).then(
    () => process.exit(0),
    async (err) => {
      await send({ type: 'failed', message: err?.stack ?? String(err) });
      process.exit(1);
    },
  );
});
