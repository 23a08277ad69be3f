// crossEntropyWithGrad with zLoss and with softcap against the plain fused call on
// the same data, timed interleaved in one process (A B C, A B C, …) on one thread,
// zero-copy: per round each candidate's time for the same number of calls, then the
// median (and the 2nd-lowest to 2nd-highest range) of the per-round throughput
// ratios, by wall clock and by the process's CPU time (which a shared machine's
// other load disturbs less). `node bench/lm-loss-ab.js [backend] [rounds] [shapes]`,
// shapes like 65536x10,128x32000 (build first: npm run build).
import { init } from '../dist/index.js';
import { classIndices, uniform } from './data.js';
import { interleave, speedups, summary } from './interleave.js';

const backend = process.argv[2] ?? 'simd',
  rounds = Number(process.argv[3] ?? 15),
  shapes = (process.argv[4] ?? '65536x10,8192x100,4096x1000,128x32000').split(',').map((s) => s.split('x').map(Number));
const k = await init({ backend });
for (const [rows, C] of shapes) {
  const x = k.f32(rows * C),
    t = k.i32(rows),
    grad = k.f32(rows * C);
  x.set(uniform(rows * C, -5, 5, 1));
  t.set(classIndices(rows, C, 2));
  const candidates = {
    plain: () => k.crossEntropyWithGrad(x, t, C, { grad }),
    zLoss: () => k.crossEntropyWithGrad(x, t, C, { grad, zLoss: 1e-4 }),
    softcap: () => k.crossEntropyWithGrad(x, t, C, { grad, softcap: 30 }),
  };
  const reps = Math.max(3, Math.round(1e7 / (rows * C)));
  const { wall, cpu } = interleave(candidates, rounds, reps);
  console.log(`${rows}×${C} ${backend} zero-copy (${rounds} rounds of ${reps} calls each), throughput ÷ the plain fused call`);
  for (const n of ['zLoss', 'softcap'])
    console.log(`  ${n.padEnd(8)} wall ${summary(speedups(wall, n, 'plain'))}   cpu ${summary(speedups(cpu, n, 'plain'))}`);
}
k.dispose();
