// Fixture decoding and the README's tolerance (Accuracy), with no Node API: tests/helpers.js
// re-exports these for the Node tests, and tests/browser/ imports them as they are.
import { close } from '../bench/check.js';

const SPECIAL = { NaN, Infinity, '-Infinity': -Infinity };
const decodeNumber = (v) => (typeof v === 'string' && v in SPECIAL ? SPECIAL[v] : v);

/** A fixture value as the API takes it: { f32 } or { f32b64 } (base64 bytes) → Float32Array, { u16b64 } → Uint16Array
 *  (half-precision bits), { i32 } → Int32Array, "NaN"/"±Infinity" → numbers. */
export function decode(v) {
  if (v === null || typeof v !== 'object') return decodeNumber(v);
  if ('f32' in v) return Float32Array.from(v.f32, decodeNumber);
  if ('f32b64' in v) return new Float32Array(Uint8Array.from(atob(v.f32b64), (c) => c.charCodeAt(0)).buffer); // little-endian bytes
  if ('u16b64' in v) return new Uint16Array(Uint8Array.from(atob(v.u16b64), (c) => c.charCodeAt(0)).buffer);
  if ('i32' in v) return Int32Array.from(v.i32);
  if ('number' in v) return decodeNumber(v.number);
  return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, decode(x)]));
}

/** The README's accuracy (Accuracy section): |got − ref| ≤ 1e-5 + 1.3e-6·|ref|; NaN matches NaN, ±∞ match exactly. */
export { close };

/** First mismatch between a result and the expected value, as text, or null; an expected
 *  object (crossEntropyWithGrad's { loss, grad, zLoss }) is compared property by property. */
export function mismatch(got, expected) {
  if (expected !== null && typeof expected === 'object' && !ArrayBuffer.isView(expected)) {
    for (const key of Object.keys(expected)) {
      const problem = mismatch(got?.[key], expected[key]);
      if (problem) return `${key}: ${problem}`;
    }
    return null;
  }
  if (typeof expected === 'number') {
    return typeof got === 'number' && close(got, expected) ? null : `got ${got}, expected ${expected}`;
  }
  if (!ArrayBuffer.isView(expected)) {
    // an object result (evaluate's): exactly the expected members, each matching
    const keys = Object.keys(expected);
    const extra = Object.keys(got ?? {}).filter((key) => !keys.includes(key));
    if (extra.length) return `unexpected member ${extra[0]}`;
    for (const key of keys) {
      const problem = key in (got ?? {}) ? mismatch(got[key], expected[key]) : 'missing';
      if (problem) return `${key}: ${problem}`;
    }
    return null;
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

/** Runs one fixture case (as tests/fixtures.test.js does) on a kernel: its problem as text, or null. */
export function checkCase(k, c) {
  const args = c.args.map(decode);
  const opts = c.opts ? decode(c.opts) : undefined;
  let got;
  try {
    got = opts === undefined ? k[c.op](...args) : k[c.op](...args, opts);
  } catch (e) {
    return `${c.op} threw ${e?.name}: ${e?.message}`;
  }
  const problem = mismatch(got, decode(c.expected));
  return problem && `${c.op}: ${problem}`;
}
