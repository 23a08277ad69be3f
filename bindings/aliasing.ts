// Outputs against inputs, decided by memory range, not by object identity:
// `v`, `v.subarray(0)` and `new Float32Array(v.buffer, v.byteOffset, v.length)`
// are the same memory. An output may be exactly an input's range where the
// operation computes in place; any other overlap (with an input, or between
// two outputs) is a RangeError naming both, as PyTorch refuses it too.

import { extentOf, type Extent } from './arrays.js';

/** An array argument by name (null: not given, or allocated by the call). */
export type Named = [name: string, a: ArrayBufferView | null];

/** Which memory a buffer belongs to: two buffers with the same key may alias
 *  (every buffer the kernel memory has shown maps to one key). */
export type MemoryKey = (buffer: ArrayBufferLike) => object;

/** How two arrays' bytes meet: not at all, exactly (the same range and kind), or partly. */
function overlap(key: MemoryKey, a: ArrayBufferView, x: Extent, b: ArrayBufferView): 'none' | 'same' | 'partial' {
  const y = extentOf(b);
  if (x.end <= y.start || y.end <= x.start || x.start === x.end || y.start === y.end) return 'none';
  if (x.buffer !== y.buffer && key(x.buffer) !== key(y.buffer)) return 'none'; // one buffer: one memory
  return x.start === y.start && x.end === y.end && a.constructor === b.constructor ? 'same' : 'partial';
}

/**
 * Checks the outputs against the inputs and each other. Returns the outputs,
 * each replaced by the input object it coincides with where `inPlace` allows
 * that pair (output name → input names), so that the backends see in-place
 * calls as one array. Index loops and one extent per output: every call
 * with an `out` pays for this.
 */
export function separate<T extends ArrayBufferView | null>(
  key: MemoryKey,
  inputs: Named[],
  outputs: [string, T][],
  inPlace: Record<string, readonly string[]> = {},
): T[] {
  const results: T[] = [];
  for (let k = 0; k < outputs.length; k++) {
    const [outName, out] = outputs[k];
    results.push(out);
    if (!out) continue;
    const x = extentOf(out);
    for (let i = 0; i < inputs.length; i++) {
      const [inName, input] = inputs[i];
      if (!input) continue;
      const how = overlap(key, out, x, input);
      if (how === 'none') continue;
      if (how === 'same' && inPlace[outName]?.includes(inName)) {
        results[k] = input as T;
        continue;
      }
      const allowed = inPlace[outName]?.length ? ` (in place, ${outName} may be exactly ${inPlace[outName].join(' or ')})` : '';
      throw new RangeError(`${outName} and ${inName} overlap in memory: an output must not share memory with an input${allowed}`);
    }
    for (let j = 0; j < k; j++) {
      const [otherName, other] = outputs[j];
      if (other && overlap(key, out, x, other) !== 'none') {
        throw new RangeError(`${outName} and ${otherName} overlap in memory: two outputs must not share memory`);
      }
    }
  }
  return results;
}
