// distillationLossWithGrad against crossEntropyWithGrad on the same student
// logits, and against the multi-call path it replaces (logSoftmax of both
// sides, klDiv with logTarget, klDivBackward, logSoftmaxBackward: five passes
// of exps), timed interleaved in one process (A B C …, A B C …, …) on one
// thread: per round each candidate's time for the same number of calls, then
// the median of the per-round throughput ratios. Arrays are made once, as a
// training loop makes them. `node bench/distillation-ab.js [backend] [rounds]`
// (build first: npm run build; relaxed-simd needs --experimental-wasm-relaxed-simd).
import { init } from '../dist/index.js';
import { classIndices, uniform } from './data.js';
import { interleave, rate, speedup } from './interleave.js';

const backend = process.argv[2] ?? 'simd',
  rounds = Number(process.argv[3] ?? 15);
const k = await init({ backend });
const T = 2;

for (const [rows, C] of [
  [8192, 100],
  [1024, 1000],
  [128, 32000],
]) {
  const n = rows * C;
  const s = uniform(n, -5, 5, 1),
    t = uniform(n, -5, 5, 3),
    target = classIndices(rows, C, 2);
  const grad = new Float32Array(n),
    q = new Float32Array(n),
    p = new Float32Array(n),
    dq = new Float32Array(n);
  const fused = (divergence) => () => k.distillationLossWithGrad(s, t, C, { divergence, temperature: T, grad });
  const candidates = {
    crossEntropyWithGrad: () => k.crossEntropyWithGrad(s, target, C, { grad }),
    forward: fused('forward'),
    reverse: fused('reverse'),
    jsd: fused('jsd'),
    // the five passes a user writes today (at T = 1: dividing by T would be one more pass each side)
    multiCall: () => {
      k.logSoftmax(s, C, q);
      k.logSoftmax(t, C, p);
      const loss = k.klDiv(q, p, C, { reduction: 'batchmean', logTarget: true });
      k.klDivBackward(q, p, C, { reduction: 'batchmean', logTarget: true, out: dq });
      k.logSoftmaxBackward(q, dq, C, grad);
      return loss;
    },
  };
  const names = Object.keys(candidates),
    reps = Math.max(3, Math.round(1e8 / n / 10));
  const { wall, cpu } = interleave(candidates, rounds, reps);
  console.log(`${rows}×${C} ${backend} (${rounds} rounds of ${reps} calls each, T = ${T})`);
  for (const name of names)
    console.log(
      `  ${name.padEnd(21)} ${rate(wall, name, reps * n)
        .toFixed(0)
        .padStart(6)} Mlogits/s (median)`,
    );
  for (const d of ['forward', 'reverse', 'jsd']) {
    const ce = speedup(wall, d, 'crossEntropyWithGrad').toFixed(3),
      ceCpu = speedup(cpu, d, 'crossEntropyWithGrad').toFixed(3);
    console.log(
      `  ${d.padEnd(8)} / crossEntropyWithGrad ${ce}× (CPU time ${ceCpu}×)   / multi-call ${speedup(wall, d, 'multiCall').toFixed(2)}×`,
    );
  }
}
k.dispose();
