// simdloss-bench / runBench with user candidates (tests/bench/*.mjs and the
// README's examples/my-backend.mjs): a correct one is timed, a wrong one refused
// with its first mismatch, a partial one skipped where it exports nothing, setup()
// awaited first; the results JSON's schema; --compare on two saved runs, with its
// significance marking; the statistics under it. Tiny shapes and --quick: fast.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, runBench, UsageError } from 'simdloss/bench';
import { mismatch } from '../bench/check.js';
import { welch, tQuantile } from '../bench/stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'simdloss-bench-any-'));
const file = (name) => path.join(dir, name);
const bin = (...args) => spawnSync(process.execPath, ['bench/bin.js', ...args], { cwd: ROOT, encoding: 'utf8' });

let run = null; // the run all tests read, made once
const CANDIDATES = ['js', 'examples/my-backend.mjs', 'tests/bench/wrong.mjs', 'tests/bench/setup.mjs'];
function theRun() {
  run ??= runBench({
    candidates: CANDIDATES,
    ops: ['logSumExp', 'softmax'],
    shapes: ['4x5', [3, 17]],
    quick: true,
    cwd: ROOT,
    json: file('a.json'),
    markdown: file('a.md'),
    command: 'tests/bench-any.test.js',
  });
  return run;
}
const rowsOf = (results, candidate, op) => results.results.filter((r) => r.candidate === candidate && (!op || r.op === op));

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a correct candidate (the README example) is checked, then timed; an op it does not export is skipped and marked', async () => {
  const results = await theRun();
  const timed = rowsOf(results, 'my-backend', 'logSumExp');
  assert.is(timed.length, 2);
  for (const r of timed) {
    assert.is(r.correct, true);
    assert.is(r.mismatch, undefined);
    assert.ok(r.mlogitsPerSec > 0 && r.rme >= 0 && r.ratioToJs > 0, JSON.stringify(r));
    assert.ok(r.samples.length >= 3 && r.samples.every((s) => s > 0), 'benchmark.js samples, seconds per call');
  }
  const skipped = rowsOf(results, 'my-backend', 'softmax');
  assert.equal(
    skipped.map((r) => [r.skipped, r.correct, r.mlogitsPerSec, r.samples]),
    [
      ['does not export softmax', null, null, null],
      ['does not export softmax', null, null, null],
    ],
  );
  assert.match(readFileSync(file('a.md'), 'utf8'), /## Skipped: ops a candidate does not export\n\n(- .*\n)*- my-backend: softmax/);
});

test('a wrong candidate is refused with its first mismatch (index, got, expected) and not timed', async () => {
  const results = await theRun();
  const [r4, r3] = rowsOf(results, 'wrong', 'softmax');
  for (const [r, shape] of [
    [r4, [4, 5]],
    [r3, [3, 17]],
  ]) {
    assert.equal(r.shape, shape);
    assert.is(r.correct, false);
    assert.is(r.mlogitsPerSec, null);
    assert.is(r.samples, null);
    assert.is(r.mismatch.index, 7, 'the element it gets wrong');
    assert.ok(Math.abs(r.mismatch.got / r.mismatch.expected - 1.01) < 1e-6, JSON.stringify(r.mismatch));
    assert.match(r.mismatch.message, /^result\[7\] is [\d.]+, expected [\d.]+$/);
  }
  assert.ok(rowsOf(results, 'wrong', 'logSumExp').every((r) => r.skipped === 'does not export logSumExp'));
  assert.match(readFileSync(file('a.md'), 'utf8'), /## Refused: wrong results, not timed\n\n- wrong arrays, softmax 4×5: result\[7\] is/);
});

test('setup() is awaited (with { threads }) before the check; the built-in js backend and the baseline are checked too', async () => {
  const results = await theRun();
  assert.equal(
    results.candidates.find((c) => c.name === 'after-setup'),
    { name: 'after-setup', source: 'tests/bench/setup.mjs', version: 'setup({"threads":1})' },
  );
  const after = rowsOf(results, 'after-setup');
  assert.is(after.length, 4);
  assert.ok(
    after.every((r) => r.correct === true && r.mlogitsPerSec > 0),
    JSON.stringify(after),
  );
  assert.ok(rowsOf(results, 'js').every((r) => r.correct === true && r.mode === 'copy' && r.threads === 1));
  assert.ok(rowsOf(results, 'baseline').every((r) => r.correct === true && r.ratioToJs === 1));
  assert.equal(results.notes, []);
});

test('the results JSON: { machine, runtime, package, date, settings, results: [{ candidate, op, shape, correct, mlogitsPerSec, rme, samples, ratioToJs }] }', async () => {
  const results = await theRun();
  const saved = JSON.parse(readFileSync(file('a.json'), 'utf8'));
  assert.equal(Object.keys(saved), ['machine', 'runtime', 'package', 'date', 'settings', 'seconds', 'notes', 'candidates', 'results']);
  assert.ok(typeof saved.machine.cpu === 'string' && saved.machine.cores >= 1 && typeof saved.machine.os === 'string');
  assert.equal(saved.runtime, { name: 'node', version: process.version, v8: process.versions.v8 });
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal([saved.package.name, saved.package.version], [pkg.name, pkg.version]);
  assert.match(saved.package.build, /^[0-9a-f]{12}$/);
  assert.ok(!Number.isNaN(Date.parse(saved.date)));
  assert.is(saved.settings.quick, true);
  assert.equal(saved.settings.shapes, [
    [4, 5],
    [3, 17],
  ]);
  assert.is(saved.results.length, results.results.length);
  assert.is(saved.results.length, 5 * 2 * 2, 'every candidate × op × shape, skipped ones included');
  for (const r of saved.results) {
    for (const key of ['candidate', 'mode', 'threads', 'op', 'shape', 'correct', 'mlogitsPerSec', 'rme', 'samples', 'ratioToJs']) {
      assert.ok(key in r, `${key} in ${JSON.stringify(r)}`);
    }
    assert.ok(Array.isArray(r.shape) && r.shape.length === 2);
    assert.ok([true, false, null].includes(r.correct));
    assert.is(r.mlogitsPerSec === null, r.correct !== true, 'timed exactly when correct');
    if (r.correct === false) assert.ok(r.mismatch && 'index' in r.mismatch && 'got' in r.mismatch && 'expected' in r.mismatch);
  }
  // the numbers as saved: 4 significant digits
  const mine = rowsOf(saved, 'my-backend', 'logSumExp')[0],
    live = rowsOf(results, 'my-backend', 'logSumExp')[0];
  assert.is(mine.mlogitsPerSec, +live.mlogitsPerSec.toPrecision(4));
});

test('the command line: a wrong candidate fails the run (exit 1) with its mismatch; a quick run says its figures are rough', () => {
  const r = bin('--candidate', 'tests/bench/wrong.mjs', '--ops', 'softmax', '--shapes', '4x5', '--quick', '--json', file('b.json'));
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /figures are rough/);
  assert.match(r.stdout, /figures are rough/);
  assert.match(r.stderr, /softmax 4x5 wrong arrays: WRONG, not timed: result\[7\] is/);
  assert.match(r.stdout, /\| 4×5 \| wrong \| arrays \| wrong \|/);
  assert.match(r.stderr, /wrote .*b\.json/);
  const saved = JSON.parse(readFileSync(file('b.json'), 'utf8'));
  assert.equal(
    saved.results.map((x) => [x.candidate, x.correct]),
    [
      ['baseline', true],
      ['wrong', false],
    ],
  );
  // bad command lines: the usage, exit 2
  for (const args of [
    ['--ops', 'nope'],
    ['--shapes', '4by5'],
    ['--candidate', 'no-such-file.mjs'],
    ['--threads', '0'],
    ['--compare', 'one.json'],
  ]) {
    const bad = bin(...args);
    assert.is(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
  }
});

test('--compare on two saved runs: ratio new/old, its 95% CI, and * on the rows that differ significantly', async () => {
  await theRun();
  // two saved runs: the first as measured, but for one row with steady samples (quick samples of
  // a tiny call on a busy machine vary too much to make a test of); the second the same, but
  // with that row twice as slow
  const before = JSON.parse(readFileSync(file('a.json'), 'utf8'));
  const row = (run) => run.results.find((r) => r.candidate === 'js' && r.op === 'logSumExp' && r.shape[1] === 5);
  row(before).samples = [1e-6, 1.01e-6, 0.99e-6, 1.005e-6, 0.995e-6];
  const after = structuredClone(before);
  row(after).samples = row(after).samples.map((s) => s * 2);
  row(after).mlogitsPerSec /= 2;
  writeFileSync(file('a2.json'), JSON.stringify(before));
  writeFileSync(file('c.json'), JSON.stringify(after));
  const c = compare(before, after);
  assert.is(c.rows.length, 5 * 2 * 2);
  const changed = c.rows.filter((r) => r.significant);
  assert.equal(
    changed.map((r) => [r.candidate, r.op, r.shape]),
    [['js', 'logSumExp', [4, 5]]],
  );
  assert.ok(Math.abs(changed[0].ratio - 0.5) < 1e-9, `ratio ${changed[0].ratio}`);
  assert.ok(changed[0].low < 0.5 && changed[0].high > 0.5 && changed[0].high < 0.52 && changed[0].p < 1e-6, JSON.stringify(changed[0]));
  const same = c.rows.filter((r) => r.old !== null && !r.significant);
  assert.is(same.length, 13, 'the other timed rows');
  assert.ok(
    same.every((r) => r.ratio === 1 && r.low <= 1 && r.high >= 1 && r.p === 1),
    'unchanged rows: ratio 1, p 1',
  );
  assert.ok(c.rows.filter((r) => r.old === null).every((r) => /not timed/.test(r.note)));

  const out = bin('--compare', file('a2.json'), file('c.json'));
  assert.is(out.status, 0, out.stderr);
  const lines = out.stdout.split('\n');
  assert.match(
    lines.find((l) => /^logSumExp +4x5 +js +copy/.test(l)),
    /0\.\d{3}× +\[0\.\d{3}, 0\.\d{3}\] +[<\d.]+ +\* slower$/,
  );
  assert.is(lines.filter((l) => /\* (slower|faster)$/.test(l)).length, 1);
  assert.match(out.stdout, /20 rows in both runs, 1 significantly different \(0 faster, 1 slower\)/);
  assert.match(out.stdout, /note: a quick run is compared/);
});

test('--compare reads bench/results/latest.json as it was saved before simdloss-bench (no samples: the ratio, untested)', () => {
  const old = JSON.parse(readFileSync(path.join(ROOT, 'bench/results/latest.json'), 'utf8'));
  if (!old.rows) return; // saved again since, in the current schema
  const c = compare(old, old);
  assert.ok(c.rows.length > 100);
  assert.ok(c.rows.filter((r) => r.ratio !== null).every((r) => r.ratio === 1 && !r.significant && /no samples/.test(r.note)));
});

test('checks: the README tolerance, NaN as NaN, Int32 exactly; options are checked before anything runs', async () => {
  assert.is(mismatch(1 + 1.1e-5, 1), null, '1e-5 + 1.3e-6·|ref|');
  assert.is(mismatch(1 + 1.2e-5, 1)?.index, null);
  assert.is(mismatch(new Float32Array([NaN, 2]), new Float32Array([NaN, 2])), null);
  assert.is(mismatch(new Float32Array([0, NaN]), new Float32Array([0, 2])).index, 1);
  assert.is(mismatch(new Int32Array([1, 2]), new Int32Array([1, 3])).index, 1);
  assert.is(mismatch({ loss: 1, grad: new Float32Array([1, 1]) }, { loss: 1, grad: new Float32Array([1, 2]) }).part, 'grad');
  assert.is(mismatch(new Float64Array(3), new Float32Array(2)).message, 'result is Float64Array(3), expected Float32Array(2)');
  for (const options of [{ ops: ['nope'] }, { shapes: ['0x5'] }, { threads: -1 }]) {
    await runBench(options).then(
      () => assert.unreachable(JSON.stringify(options)),
      (err) => assert.instance(err, UsageError),
    );
  }
});

test("statistics: Welch's t-test and the t quantile against scipy", () => {
  // scipy.stats.ttest_ind([1,2,3,4,5], [2,4,6,8,10], equal_var=False): t −1.8973665961, p 0.1075311949, df 5.8823529
  const w = welch([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
  assert.ok(
    Math.abs(w.t + 1.8973665961010275) < 1e-12 && Math.abs(w.p - 0.10753119493062728) < 1e-9 && Math.abs(w.df - 5.882352941176471) < 1e-9,
  );
  assert.ok(w.low < 1 && w.high > 1, 'not significant: the interval holds 1');
  assert.ok(Math.abs(tQuantile(4.5) - 2.6589123472044034) < 1e-9, 'scipy.stats.t.ppf(0.975, 4.5)');
  assert.ok(Math.abs(tQuantile(1e6) - 1.96) < 1e-3);
});

test.run();
