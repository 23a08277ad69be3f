// A candidate that works only after its setup() (tests/bench-any.test.js): simdloss's
// simd build, made there; its version says what setup() was given.
import { init } from '../../dist/index.js';

export const name = 'after-setup';
export let version = 'setup() not called';
let k = null;
export async function setup(options) {
  k = await init({ backend: 'simd' });
  version = `setup(${JSON.stringify(options)})`;
}
export const logSumExp = (...args) => k.logSumExp(...args);
export const softmax = (...args) => k.softmax(...args);
