// What a row times: the plain-JS baseline, simdloss on one backend (copy path,
// and zero-copy for the ops that ask for it), or a peer. Each engine has
//   backend, mode        the row's labels
//   peer                 true for other libraries (see loop.js for what that changes)
//   unchecked            true for the exp-only reference pass, whose result is not the op's
//   supports(op)         whether it has this op
//   prepare(op, d, s)    → { call, dispose }: call() runs the op once and returns its result
// simdloss's engines and the baseline are in lib-engines.js (the web page shares them);
// this file adds the Node-only parts: reading .wasm files, and the TensorFlow.js peers.
import { readFile } from 'node:fs/promises';
import { tfjsEngines, TFJS_BACKENDS } from './peers/tfjs.js';
import { baselineEngine, libEngines, LIB_BACKENDS, runs } from './lib-engines.js';

export { LIB_BACKENDS, runs };
export const PEERS = Object.keys(TFJS_BACKENDS);

/** The engines for these backends and peers, in table order; the baseline after simdloss. */
export async function engines(backends, { baseline }) {
  const lib = [];
  for (const b of LIB_BACKENDS.filter((b) => backends.includes(b))) lib.push(...(await libEngines(b, readFile)));
  const peers = await tfjsEngines(PEERS.filter((p) => backends.includes(p)));
  return [...lib, ...(baseline ? [baselineEngine] : []), ...peers];
}
