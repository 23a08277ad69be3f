// Outputs against inputs, decided by memory range, not by object identity:
// `v`, `v.subarray(0)` and `new Float32Array(v.buffer, v.byteOffset, v.length)`
// are the same memory. An output may be exactly an input's range where the
// operation computes in place; any other overlap (with an input, or between
// two outputs) is a RangeError naming both, as PyTorch refuses it too.

import { extentOf } from './arrays.js';

/** An array argument by name (null: not given, or allocated by the call). */
export type Named = [name: string, a: ArrayBufferView | null];

/** Which memory a buffer belongs to: two buffers with the same key may alias
 *  (every buffer the kernel memory has shown maps to one key). */
export type MemoryKey = (buffer: ArrayBufferLike) => object;

/** Where an array's bytes lie, with its memory's key. */
interface Span {
  a: ArrayBufferView;
  key: object;
  start: number;
  end: number;
}
const spanOf = (key: MemoryKey, a: ArrayBufferView): Span => {
  const { buffer, start, end } = extentOf(a);
  return { a, key: key(buffer), start, end };
};

function overlap(a: Span, b: Span): 'none' | 'same' | 'partial' {
  if (a.key !== b.key || a.end <= b.start || b.end <= a.start || a.start === a.end || b.start === b.end) return 'none';
  return a.start === b.start && a.end === b.end && a.a.constructor === b.a.constructor ? 'same' : 'partial';
}

/**
 * Checks the outputs against the inputs and each other. Returns the outputs,
 * each replaced by the input object it coincides with where `inPlace` allows
 * that pair (output name → input names), so that the backends see in-place
 * calls as one array.
 */
export function separate<T extends ArrayBufferView | null>(
  key: MemoryKey,
  inputs: Named[],
  outputs: [string, T][],
  inPlace: Record<string, readonly string[]> = {},
): T[] {
  const ins: [string, Span][] = [];
  for (const [name, a] of inputs) if (a) ins.push([name, spanOf(key, a)]);
  const outs: [string, Span][] = [];
  return outputs.map(([outName, out]) => {
    if (!out) return out;
    const o = spanOf(key, out);
    let result: T = out;
    for (const [inName, i] of ins) {
      const how = overlap(o, i);
      if (how === 'none') continue;
      if (how === 'same' && inPlace[outName]?.includes(inName)) {
        result = i.a as T;
        continue;
      }
      const allowed = inPlace[outName]?.length ? ` (in place, ${outName} may be exactly ${inPlace[outName].join(' or ')})` : '';
      throw new RangeError(`${outName} and ${inName} overlap in memory: an output must not share memory with an input${allowed}`);
    }
    for (const [otherName, other] of outs) {
      if (overlap(o, other) !== 'none')
        throw new RangeError(`${outName} and ${otherName} overlap in memory: two outputs must not share memory`);
    }
    outs.push([outName, o]);
    return result;
  });
}
