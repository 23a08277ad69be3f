// npm run bench -- [options]: simdloss-bench (command.js) with this repository's
// defaults: the four backends and the TensorFlow.js peers (tfjs-cpu not with
// --quick), the files in bench/results/local/ (ignored by git), or with --save
// in bench/results/ (the committed files the README's tables come from).
import { exit, main } from './command.js';

exit(main(process.argv.slice(2), { repo: true }));
