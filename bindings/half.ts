// Half-precision logits: a Float16Array where the runtime has one, or a
// Uint16Array of raw bits with the options' `dtype`. The bindings carry them
// as a Half (the bits where they lie, and how to read them); the wasm
// backends widen them a chunk at a time (assembly/half.ts, wasm.ts), the js
// backend all at once (widened, below). Each half is exactly a float32, and
// the computation is the float32 one.
import type { F32 } from './arrays.js';

/** How a Uint16Array's bits are read. */
export type HalfDtype = 'float16' | 'bfloat16';
export const HALF_DTYPES: readonly HalfDtype[] = ['float16', 'bfloat16'];

/** Half-precision values: their bits (a plain view of the caller's memory) and their format. */
export class Half {
  readonly length: number;
  constructor(
    readonly bits: Uint16Array,
    readonly dtype: HalfDtype,
  ) {
    this.length = bits.length;
  }
}

/** An argument that may be half precision (the logits of the functions that take halves). */
export type MaybeHalf = F32 | Half;

/** The memory an argument lies in, for the aliasing rule (aliasing.ts): a Half's bits. */
export const memoryOf = (x: MaybeHalf): F32 | Uint16Array => (x instanceof Half ? x.bits : x);

const word = new Uint32Array(1),
  float = new Float32Array(word.buffer);

/** The value of one half's bits, exactly. */
export function halfValue(h: number, dtype: HalfDtype): number {
  if (dtype === 'bfloat16') {
    word[0] = h << 16;
    return float[0];
  }
  const sign = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 31,
    m = h & 1023;
  if (e === 31) return m ? NaN : sign * Infinity;
  return e === 0 ? sign * m * 2 ** -24 : sign * (1024 + m) * 2 ** (e - 25);
}

/** Elements [from, to) of x as float32: a view of a Float32Array, a new array for halves. */
export function widened(x: MaybeHalf, from = 0, to = x.length): F32 {
  if (!(x instanceof Half)) return from === 0 && to === x.length ? x : x.subarray(from, to);
  const y = new Float32Array(to - from);
  for (let i = from; i < to; i++) y[i - from] = halfValue(x.bits[i], x.dtype);
  return y;
}
