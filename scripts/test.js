// npm test: the type check of the public API, the API reference's build,
// every uvu test file on js, scalar and simd in this Node (the packed package
// among them), then the fixtures, properties, identities,
// gradients, thresholds, hostile cases and argmax again on relaxed-simd in a
// Node started with the flag it needs.
// Ends with one line "N passed, N failed" summed over every run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const uvu = 'node_modules/uvu/bin.js';
const runs = [
  { name: 'all tests (js, scalar, simd)', args: [uvu, 'tests', '\\.test\\.js$'], env: {} },
  {
    name: 'fixtures, properties, identities, gradients, thresholds, hostile, argmax, half precision and its gradients (relaxed-simd)',
    args: [
      '--experimental-wasm-relaxed-simd',
      uvu,
      'tests',
      '(fixtures|property|identities|gradients|thresholds|hostile|argmax|half|half-grad).test.js$',
    ],
    env: { SIMDLOSS_BACKENDS: 'relaxed-simd' },
  },
];

let passed = 0,
  failed = 0;

// The public types: tests/types/ must compile with tsc --strict (each
// @ts-expect-error there must find its error). One check, one count.
console.log('\n# types (tsc --strict --noEmit -p tests/types)');
const types = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tests/types'], { encoding: 'utf8' });
process.stdout.write(types.stdout + types.stderr);
if (types.status === 0) passed++;
else failed++;

// The API reference (npm run docs: TypeDoc over the TSDoc of bindings/types.ts)
// must build without a warning, an undocumented member included; checked
// without writing docs/api/. One check, one count.
const typedoc = 'node_modules/typedoc/bin/typedoc';
console.log('\n# API reference (typedoc --emit none)');
if (existsSync(typedoc)) {
  const docs = spawnSync(process.execPath, [typedoc, '--emit', 'none'], { encoding: 'utf8' });
  process.stdout.write(docs.stdout + docs.stderr);
  if (docs.status === 0) passed++;
  else failed++;
} else {
  console.log(`skipped: ${typedoc} is missing (npm install adds it)`);
}

// One format and the linter's rules (biome.json): one check, one count.
console.log('\n# lint (biome check: format and lint)');
const lint = spawnSync(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'check', '.'], { encoding: 'utf8' });
if (lint.status === 0) passed++;
else {
  failed++;
  process.stdout.write(lint.stdout + lint.stderr);
}

for (const run of runs) {
  console.log(`\n# ${run.name}`);
  const env = { ...process.env, ...run.env };
  const r = spawnSync(process.execPath, [...run.args, '--no-color'], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
  // uvu prints a dot per test: keep file names, failures and totals.
  const text = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
  process.stdout.write(
    `${text
      .split('\n')
      .filter((l) => !/^[•✘ ]+(\(\d+ \/ \d+\))?$/.test(l.trim()))
      .join('\n')}\n`,
  );
  process.stderr.write(r.stderr);
  const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? 0);
  passed += ok;
  failed += total - ok + (r.status !== 0 && total === ok ? 1 : 0); // a crash counts as a failure
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
