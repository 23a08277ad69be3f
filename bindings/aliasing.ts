// Outputs against inputs, decided by memory range, not by object identity:
// `v`, `v.subarray(0)` and `new Float32Array(v.buffer, v.byteOffset, v.length)`
// are the same memory. An output may be exactly an input's range where the
// operation computes in place; any other overlap (with an input, or between
// two outputs) is a RangeError naming both, as PyTorch refuses it too.

/** An array argument by name (null: not given, or allocated by the call). */
export type Named = [name: string, a: ArrayBufferView | null];

/** Which memory a buffer belongs to: two buffers with the same key may alias
 *  (every buffer the kernel memory has shown maps to one key). */
export type MemoryKey = (buffer: ArrayBufferLike) => object;

function overlap(key: MemoryKey, a: ArrayBufferView, b: ArrayBufferView): 'none' | 'same' | 'partial' {
  if (a.byteLength === 0 || b.byteLength === 0 || key(a.buffer) !== key(b.buffer)) return 'none';
  const a0 = a.byteOffset, a1 = a0 + a.byteLength, b0 = b.byteOffset, b1 = b0 + b.byteLength;
  if (a1 <= b0 || b1 <= a0) return 'none';
  return a0 === b0 && a1 === b1 && a.constructor === b.constructor ? 'same' : 'partial';
}

/**
 * Checks the outputs against the inputs and each other. Returns the outputs,
 * each replaced by the input object it coincides with where `inPlace` allows
 * that pair (output name → input names), so that the backends see in-place
 * calls as one array.
 */
export function separate<T extends ArrayBufferView | null>(
  key: MemoryKey, inputs: Named[], outputs: [string, T][], inPlace: Record<string, readonly string[]> = {},
): T[] {
  const result = outputs.map(([, a]) => a);
  outputs.forEach(([outName, out], i) => {
    if (!out) return;
    for (const [inName, input] of inputs) {
      if (!input) continue;
      const o = overlap(key, out, input);
      if (o === 'none') continue;
      if (o === 'same' && inPlace[outName]?.includes(inName)) {
        result[i] = input as T;
        continue;
      }
      const allowed = inPlace[outName]?.length ? ` (in place, ${outName} may be exactly ${inPlace[outName].join(' or ')})` : '';
      throw new RangeError(`${outName} and ${inName} overlap in memory: an output must not share memory with an input${allowed}`);
    }
    for (const [otherName, other] of outputs.slice(0, i)) {
      if (other && overlap(key, out, other) !== 'none') throw new RangeError(`${outName} and ${otherName} overlap in memory: two outputs must not share memory`);
    }
  });
  return result;
}
