// Shared by the tests: which backends to run, fixture decoding, tolerance.
import { readFileSync } from 'node:fs';
import { init } from '../dist/index.js';

/** Backends under test: SIMDLOSS_BACKENDS (comma list) or every one but relaxed-simd,
 *  which plain Node 20 cannot run (scripts/test.js runs it under the flag). */
export const BACKENDS = (process.env.SIMDLOSS_BACKENDS ?? 'js,scalar,simd').split(',');

const kernels = new Map();
export async function kernel(backend) {
  if (!kernels.has(backend)) kernels.set(backend, await init({ backend }));
  return kernels.get(backend);
}

const SPECIAL = { NaN, Infinity, '-Infinity': -Infinity };
const decodeNumber = (v) => (typeof v === 'string' && v in SPECIAL ? SPECIAL[v] : v);

export function decode(v) {
  if (v === null || typeof v !== 'object') return decodeNumber(v);
  if ('f32' in v) return Float32Array.from(v.f32, decodeNumber);
  if ('i32' in v) return Int32Array.from(v.i32);
  if ('number' in v) return decodeNumber(v.number);
  return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, decode(x)]));
}

export function fixtures(file) {
  return JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')).cases;
}

/** API.md's accuracy: |got − ref| ≤ 1e-5 + 1.3e-6·|ref|; NaN matches NaN, ±∞ match exactly. */
export function close(got, ref) {
  if (Number.isNaN(ref)) return Number.isNaN(got);
  if (!Number.isFinite(ref)) return got === ref;
  return Math.abs(got - ref) <= 1e-5 + 1.3e-6 * Math.abs(ref);
}

/** First mismatch between a result and the expected value, as text, or null. */
export function mismatch(got, expected) {
  if (typeof expected === 'number') {
    return typeof got === 'number' && close(got, expected) ? null : `got ${got}, expected ${expected}`;
  }
  if (!ArrayBuffer.isView(got) || got.constructor !== expected.constructor) {
    return `got ${got?.constructor?.name ?? typeof got}, expected ${expected.constructor.name}`;
  }
  if (got.length !== expected.length) return `length ${got.length}, expected ${expected.length}`;
  for (let i = 0; i < got.length; i++) {
    const ok = expected instanceof Int32Array ? got[i] === expected[i] : close(got[i], expected[i]);
    if (!ok) return `[${i}] got ${got[i]}, expected ${expected[i]}`;
  }
  return null;
}
