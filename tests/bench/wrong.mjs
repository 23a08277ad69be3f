// A wrong candidate (tests/bench-any.test.js): softmax right but for one element, which is 1% off.
import { softmax as right } from '../../bench/baseline.js';

export const name = 'wrong';
export function softmax(x, classes) {
  const y = right(x, classes);
  y[7] *= 1.01;
  return y;
}
