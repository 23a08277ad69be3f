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
