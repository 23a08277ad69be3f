// The soak run (scripts/soak.js) in its short form: 20 000 mixed calls, good and
// bad, on every backend this Node runs, in a process of its own. The full run
// is `npm run soak` (10⁶ calls).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../scripts/soak.js', import.meta.url));
const run = spawnSync(process.execPath, [script, '--calls', '20000', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
const line = run.stdout?.split('\n').find((l) => l.startsWith('SOAK '));
const report = line ? JSON.parse(line.slice(5)) : null;
const output = `\n${run.stdout}${run.stderr}`;

test('the short soak run ends with exit code 0 and a report', () => {
  assert.is(run.error, undefined, String(run.error));
  assert.ok(report, `no SOAK line in the output:${output}`);
  assert.is(run.status, 0, `exit code ${run.status}:${output}`);
});

test('it makes 20 000 calls on several backends, good and bad', () => {
  assert.is(report.calls, 20_000);
  assert.ok(Object.keys(report.perBackend).length >= 3, JSON.stringify(report.perBackend));
  assert.ok(report.good > 10_000 && report.bad > 1000, `${report.good} good, ${report.bad} bad`);
  assert.ok(report.checkedAgainstJs > 500, `${report.checkedAgainstJs} checked`);
});

test('every bad call threw the TypeError or RangeError the README (Errors) says', () => {
  assert.is(report.errors.TypeError + report.errors.RangeError, report.bad, output);
});

test('memory is flat: the wasm memory of every kernel ends within a page of where the warm-up left it', () => {
  for (const [backend, bytes] of Object.entries(report.memory.start.wasm)) {
    const grew = report.memory.end.wasm[backend] - bytes;
    assert.ok(grew <= 65536, `${backend} grew ${grew} bytes`);
  }
  assert.ok(report.pass, output);
});

test.run();
