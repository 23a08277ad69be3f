// A module worker that measures one engine group of the benchmark: the plain-JS
// baseline or simdloss on one backend. The page starts one worker per group,
// one after another (never two at once), so each group gets a fresh JavaScript
// heap, JIT state and kernel memory, as the Node harness's child processes do.
//
// in:  { group: 'baseline' | 'relaxed-simd' | 'simd' | 'scalar' | 'js', ops: [name], shapes: [name], timing }
// out: { type: 'row', row, done, total }  after each row (checked, then timed)
//      { type: 'skipped', reason }        this runtime does not run the backend
//      { type: 'done', seconds } | { type: 'error', message }
import { init } from '../../dist/index.js';
import { OPS, SHAPES } from '../ops.js';
import { baselineEngine, libEngines } from '../lib-engines.js';
import { runRows } from '../loop.js';
import { measure } from './measure.js';

async function readWasm(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function run({ group, ops, shapes, timing }) {
  const started = performance.now();
  let engines;
  if (group === 'baseline') {
    engines = [baselineEngine];
  } else {
    try {
      engines = await libEngines(group, readWasm);
    } catch (err) {
      postMessage({ type: 'skipped', reason: err.message });
      return;
    }
  }
  await runRows({
    ops: OPS.filter((o) => ops.includes(o.name)),
    shapes: SHAPES.filter((s) => shapes.includes(s.name)),
    engines,
    timing,
    measure,
    reference: await init({ backend: 'js' }), // the float64 reference every result is checked against
    onRow: (row, { done, total }) => postMessage({ type: 'row', row, done, total }),
  });
  postMessage({ type: 'done', seconds: (performance.now() - started) / 1000 });
}

self.onmessage = ({ data }) => {
  run(data).catch((err) => postMessage({ type: 'error', message: `${err?.name}: ${err?.message}` }));
};
