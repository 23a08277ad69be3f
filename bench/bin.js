#!/usr/bin/env node
// simdloss-bench [options]: npx simdloss-bench --help (command.js does the work).
import { exit, main } from './command.js';

exit(main(process.argv.slice(2)));
