// evaluate against crossEntropy on the same data, and against the multi-call
// path it replaces (logSoftmax + a gather, entropy of softmax, argmax), timed
// interleaved in one process (A B C D, A B C D, …) on one thread: per round
// each candidate's time for the same number of calls, then the median of the
// per-round throughput ratios, by wall clock and by the process's CPU time (which
// a shared machine's other load disturbs less). `node bench/scoring-ab.js
// [backend] [rounds]` (build first: npm run build).
import { init } from '../dist/index.js';
import { classIndices, uniform } from './data.js';
import { interleave, rate, speedup } from './interleave.js';

const backend = process.argv[2] ?? 'simd',
  rounds = Number(process.argv[3] ?? 15);
const k = await init({ backend });

for (const [rows, C] of [
  [128, 32000],
  [16, 128256],
]) {
  for (const zeroCopy of [false, true]) {
    const place = (a) => {
      if (!zeroCopy) return a;
      const v = a instanceof Int32Array ? k.i32(a.length) : k.f32(a.length);
      v.set(a);
      return v;
    };
    const x = place(uniform(rows * C, -5, 5, 1)),
      t = place(classIndices(rows, C, 2));
    const lp = place(new Float32Array(rows)),
      h = place(new Float32Array(rows)),
      am = place(new Int32Array(rows));
    const probs = place(new Float32Array(rows * C)),
      logProbs = place(new Float32Array(rows * C));
    const candidates = {
      crossEntropy: () => k.crossEntropy(x, t, C),
      evaluate: () => k.evaluate(x, t, C),
      evaluateRows: () => k.evaluate(x, t, C, { logProbs: lp, entropy: h, argmax: am }),
      multiCall: () => {
        k.logSoftmax(x, C, logProbs);
        let nll = 0;
        for (let r = 0; r < rows; r++) lp[r] = logProbs[r * C + t[r]];
        for (let r = 0; r < rows; r++) nll -= lp[r];
        k.entropy(k.softmax(x, C, probs), C, h);
        k.argmax(x, C, am);
        return nll;
      },
    };
    const names = Object.keys(candidates),
      reps = Math.max(3, Math.round(2e8 / (rows * C) / 10));
    const { wall, cpu } = interleave(candidates, rounds, reps);
    console.log(`${rows}×${C} ${backend} ${zeroCopy ? 'zero-copy' : 'copy'} (${rounds} rounds of ${reps} calls each)`);
    for (const n of names)
      console.log(
        `  ${n.padEnd(13)} ${rate(wall, n, reps * rows * C)
          .toFixed(0)
          .padStart(6)} Mlogits/s (median)`,
      );
    console.log(`  evaluate / crossEntropy              ${speedup(wall, 'evaluate', 'crossEntropy').toFixed(3)}×`);
    console.log(`  evaluate with rows / crossEntropy    ${speedup(wall, 'evaluateRows', 'crossEntropy').toFixed(3)}×`);
    console.log(
      `  the same two by CPU time             ${speedup(cpu, 'evaluate', 'crossEntropy').toFixed(3)}×, ${speedup(cpu, 'evaluateRows', 'crossEntropy').toFixed(3)}×`,
    );
    console.log(`  evaluate with rows / multi-call path ${speedup(wall, 'evaluateRows', 'multiCall').toFixed(2)}×`);
    if (zeroCopy) for (const v of [x, t, lp, h, am, probs, logProbs]) k.free(v);
  }
}
k.dispose();
