// argmax: the first index of each row's maximum, a NaN counting as the
// maximum (the first NaN wins, as torch.argmax); −0 and +0 are equal, so the
// first of them wins. Rows [r0, r1) only, so a batch's rows can be split.
import { at } from './simd';

export function argmax(x: usize, out: usize, r0: i32, r1: i32, classes: i32): void {
  argmaxRows(x, out, r0, r1, classes);
}

/** The scalar form: every build's reference. */
function argmaxRows(x: usize, out: usize, r0: i32, r1: i32, classes: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = at(x, r * classes);
    let best = 0;
    let m = load<f32>(xr);
    for (let i = 1; i < classes && m == m; i++) {
      const v = load<f32>(at(xr, i));
      if (v > m || v != v) { m = v; best = i; }
    }
    store<i32>(at(out, r), best);
  }
}
