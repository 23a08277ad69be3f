// argmax on every backend against a plain-JS reference with torch.argmax's
// rules: the first index of the row maximum, a NaN counting as the maximum
// (the first NaN wins), −0 equal to +0 (the first of them wins). Class counts
// around each of the SIMD build's paths (2–3, 4–31 four rows to a vector,
// 32–63 and 64+ in blocks of 16 and 32, tails that overlap), 1–13 rows (groups
// of four and the rows left over), arrays copied in and zero-copy views.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, kernel } from './helpers.js';
import { generator } from '../bench/data.js';

const CLASSES = [...Array.from({ length: 20 }, (_, i) => i + 1), 31, 32, 33, 63, 64, 65, 1000, 1001, 4097];
const ROWS = Array.from({ length: 13 }, (_, i) => i + 1);

/** torch.argmax per row, written plainly: the first NaN, else the first element equal to the max. */
function reference(x, classes) {
  const out = new Int32Array(x.length / classes);
  for (let r = 0; r < out.length; r++) {
    const row = x.subarray(r * classes, (r + 1) * classes);
    const nan = row.findIndex((v) => Number.isNaN(v));
    if (nan >= 0) {
      out[r] = nan;
      continue;
    }
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    out[r] = row.indexOf(max); // -0 === 0
  }
  return out;
}

/** Batches of rows × classes, each kind built from a seeded generator. */
const KINDS = {
  /** uniform in [−5, 5) */
  random: (next) => () => -5 + 10 * next(),
  /** three values only: the maximum repeats at many places */
  ties: (next) => () => Math.floor(next() * 3),
  /** ±0 and −1: the first zero of either sign is the maximum */
  zeros: (next) => () => [-0, 0, -1][Math.floor(next() * 3)],
  /** NaN at about one place in eight; other rows have none */
  nan: (next) => () => (next() < 0.12 ? NaN : -5 + 10 * next()),
  /** +∞ at random places (several in a row: the first wins) */
  inf: (next) => () => (next() < 0.1 ? Infinity : -5 + 10 * next()),
  /** both infinities, no NaN (a running sum of +∞ and −∞ is NaN) */
  infinities: (next) => () => {
    const u = next();
    return u < 0.1 ? Infinity : u < 0.2 ? -Infinity : -5 + 10 * next();
  },
  /** ±3e38: running sums overflow both ways */
  huge: (next) => () => (next() < 0.5 ? 3e38 : -3e38) * next(),
  /** −∞ everywhere but for a few finite values */
  negInf: (next) => () => (next() < 0.05 ? -5 + 10 * next() : -Infinity),
};

function batch(kind, rows, classes, seed) {
  const value = KINDS[kind](generator(seed));
  return Float32Array.from({ length: rows * classes }, value);
}

/** Where a planted maximum goes in a row of n: both ends, each lane of the first
 *  blocks, the overlapping tails of 4, 16 and 32, the middle. */
function places(n) {
  const at = [0, 1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, n >> 1, n - 33, n - 32, n - 31, n - 17, n - 16, n - 5, n - 4, n - 3, n - 2, n - 1];
  return [...new Set(at.filter((i) => i >= 0 && i < n))];
}

/** Rows of values in [−1, 1) with a maximum (or NaN) planted at one place, and a second one later. */
function planted(classes, value, seed) {
  const next = generator(seed),
    at = places(classes),
    rows = [];
  for (const i of at) {
    for (const j of [null, ...at.filter((j) => j > i)]) {
      const row = Float32Array.from({ length: classes }, () => 2 * next() - 1);
      row[i] = value;
      if (j !== null) row[j] = Number.isNaN(value) || next() < 0.5 ? value : 5; // NaN wins over a later larger value
      rows.push(row);
    }
  }
  const x = new Float32Array(rows.length * classes);
  rows.forEach((row, r) => x.set(row, r * classes));
  return x;
}

/** Rows of values in [−2, −1) with −0 or +0 at one place and the other zero later: the first wins. */
function signedZeros(classes, seed) {
  const next = generator(seed),
    at = places(classes),
    rows = [];
  for (const i of at) {
    for (const j of at.filter((j) => j > i)) {
      const row = Float32Array.from({ length: classes }, () => -1 - next());
      const first = next() < 0.5 ? -0 : 0;
      row[i] = first;
      row[j] = Object.is(first, -0) ? 0 : -0;
      rows.push(row);
    }
  }
  const x = new Float32Array(Math.max(1, rows.length) * classes).fill(-1);
  rows.forEach((row, r) => x.set(row, r * classes));
  return x;
}

/** check, and for long rows each row alone too (a lone row is taken in two halves). */
function checkRows(k, x, classes, what) {
  check(k, x, classes, what);
  if (classes < 32) return;
  for (let r = 0; r < x.length / classes; r++) check(k, x.subarray(r * classes, (r + 1) * classes), classes, `${what}, row ${r} alone`);
}

function check(k, x, classes, what) {
  const want = reference(x, classes);
  const got = k.argmax(x, classes);
  assert.instance(got, Int32Array);
  for (let r = 0; r < want.length; r++) {
    if (got[r] !== want[r]) {
      const row = Array.from(x.subarray(r * classes, (r + 1) * classes)).slice(0, 40);
      assert.unreachable(`${what}: row ${r} gave ${got[r]}, expected ${want[r]}; row starts ${row.join(', ')}`);
    }
  }
}

for (const backend of BACKENDS) {
  for (const kind of Object.keys(KINDS)) {
    test(`${backend} · argmax of ${kind} rows, classes 1…20, 31–33, 63–65, 1000, 1001, 4097, rows 1…13`, async () => {
      const k = await kernel(backend);
      let seed = 1;
      for (const classes of CLASSES) {
        for (const rows of ROWS) check(k, batch(kind, rows, classes, seed++), classes, `${classes} classes, ${rows} rows`);
      }
    });
  }

  test(`${backend} · argmax with a maximum, a tie, +∞, −0/+0 or NaN planted at every boundary`, async () => {
    const k = await kernel(backend);
    let seed = 100;
    for (const classes of CLASSES) {
      for (const value of [3, Infinity, NaN])
        checkRows(k, planted(classes, value, seed++), classes, `${classes} classes, ${value} planted`);
      checkRows(k, signedZeros(classes, seed++), classes, `${classes} classes, −0 and +0 planted`);
    }
  });

  test(`${backend} · argmax of rows all −∞, all NaN, all +∞, all −0`, async () => {
    const k = await kernel(backend);
    for (const classes of CLASSES) {
      for (const v of [-Infinity, NaN, Infinity, -0]) {
        const x = new Float32Array(5 * classes).fill(v);
        assert.equal(Array.from(k.argmax(x, classes)), [0, 0, 0, 0, 0], `${classes} classes of ${v}`);
      }
    }
  });

  if (backend !== 'js') {
    test(`${backend} · argmax on zero-copy views (k.f32 in, k.i32 out) as on arrays`, async () => {
      const k = await kernel(backend);
      let seed = 500;
      for (const classes of CLASSES) {
        for (const kind of ['random', 'ties', 'nan', 'infinities']) {
          const a = batch(kind, 4099 >> Math.min(8, Math.floor(Math.log2(classes))), classes, seed++);
          const x = k.f32(a.length),
            out = k.i32(a.length / classes);
          try {
            x.set(a);
            assert.is(k.argmax(x, classes, out), out);
            assert.equal(Array.from(out), Array.from(reference(a, classes)), `${kind}, ${classes} classes`);
          } finally {
            k.free(x);
            k.free(out);
          }
        }
      }
    });
  }
}

test.run();
