// crossEntropyWithGrad with zLoss and with softcap against the plain fused call on
// the same data, timed interleaved in one process (A B C, A B C, …) on one thread,
// zero-copy: per round each candidate's time for the same number of calls, then the
// median (and the 2nd-lowest to 2nd-highest range) of the per-round throughput
// ratios, by wall clock and by the process's CPU time (which a shared machine's
// other load disturbs less). `node bench/lm-loss-ab.js [backend] [rounds] [shapes]`,
// shapes like 65536x10,128x32000 (build first: npm run build).
import { init } from '../dist/index.js';
import { classIndices, uniform } from './data.js';

const backend = process.argv[2] ?? 'simd',
  rounds = Number(process.argv[3] ?? 15),
  shapes = (process.argv[4] ?? '65536x10,8192x100,4096x1000,128x32000').split(',').map((s) => s.split('x').map(Number));
const k = await init({ backend });
const sorted = (a) => a.slice().sort((x, y) => x - y);
const summary = (a) => {
  const s = sorted(a),
    j = Math.min(1, s.length >> 2);
  return `${s[s.length >> 1].toFixed(3)}× (${s[j].toFixed(3)}–${s[s.length - 1 - j].toFixed(3)})`;
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

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
  const names = Object.keys(candidates),
    reps = Math.max(3, Math.round(1e7 / (rows * C)));
  for (const n of names) for (let i = 0; i < reps; i++) candidates[n](); // warm-up
  const wall = { zLoss: [], softcap: [] },
    cpuRatio = { zLoss: [], softcap: [] };
  for (let round = 0; round < rounds; round++) {
    const w = {},
      c = {};
    for (const n of names) {
      const c0 = cpu(),
        t0 = performance.now();
      for (let i = 0; i < reps; i++) candidates[n]();
      w[n] = performance.now() - t0;
      c[n] = cpu() - c0;
    }
    for (const n of ['zLoss', 'softcap']) {
      wall[n].push(w.plain / w[n]);
      cpuRatio[n].push(c.plain / c[n]);
    }
  }
  console.log(`${rows}×${C} ${backend} zero-copy (${rounds} rounds of ${reps} calls each), throughput ÷ the plain fused call`);
  for (const n of ['zLoss', 'softcap']) console.log(`  ${n.padEnd(8)} wall ${summary(wall[n])}   cpu ${summary(cpuRatio[n])}`);
}
k.dispose();
