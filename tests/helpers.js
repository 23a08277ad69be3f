// Shared by the tests: which backends to run, fixture decoding, tolerance.
import { readFileSync } from 'node:fs';
import { init } from '../dist/index.js';

// Decoding and tolerance live in compare.js (no Node API), which tests/browser/ shares.
export { close, decode, mismatch } from './compare.js';

/** Backends under test: SIMDLOSS_BACKENDS (comma list) or every one but relaxed-simd,
 *  which plain Node 20 cannot run (scripts/test.js runs it under the flag). */
export const BACKENDS = (process.env.SIMDLOSS_BACKENDS ?? 'js,scalar,simd').split(',');

const kernels = new Map();
export async function kernel(backend) {
  if (!kernels.has(backend)) kernels.set(backend, await init({ backend }));
  return kernels.get(backend);
}

export function fixtures(file) {
  return JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')).cases;
}
