// Half-precision logits (float16, bfloat16) widened to float32 a chunk at a
// time: bindings/wasm.ts streams them through the float32 kernels, which run
// unchanged. Every half is exactly a float32, so widening is exact.

/** 2^112: float16's exponent bias (15) moved to float32's (127). */
const F16_SCALE: f32 = 5.192296858534828e33;
/** float16 bits (without sign) from here up are ±∞ or NaN. */
const F16_SPECIAL: u32 = 0x7c00;

/**
 * One float16's bits as float32 bits. The magnitude's bits shifted into
 * float32's places read as 2^−112 of the value (subnormal halves as float32
 * subnormals, which wasm never flushes): one exact multiply scales them; ∞
 * and NaN (payload kept) take float32's all-ones exponent instead.
 * Takes: h (bits in the low 16). Returns: float32 bits. Accuracy: exact.
 * State: none.
 */
@inline function f16Bits(h: u32): u32 {
  const em = h & 0x7fff,
    shifted = em << 13;
  const bits = em >= F16_SPECIAL ? shifted | 0x7f800000 : reinterpret<u32>(reinterpret<f32>(shifted) * F16_SCALE);
  return bits | ((h & 0x8000) << 16);
}

/** f16Bits on four lanes, from the halves' bits sign-extended to 32: shifted
 *  13 places and cleared of the extension's three bits, they are the sign and
 *  the magnitude's bits in float32's places, which the multiply scales (sign
 *  kept); ∞ and NaN (exponent all ones) then take float32's all-ones exponent.
 *  A subnormal half is a subnormal operand of the multiply, which x86 takes
 *  slowly: data made mostly of subnormal halves widens several times slower. */
@inline function f16x4(h: v128): v128 {
  const bits = v128.and(i32x4.shl(h, 13), i32x4.splat(0x8fffffff));
  const special = i32x4.eq(v128.and(bits, i32x4.splat(0x0f800000)), i32x4.splat(0x0f800000));
  return v128.or(f32x4.mul(bits, f32x4.splat(F16_SCALE)), v128.and(special, i32x4.splat(0x7f800000)));
}

/**
 * dst[i] = the float16 src[i] as float32, for i < n.
 * Takes: src (n halves' bits, 2 bytes each), dst (n floats, not overlapping
 * src), n. Writes: dst. Accuracy: exact, subnormals, ±0, ±∞ and NaN
 * included. State: none.
 */
export function widenF16(src: usize, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // CONSTANT_LOOPS (simd.ts): do-while, so the constants stay out of the loop
    if (i + 8 <= n)
      do {
        const h = v128.load(src + (<usize>i << 1));
        v128.store(dst + (<usize>i << 2), f16x4(i32x4.extend_low_i16x8_s(h)));
        v128.store(dst + (<usize>i << 2), f16x4(i32x4.extend_high_i16x8_s(h)), 16);
        i += 8;
      } while (i + 8 <= n);
  }
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), f16Bits(<u32>load<u16>(src + (<usize>i << 1))));
}

/**
 * dst[i] = the bfloat16 src[i] as float32 (its bits are float32's upper
 * half), for i < n.
 * Takes: src (n halves' bits), dst (n floats, not overlapping src), n.
 * Writes: dst. Accuracy: exact. State: none.
 */
export function widenBF16(src: usize, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // each half beside a zero half below it: one interleave a vector
    const zero = i16x8.splat(0);
    for (; i + 8 <= n; i += 8) {
      const h = v128.load(src + (<usize>i << 1));
      v128.store(dst + (<usize>i << 2), i16x8.shuffle(zero, h, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(dst + (<usize>i << 2), i16x8.shuffle(zero, h, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    }
  }
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), <u32>load<u16>(src + (<usize>i << 1)) << 16);
}
