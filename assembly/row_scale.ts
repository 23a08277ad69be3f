// Row copies with one scalar applied: y = x·f and y = (x − a) − b, the last
// pass of softmax, logSoftmax and logSumExp's gradient. y may be x.
import { at } from './simd';

/**
 * y = x·f over a row of n.
 * Takes: x, y (may be x), n, f. Returns nothing; stores y.
 * Accuracy: one rounding per element. State: none.
 */
export function scaleStore(x: usize, y: usize, n: i32, f: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(f);
    for (; i + 4 <= n; i += 4) v128.store(at(y, i), f32x4.mul(v128.load(at(x, i)), v));
  }
  for (; i < n; i++) store<f32>(at(y, i), load<f32>(at(x, i)) * f);
}

/**
 * y = (x − a) − b over a row of n: two roundings, so a huge a (the row max)
 * never swamps a small result (logSoftmax: a the max, b log Σ exp(x − max)).
 * Takes: x, y (may be x), n, a, b. Returns nothing; stores y.
 * Accuracy: two roundings per element. State: none.
 */
export function shiftStore(x: usize, y: usize, n: i32, a: f32, b: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a), vb = f32x4.splat(b);
    for (; i + 4 <= n; i += 4) {
      v128.store(at(y, i), f32x4.sub(f32x4.sub(v128.load(at(x, i)), va), vb));
    }
  }
  for (; i < n; i++) store<f32>(at(y, i), (load<f32>(at(x, i)) - a) - b);
}
