// The command: simdloss-bench [options] (bin.js) and npm run bench (run.js); see
// cli.js's USAGE, or --help. Progress goes to stderr, the report (a table per op)
// to stdout; files only where asked (--json, --markdown). npm run bench adds the
// TensorFlow.js peers and writes bench/results/local/ (or, with --save, bench/results/).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, UsageError, USAGE } from './cli.js';
import { compare, formatComparison, runBench } from './index.js';
import { markdown, QUICK_NOTE } from './report.js';
import { sig } from './rows.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

function progress(started) {
  let done = 0;
  return (r) => {
    const clock = Math.round((Date.now() - started) / 1000);
    const outcome = r.skipped
      ? `skipped: ${r.skipped}`
      : r.correct === false
        ? `WRONG, not timed: ${r.mismatch?.message ?? r.error}`
        : r.error
          ? `FAILED: ${r.error}`
          : `${sig(r.mlogitsPerSec)} Mlogits/s ±${r.rme.toFixed(1)}%${r.mismatch ? ` (⚠ ${r.mismatch.message})` : ''}` +
            `${r.warmup && !r.warmup.settled ? ` (its warm-up did not settle in ${r.warmup.seconds.toFixed(1)} s)` : ''}`;
    console.error(
      `[${String(++done).padStart(3)} ${Math.floor(clock / 60)}:${String(clock % 60).padStart(2, '0')}] ` +
        `${r.op} ${r.shape.join('x')} ${r.candidate} ${r.mode}${r.threads > 1 ? ` ×${r.threads}` : ''}: ${outcome}`,
    );
  };
}

/**
 * Runs the command line argv. repo: npm run bench's defaults (the peers too, files
 * in bench/results/local/ or with --save bench/results/). Resolves to the exit code.
 */
export async function main(argv, { repo = false } = {}) {
  const cli = parseCli(argv);
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  if (cli.compare) {
    const [a, b] = cli.compare.map((file) => JSON.parse(readFileSync(file, 'utf8')));
    process.stdout.write(formatComparison(compare(a, b)));
    return 0;
  }
  if (cli.save && !repo) throw new UsageError("--save writes the repository's bench/results/: use it with npm run bench");
  let files = { json: cli.json, markdown: cli.markdown };
  if (repo) {
    cli.candidates ??= ['relaxed-simd', 'simd', 'scalar', 'js', 'tfjs-wasm', ...(cli.quick ? [] : ['tfjs-cpu'])];
    const dir = cli.save ? RESULTS : path.join(RESULTS, 'local');
    if (!cli.json && !cli.markdown)
      files = { json: path.join(dir, 'latest.json'), markdown: path.join(dir, 'latest.md'), summary: path.join(dir, 'summary.md') };
  }
  const command = `${repo ? 'npm run bench --' : 'simdloss-bench'} ${argv.join(' ')}`.trim();
  const started = Date.now();
  if (cli.quick) console.error(QUICK_NOTE);
  const results = await runBench({ ...cli, ...files, command, onRow: progress(started) });
  process.stdout.write(`\n${markdown(results, { legend: false })}`);
  const written = Object.values(files).filter(Boolean);
  console.error(
    `\n${results.results.length} rows in ${results.seconds.toFixed(0)} s; ` +
      (written.length ? `wrote ${written.join(', ')}` : 'no files written (--json FILE, --markdown FILE)'),
  );
  const wrong = results.results.filter((r) => r.correct === false || r.error).length;
  const failed = results.candidates.filter((c) => c.error).length;
  if (wrong || failed) {
    console.error(
      `${wrong ? `${wrong} rows wrong or failed` : ''}${wrong && failed ? '; ' : ''}${failed ? `${failed} candidates not measured` : ''}: see above`,
    );
    return 1;
  }
  return 0;
}

/** Sets the exit code from main's promise; a bad command line prints the usage. */
export function exit(promise) {
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    else throw err;
  }); // | head
  promise.then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err instanceof UsageError ? `${err.message}\n${USAGE}` : err);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    },
  );
}
