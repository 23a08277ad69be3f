// npm run bench -- [--quick] [--op a,b] [--shape RxC] [--backend a,b]
// Checks then times every op × shape × backend/peer and writes bench/results/.
//
// Each simdloss backend is measured in a Node process of its own, one after
// the other (never in parallel): relaxed-simd needs --experimental-wasm-relaxed-simd
// in Node 20, and separate processes keep the backends' JIT state, heaps and
// kernel memories apart. The plain-JS baseline and the peers run in this process.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseCli, UsageError, USAGE } from './cli.js';
import { engines, runs, LIB_BACKENDS } from './engines.js';
import { runSuite } from './suite.js';
import { finish, machine, write } from './report.js';

const RELAXED = 'relaxed-simd';
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

/** Rows for one simdloss backend, from a child process (started with the flag relaxed-simd needs). */
async function backendChild(cli, backend) {
  const args = [
    ...(cli.quick ? ['--quick'] : []), '--op', cli.ops.map((o) => o.name).join(','),
    '--shape', cli.shapes.map((s) => s.name).join(','), '--backend', backend, '--child',
  ];
  const flag = backend === RELAXED && !(await runs(RELAXED)) ? [RELAXED_FLAG] : [];
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), args, { execArgv: [...process.execArgv, ...flag] });
    let rows = null;
    child.on('message', (m) => { rows = m; });
    child.on('error', reject);
    child.on('exit', (code) => (rows ? resolve(rows) : reject(new Error(`its process exited with code ${code}`))));
  });
}

async function main() {
  const args = process.argv.slice(2);
  const cli = parseCli(args);
  if (cli.help) return console.log(USAGE);
  const suite = { ops: cli.ops, shapes: cli.shapes, timing: cli.timing };

  if (cli.child) {
    const [backend] = cli.backends;
    const rows = await runSuite({ ...suite, engines: await engines([backend], { baseline: false }), label: `${backend} ` });
    return new Promise((resolve) => process.send(rows, resolve));
  }

  const started = Date.now();
  const rows = [], notes = [];
  for (const backend of cli.backends.filter((b) => LIB_BACKENDS.includes(b))) {
    try {
      rows.push(...(await backendChild(cli, backend)));
    } catch (err) {
      notes.push(`${backend} not measured: ${err.message}`);
      console.error(notes.at(-1));
    }
  }
  const peers = cli.backends.filter((b) => !LIB_BACKENDS.includes(b));
  rows.push(...(await runSuite({ ...suite, engines: await engines(peers, { baseline: true }) })));

  const seconds = (Date.now() - started) / 1000;
  const results = {
    machine: machine(),
    settings: { args, quick: cli.quick, ...cli.timing },
    seconds,
    notes,
    rows: finish(rows, cli.ops, cli.shapes),
  };
  const paths = write(results);
  console.error(`\n${rows.length} rows in ${seconds.toFixed(0)} s; wrote ${paths.join(' and ')}`);
  const failed = rows.filter((r) => r.error).length;
  if (failed) {
    console.error(`${failed} rows failed (wrong results or errors): see the table`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err instanceof UsageError ? `${err.message}\n${USAGE}` : err);
  process.exitCode = 1;
});
