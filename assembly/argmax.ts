// argmax: the first index of each row's maximum, a NaN counting as the
// maximum (the first NaN wins, as torch.argmax); −0 and +0 are equal, so the
// first of them wins. Rows [r0, r1) only, so a batch's rows can be split.
//
// The SIMD build takes rows by length (see docs/kernel-notes.md, "argmax"):
//   2–3 classes      four rows at once, their columns made by shuffles;
//   4–31 classes     four rows at once, one row per lane (transposed 4×4
//                    blocks in registers), tracking each lane's max and index;
//   32 classes up    two rows at once, one from each half of the range (two
//                    streams read memory faster than one; a lone row is taken
//                    as its two halves), each in one pass: each lane's max and
//                    the first block of 16 floats where it reached it, then
//                    that block searched for the row max.
// The max is taken with `pmax` (NaN skipped); whether rows have a NaN is told
// by a running sum (NaN there if an x is NaN, or, rarely, from +∞ + −∞):
// such rows take the scalar form or a search for the first NaN, so the sum
// can only cost time, never change a result.
import { at } from './simd';

/** Rows shorter than this go four to a vector (one row per lane). */
const LANES_BELOW = 32;

export function argmax(x: usize, out: usize, r0: i32, r1: i32, classes: i32): void {
  let r = r0;
  if (ASC_FEATURE_SIMD) {
    if (classes >= LANES_BELOW) {
      longRows(x, out, r0, r1, classes);
      return;
    }
    if (classes >= 4) r = laneRows(x, out, r0, r1, classes);
    else if (classes >= 2) r = fewRows(x, out, r0, r1, classes);
  }
  argmaxRows(x, out, r, r1, classes);
}

/** The scalar form: the scalar build's, and the SIMD build's for rows left over
 *  from groups of four and for groups with a NaN. */
function argmaxRows(x: usize, out: usize, r0: i32, r1: i32, classes: i32): void {
  for (let r = r0; r < r1; r++) store<i32>(at(out, r), rowArgmax(at(x, r * classes), classes));
}

/** argmax of one row of n ≥ 1 at xr, element by element: the first NaN, else
 *  the first maximum. Returns: its index. State: none. */
@inline export function rowArgmax(xr: usize, n: i32): i32 {
  let best = 0;
  let m = load<f32>(xr);
  for (let i = 1; i < n && m == m; i++) {
    const v = load<f32>(at(xr, i));
    if (v > m || v != v) { m = v; best = i; }
  }
  return best;
}

/**
 * The first of the n elements at xr equal to m (−0 and +0 are equal), or n
 * if none: a row's argmax where the row is known to hold no NaN and m is its
 * max (scoring.ts), in one compare per element.
 * Takes: xr, n ≥ 0, m. Returns: that index. State: none.
 */
export function firstEqual(xr: usize, n: i32, m: f32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const mv = f32x4.splat(m);
    for (; i + 16 <= n; i += 16) { // sixteen at a time to the block that holds it
      const p = at(xr, i);
      const a = v128.or(f32x4.eq(v128.load(p), mv), f32x4.eq(v128.load(p, 16), mv));
      if (v128.any_true(v128.or(a, v128.or(f32x4.eq(v128.load(p, 32), mv), f32x4.eq(v128.load(p, 48), mv))))) break;
    }
    for (; i + 4 <= n; i += 4) {
      const e = i32x4.bitmask(f32x4.eq(v128.load(at(xr, i)), mv));
      if (e) return i + ctz(e);
    }
  }
  for (; i < n; i++) if (load<f32>(at(xr, i)) == m) return i;
  return n;
}

/**
 * Rows of 4–31 classes, four at a time with one row per lane: each 4×4 block
 * of the four rows is transposed in registers into four columns, and each
 * column c updates the lanes where it is strictly larger than their max so
 * far (the first maximum wins): max = pmax(max, c), index = c there. The index
 * only grows, so it is kept with an i32 max. The last block overlaps the one
 * before it where classes % 4 ≠ 0; its repeated columns are never strictly
 * larger, so nothing changes. Returns the first row not done (r1 − r < 4).
 */
function laneRows(x: usize, out: usize, r0: i32, r1: i32, classes: i32): i32 {
  const stride = <usize>classes << 2;
  let r = r0;
  while (r + 4 <= r1) {
    const p = at(x, r * classes);
    let m = f32x4.splat(-Infinity), best = i32x4.splat(0), s = f32x4.splat(0);
    let c = 0;
    do { // do-while: see CONSTANT_LOOPS in simd.ts
      const f = min(c, classes - 4), q = at(p, f);
      const a = v128.load(q), b = v128.load(q + stride), d = v128.load(q + 2 * stride), e = v128.load(q + 3 * stride);
      const u0 = i32x4.shuffle(a, b, 0, 4, 1, 5), u1 = i32x4.shuffle(d, e, 0, 4, 1, 5);
      const u2 = i32x4.shuffle(a, b, 2, 6, 3, 7), u3 = i32x4.shuffle(d, e, 2, 6, 3, 7);
      const k0 = i64x2.shuffle(u0, u1, 0, 2), k1 = i64x2.shuffle(u0, u1, 1, 3);
      const k2 = i64x2.shuffle(u2, u3, 0, 2), k3 = i64x2.shuffle(u2, u3, 1, 3);
      let i = i32x4.splat(f);
      let up = f32x4.lt(m, k0);
      m = f32x4.pmax(m, k0);
      best = i32x4.max_s(best, v128.and(up, i));
      i = i32x4.add(i, i32x4.splat(1));
      up = f32x4.lt(m, k1);
      m = f32x4.pmax(m, k1);
      best = i32x4.max_s(best, v128.and(up, i));
      i = i32x4.add(i, i32x4.splat(1));
      up = f32x4.lt(m, k2);
      m = f32x4.pmax(m, k2);
      best = i32x4.max_s(best, v128.and(up, i));
      i = i32x4.add(i, i32x4.splat(1));
      up = f32x4.lt(m, k3);
      m = f32x4.pmax(m, k3);
      best = i32x4.max_s(best, v128.and(up, i));
      s = f32x4.add(s, f32x4.add(f32x4.add(k0, k1), f32x4.add(k2, k3)));
      c += 4;
    } while (c < classes);
    if (v128.any_true(f32x4.ne(s, s))) argmaxRows(x, out, r, r + 4, classes);
    else v128.store(at(out, r), best);
    r += 4;
  }
  return r;
}

/** Rows of 2 or 3 classes, four at a time: the four rows are 2 or 3 vectors,
 *  their columns two shuffles apiece. Returns the first row not done. */
function fewRows(x: usize, out: usize, r0: i32, r1: i32, classes: i32): i32 {
  let r = r0;
  while (r + 4 <= r1) {
    const p = at(x, r * classes);
    const a = v128.load(p), b = v128.load(p, 16);
    let best: v128, s: v128;
    if (classes == 2) {
      const c0 = i32x4.shuffle(a, b, 0, 2, 4, 6), c1 = i32x4.shuffle(a, b, 1, 3, 5, 7);
      best = v128.and(f32x4.lt(c0, c1), i32x4.splat(1));
      s = f32x4.add(c0, c1);
    } else {
      const c = v128.load(p, 32);
      const c0 = i32x4.shuffle(i32x4.shuffle(a, b, 0, 3, 6, 0), c, 0, 1, 2, 5);
      const c1 = i32x4.shuffle(i32x4.shuffle(a, b, 1, 4, 7, 0), c, 0, 1, 2, 6);
      const c2 = i32x4.shuffle(i32x4.shuffle(a, b, 2, 5, 0, 0), c, 0, 1, 4, 7);
      best = v128.and(f32x4.lt(c0, c1), i32x4.splat(1));
      best = i32x4.max_s(best, v128.and(f32x4.lt(f32x4.pmax(c0, c1), c2), i32x4.splat(2)));
      s = f32x4.add(f32x4.add(c0, c1), c2);
    }
    if (v128.any_true(f32x4.ne(s, s))) argmaxRows(x, out, r, r + 4, classes);
    else v128.store(at(out, r), best);
    r += 4;
  }
  return r;
}

/**
 * Rows of n ≥ 32 classes (n ≥ 16 would do), two at a time: row r with row
 * r + h, h half the range, so that memory is read in two streams (two
 * streams read it faster than one); an odd range's last row is taken as its
 * two halves. See pairPass.
 */
function longRows(x: usize, out: usize, r0: i32, r1: i32, n: i32): void {
  const h = (r1 - r0) >> 1;
  for (let r = r0; r < r0 + h; r++) pairPass(at(x, r * n), at(x, (r + h) * n), n, at(out, r), at(out, r + h), 0);
  if ((r1 - r0) & 1) {
    const xr = at(x, (r1 - 1) * n), half = n >> 1;
    pairPass(xr, at(xr, half), n - half, at(out, r1 - 1), 0, half);
  }
}

/**
 * Two rows of n in one pass over blocks of 16 floats: each block's max per
 * lane, and where it is strictly above the lane's max so far, the block's
 * start recorded for that lane. Lanes then hold their max and the first block
 * that reached it, and blockFirst finds the row's first maximum. The last
 * block overlaps the one before it where n is not a multiple of 16: an
 * element seen twice can only make a later block a lane's start, never an
 * earlier one. One sum for both rows tells whether either may hold a NaN.
 * The results go to oa and ob; with half > 0, a and b are [0, n) and
 * [half, half + n) of one row of half + n (half ≤ n: they meet or overlap),
 * whose first maximum is a's unless b's is larger, and goes to oa.
 */
@inline function pairPass(a: usize, b: usize, n: i32, oa: usize, ob: usize, half: i32): void {
  const last = n - 16;
  let ma = f32x4.splat(-Infinity), sa = i32x4.splat(0), mb = ma, sb = sa, q = f32x4.splat(0);
  let i = 0;
  do {
    const o = min(i, last), ov = i32x4.splat(o);
    // each block's max and sum taken a pair of vectors at a time, so that few registers are live
    let p = at(a, o), v0 = v128.load(p), v1 = v128.load(p, 16);
    let m = f32x4.pmax(v0, v1), s = f32x4.add(v0, v1);
    v0 = v128.load(p, 32);
    v1 = v128.load(p, 48);
    m = f32x4.pmax(m, f32x4.pmax(v0, v1));
    s = f32x4.add(s, f32x4.add(v0, v1));
    let up = f32x4.lt(ma, m);
    ma = f32x4.pmax(ma, m);
    sa = i32x4.max_s(sa, v128.and(up, ov));
    p = at(b, o);
    v0 = v128.load(p);
    v1 = v128.load(p, 16);
    m = f32x4.pmax(v0, v1);
    s = f32x4.add(s, f32x4.add(v0, v1));
    v0 = v128.load(p, 32);
    v1 = v128.load(p, 48);
    m = f32x4.pmax(m, f32x4.pmax(v0, v1));
    s = f32x4.add(s, f32x4.add(v0, v1));
    up = f32x4.lt(mb, m);
    mb = f32x4.pmax(mb, m);
    sb = i32x4.max_s(sb, v128.and(up, ov));
    q = f32x4.add(q, s);
    i += 16;
  } while (i < n);
  const nan = v128.any_true(f32x4.ne(q, q)); // a NaN, or +∞ + −∞
  if (half > 0) {
    const k = nan ? firstNaN(a, half + n) : -1;
    if (k >= 0) {
      store<i32>(oa, k);
    } else {
      const ka = blockFirst(a, ma, sa), kb = blockFirst(b, mb, sb);
      store<i32>(oa, load<f32>(at(a, ka)) >= load<f32>(at(b, kb)) ? ka : half + kb);
    }
  } else {
    const ka = nan ? firstNaN(a, n) : -1, kb = nan ? firstNaN(b, n) : -1;
    store<i32>(oa, ka >= 0 ? ka : blockFirst(a, ma, sa));
    store<i32>(ob, kb >= 0 ? kb : blockFirst(b, mb, sb));
  }
}

/** The first element equal to the row max in the first block of 16 at xr
 *  that holds it, from each lane's max m and the first block start where the
 *  lane reached it: found without a branch (a data-dependent branch here is
 *  mispredicted at random), the block's compare masks narrowed to one mask. */
@inline export function blockFirst(xr: usize, m: v128, start: v128): i32 {
  // the row max in every lane (no extract and splat: their latency is the row's)
  let mv = f32x4.pmax(m, i64x2.shuffle(m, m, 1, 0));
  mv = f32x4.pmax(mv, i32x4.shuffle(mv, mv, 1, 0, 3, 2));
  // the least start among the lanes at the max (the others 0xFFFFFFFF, unsigned)
  let c = v128.or(start, f32x4.ne(m, mv));
  c = i32x4.min_u(c, i64x2.shuffle(c, c, 1, 0));
  c = i32x4.min_u(c, i32x4.shuffle(c, c, 1, 0, 3, 2));
  const b = i32x4.extract_lane(c, 0), p = at(xr, b);
  const e0 = i16x8.narrow_i32x4_s(f32x4.eq(v128.load(p), mv), f32x4.eq(v128.load(p, 16), mv));
  const e1 = i16x8.narrow_i32x4_s(f32x4.eq(v128.load(p, 32), mv), f32x4.eq(v128.load(p, 48), mv));
  return b + ctz(i8x16.bitmask(i8x16.narrow_i16x8_s(e0, e1)));
}

/** Index of the first NaN of the row of n ≥ 16 at xr, or −1. */
function firstNaN(xr: usize, n: i32): i32 {
  let i = 0;
  for (; i <= n - 16; i += 16) {
    const p = at(xr, i);
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    if (v128.any_true(v128.or(v128.or(f32x4.ne(a, a), f32x4.ne(b, b)), v128.or(f32x4.ne(c, c), f32x4.ne(d, d))))) break;
  }
  for (; i < n; i += 4) {
    const j = min(i, n - 4);
    const v = v128.load(at(xr, j));
    const e = i32x4.bitmask(f32x4.ne(v, v));
    if (e) return j + ctz(e);
  }
  return -1;
}
