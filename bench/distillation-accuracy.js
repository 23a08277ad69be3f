// distillationLossWithGrad's accuracy against the js backend (float64): the
// worst row-value and gradient errors as fractions of the README tolerance
// (|got − ref| ≤ 1e-5 + 1.3e-6·|ref|), per divergence, over 300 rows of 5–4096
// classes with logits spread 1 to 1000 (log-uniform) around 0, 1000 and −50 and
// T in 0.5–4 (docs/kernel-notes.md, distillation's speed target).
// `node bench/distillation-accuracy.js [backend]` (build first: npm run build).
import { init } from '../dist/index.js';
import { generator } from './data.js';

const backend = process.argv[2] ?? 'simd';
const k = await init({ backend }),
  ref = await init({ backend: 'js' });
const next = generator(25);
const error = (got, want) => Math.abs(got - want) / (1e-5 + 1.3e-6 * Math.abs(want));
const divergences = ['forward', 'reverse', 'jsd'];
const worst = Object.fromEntries(divergences.map((d) => [d, { value: 0, grad: 0 }]));

for (let row = 0; row < 300; row++) {
  const C = 5 + Math.floor(next() * 4092),
    spread = 1000 ** next(),
    center = [0, 1000, -50][row % 3],
    T = 0.5 + 3.5 * next();
  const s = new Float32Array(C),
    t = new Float32Array(C);
  for (let i = 0; i < C; i++) {
    s[i] = center + (next() - 0.5) * spread;
    t[i] = center + (next() - 0.5) * spread;
  }
  for (const divergence of divergences) {
    const o = { divergence, temperature: T, reduction: 'none' };
    const got = { out: new Float32Array(1), grad: new Float32Array(C) },
      want = { out: new Float32Array(1), grad: new Float32Array(C) };
    k.distillationLossWithGrad(s, t, C, { ...o, ...got });
    ref.distillationLossWithGrad(s, t, C, { ...o, ...want });
    const w = worst[divergence];
    w.value = Math.max(w.value, error(got.out[0], want.out[0]));
    for (let i = 0; i < C; i++) w.grad = Math.max(w.grad, error(got.grad[i], want.grad[i]));
  }
}
for (const d of divergences)
  console.log(`${d.padEnd(8)} worst row value ${worst[d].value.toFixed(3)}, gradient ${worst[d].grad.toFixed(3)} of the tolerance`);
k.dispose();
ref.dispose();
