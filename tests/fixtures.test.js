// Every PyTorch fixture (tests/fixtures/*.json, made by generate.py) on every backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BACKENDS, decode, fixtures, kernel, mismatch } from './helpers.js';

const FILES = [
  'rowwise.json',
  'cross_entropy.json',
  'nll.json',
  'kl.json',
  'mse.json',
  'bce.json',
  'scoring.json',
  'cross_entropy_lm.json',
  'distillation.json',
  'half.json',
];

for (const file of FILES) {
  const cases = fixtures(file);
  for (const backend of BACKENDS) {
    for (const c of cases) {
      test(`${backend} · ${c.name}`, async () => {
        const k = await kernel(backend);
        const args = c.args.map(decode);
        const opts = c.opts ? decode(c.opts) : undefined;
        const got = opts === undefined ? k[c.op](...args) : k[c.op](...args, opts);
        const problem = mismatch(got, decode(c.expected));
        assert.is(problem, null, `${c.op}: ${problem}`);
      });
    }
  }
}

test.run();
