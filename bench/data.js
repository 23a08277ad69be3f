// Deterministic benchmark inputs: the same numbers on every run and backend.

/** mulberry32: a small seeded generator of uniform numbers in [0, 1) (the tests use it too). */
export function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n floats uniform in [lo, hi). */
export function uniform(n, lo, hi, seed) {
  const next = generator(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * next();
  return a;
}

/** n class indices uniform in [0, classes). */
export function classIndices(n, classes, seed) {
  const next = generator(seed);
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) t[i] = Math.floor(next() * classes);
  return t;
}

/** The bfloat16 bits nearest each float (round to nearest even; finite data). */
export function bfloat16Bits(x) {
  return Uint16Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length), (b) => (b + 0x7fff + ((b >>> 16) & 1)) >>> 16);
}

/** The float16 bits nearest each float (round to nearest even), for data inside float16's normal range. */
export function float16Bits(x) {
  const f = new Float32Array(1),
    u = new Uint32Array(f.buffer);
  return Uint16Array.from(x, (v) => {
    f[0] = v;
    const b = u[0],
      sign = (b >>> 16) & 0x8000,
      e = ((b >>> 23) & 0xff) - 112;
    if (e <= 0) return sign; // below float16's normals: flushed (not in the benchmark's data)
    const m = b & 0x7fffff,
      r = (e << 10) | (m >>> 13),
      rest = m & 0x1fff;
    return sign | (rest > 0x1000 || (rest === 0x1000 && r & 1) ? r + 1 : r);
  });
}
