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

/** One float32's bits rounded to nearest even as a half's bits (as
 *  narrowF16 / narrowBF16 in assembly/half.ts): overflow to ±∞, float16's
 *  subnormals, NaN as the quiet NaN of its sign. */
export function narrowBits(bits: number, dtype: HalfDtype): number {
  const sign = (bits >>> 16) & 0x8000,
    a = bits & 0x7fffffff;
  if (a > 0x7f800000) return sign | (dtype === 'bfloat16' ? 0x7fc0 : 0x7e00);
  if (dtype === 'bfloat16') return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16; // < 2^32 for every non-NaN
  if (a >= 0x47800000) return sign | 0x7c00; // 65536 and up (65520 and up carry there below)
  if (a >= 0x38800000) return sign | ((a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13); // re-biased, rounded
  // a subnormal float16: the value in units of 2^−24 (exact in a double), rounded to even (1024: the least normal)
  word[0] = a;
  const q = float[0] * 2 ** 24,
    n = Math.floor(q),
    rest = q - n;
  return sign | (rest > 0.5 || (rest === 0.5 && n % 2 === 1) ? n + 1 : n);
}

/** dst's halves from src's float32s (the same length), rounded as narrowBits. */
export function narrowInto(src: F32, dst: Half): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst.bits[i] = narrowBits(bits[i], dst.dtype);
}
