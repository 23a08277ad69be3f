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

/** f16Bits on four lanes, from each half's bits in the upper 16 of its lane
 *  (the lower 16 zero): shifted back 3 places arithmetically and cleared of
 *  the sign's three copies, they are the sign and the magnitude's bits in
 *  float32's places, which the multiply scales (sign kept); ∞ and NaN
 *  (exponent all ones) then take float32's all-ones exponent. A subnormal
 *  half is a subnormal operand of the multiply, which x86 takes slowly: data
 *  made mostly of subnormal halves widens several times slower. */
@inline function f16x4(high: v128): v128 {
  const bits = v128.and(i32x4.shr_s(high, 3), i32x4.splat(0x8fffffff));
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
    // each half above a zero half (as widenBF16), then f16x4; CONSTANT_LOOPS
    // (simd.ts): do-while, so the constants stay out of the loop
    const zero = i16x8.splat(0);
    if (i + 8 <= n)
      do {
        const h = v128.load(src + (<usize>i << 1));
        v128.store(dst + (<usize>i << 2), f16x4(i16x8.shuffle(zero, h, 0, 8, 1, 9, 2, 10, 3, 11)));
        v128.store(dst + (<usize>i << 2), f16x4(i16x8.shuffle(zero, h, 4, 12, 5, 13, 6, 14, 7, 15)), 16);
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

// Gradients out in half precision: the float32 gradient of a chunk, narrowed
// with IEEE round-to-nearest-even into halves (bindings/wasm.ts, as the
// widening above on the way in).

/** float32 bits (without sign) from here up are float16 ∞ (65536 and above) or NaN. */
const F16_INFINITE: u32 = 0x47800000;
/** Below here (2^−14) a float16 is subnormal or zero. */
const F16_NORMAL: u32 = 0x38800000;
/** Below here (2^−25, half the least subnormal) a float16 rounds to zero. */
const F16_ZERO: u32 = 0x33000000;
/** float32's exponent bias (127) moved to float16's (15), in float32's exponent bits. */
const F16_REBIAS: u32 = 0x38000000;
/** 0.5's bits: x + 0.5 for x < 2^−14 has the float16 subnormal bits of x,
 *  rounded to nearest even by the add itself (0.5's ulp is 2^−24). */
const HALF_BITS: u32 = 0x3f000000;

/**
 * One float32's bits as float16 bits, rounded to nearest even: normal values
 * by integer rounding of the re-biased bits (a carry into the exponent makes
 * 65520 and up ∞), subnormals by the add above; NaN as the quiet NaN of its
 * sign. Values below F16_ZERO are zeroed before the add so that it never
 * takes a subnormal operand, which x86 takes slowly.
 * Takes: bits. Returns: float16 bits in the low 16. Accuracy: exact (RNE).
 * State: none.
 */
@inline function f16Narrow(bits: u32): u32 {
  const a = bits & 0x7fffffff;
  let h: u32;
  if (a >= F16_INFINITE) h = a > 0x7f800000 ? 0x7e00 : 0x7c00;
  else if (a >= F16_NORMAL) h = (a - F16_REBIAS + 0xfff + ((a >> 13) & 1)) >> 13;
  else h = reinterpret<u32>(reinterpret<f32>(a >= F16_ZERO ? a : 0) + 0.5) - HALF_BITS;
  return h | ((bits >> 16) & 0x8000);
}

/** f16Narrow on four lanes: every form computed, the lane's own selected. */
@inline function f16Narrowx4(bits: v128): v128 {
  const a = v128.and(bits, i32x4.splat(0x7fffffff));
  const odd = v128.and(i32x4.shr_u(a, 13), i32x4.splat(1));
  const normal = i32x4.shr_u(i32x4.add(i32x4.sub(a, i32x4.splat(F16_REBIAS - 0xfff)), odd), 13);
  const small = v128.and(a, i32x4.ge_s(a, i32x4.splat(F16_ZERO)));
  const sub = i32x4.sub(f32x4.add(small, f32x4.splat(0.5)), i32x4.splat(HALF_BITS));
  const special = v128.bitselect(i32x4.splat(0x7e00), i32x4.splat(0x7c00), i32x4.gt_s(a, i32x4.splat(0x7f800000)));
  const h = v128.bitselect(normal, sub, i32x4.ge_s(a, i32x4.splat(F16_NORMAL)));
  const sign = v128.and(i32x4.shr_u(bits, 16), i32x4.splat(0x8000));
  return v128.or(v128.bitselect(special, h, i32x4.ge_s(a, i32x4.splat(F16_INFINITE))), sign);
}

/**
 * One float32's bits as bfloat16 bits (float32's upper half), rounded to
 * nearest even: overflow carries into ∞; NaN as the quiet NaN of its sign.
 * Takes: bits. Returns: bfloat16 bits in the low 16. Accuracy: exact (RNE).
 * State: none.
 */
@inline function bf16Narrow(bits: u32): u32 {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >> 16) & 0x8000) | 0x7fc0;
  return (bits + 0x7fff + ((bits >> 16) & 1)) >> 16;
}

/** bf16Narrow on four lanes. */
@inline function bf16Narrowx4(bits: v128): v128 {
  const hi = i32x4.shr_u(bits, 16);
  const rounded = i32x4.shr_u(i32x4.add(bits, i32x4.add(v128.and(hi, i32x4.splat(1)), i32x4.splat(0x7fff))), 16);
  const nan = v128.or(v128.and(hi, i32x4.splat(0x8000)), i32x4.splat(0x7fc0));
  return v128.bitselect(nan, rounded, i32x4.gt_s(v128.and(bits, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000)));
}

/**
 * dst[i] = src[i] rounded to float16 (bf = false) or bfloat16 (bf = true, a
 * compile-time constant) with RNE, for i < n: narrowF16 and narrowBF16.
 * Takes: src (n floats), dst (n halves' bits, 2 bytes each; not overlapping
 * src), n. Writes: dst. Accuracy: exact RNE, subnormals, overflow to ±∞ and
 * NaN (quiet) included. State: none.
 */
@inline function narrowInto(src: usize, dst: usize, n: i32, bf: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // CONSTANT_LOOPS (simd.ts): do-while, so the constants stay out of the loop
    if (i + 8 <= n)
      do {
        const x = v128.load(src + (<usize>i << 2)), y = v128.load(src + (<usize>i << 2), 16);
        const lo = bf ? bf16Narrowx4(x) : f16Narrowx4(x),
          hi = bf ? bf16Narrowx4(y) : f16Narrowx4(y);
        v128.store(dst + (<usize>i << 1), i16x8.narrow_i32x4_u(lo, hi)); // lanes ≤ 0xffff: exact
        i += 8;
      } while (i + 8 <= n);
  }
  for (; i < n; i++) {
    const bits = load<u32>(src + (<usize>i << 2));
    store<u16>(dst + (<usize>i << 1), <u16>(bf ? bf16Narrow(bits) : f16Narrow(bits)));
  }
}

/** narrowInto for float16. */
export function narrowF16(src: usize, dst: usize, n: i32): void {
  narrowInto(src, dst, n, false);
}

/** narrowInto for bfloat16. */
export function narrowBF16(src: usize, dst: usize, n: i32): void {
  narrowInto(src, dst, n, true);
}
