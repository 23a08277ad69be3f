#!/usr/bin/env node
// simdloss-bench [options]: npx simdloss-bench --help (command.js does the work).
// benchmark.js times every row; the library itself needs nothing, so it is an
// optional peer dependency that the command asks for when it is missing.
try {
  await import('benchmark');
} catch {
  console.error('simdloss-bench times with benchmark.js, which is not installed here: npm install --save-dev benchmark');
  process.exit(2);
}
const { exit, main } = await import('./command.js');
exit(main(process.argv.slice(2)));
