// Half-precision logits against float32, timed interleaved in one process
// (A B C …, A B C …) on one thread: crossEntropy and evaluate on zero-copy
// views (k.f32 for float32, k.u16 for bfloat16 and float16), on plain
// Uint16Arrays (bits copied in a piece at a time), and "convert to a
// Float32Array in JavaScript, then call the float32 function" two ways: fast
// (into a k.f32 view, the float32 call's fastest input; float16 by a 65 536-
// entry table, bfloat16 by a shift) and naive (a new Float32Array per call,
// filled by a loop calling a value function, as a caller writes it first). Per round each candidate's time for the same number
// of calls; quoted: the median of the per-round throughput ratios. Last,
// half-precision gradients (gradDtype): crossEntropyWithGrad on float32
// logits writing its gradient as bfloat16 / float16 bits (into a k.u16 view,
// or a plain Uint16Array) against a float32 gradient into a k.f32 view.
// `node bench/half-ab.js [backend] [rounds]` (build first: npm run build).
import { init } from '../dist/index.js';
import { bfloat16Bits, classIndices, float16Bits, uniform } from './data.js';
import { interleave, rate, speedup } from './interleave.js';

const backend = process.argv[2] ?? 'simd',
  rounds = Number(process.argv[3] ?? 15);
const k = await init({ backend });

/** float16 bits → value, for the JavaScript conversion. */
function f16Value(h) {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 31,
    m = h & 1023;
  if (e === 31) return m ? NaN : s * Infinity;
  return e ? s * 2 ** (e - 15) * (1 + m / 1024) : s * 2 ** -14 * (m / 1024);
}
const F16 = Float32Array.from({ length: 65536 }, (_, h) => f16Value(h));
const word = new Uint32Array(1),
  float = new Float32Array(word.buffer);
/** One half's value, as the naive conversion computes it. */
const value = {
  float16: f16Value,
  bfloat16: (h) => {
    word[0] = h << 16;
    return float[0];
  },
};

for (const [rows, C] of [
  [128, 32000],
  [16, 128256],
]) {
  const n = rows * C,
    x = uniform(n, -5, 5, 1);
  const f32 = k.f32(n),
    t = k.i32(rows),
    converted = k.f32(n);
  f32.set(x);
  t.set(classIndices(rows, C, 2));
  const bits = { bfloat16: bfloat16Bits(x), float16: float16Bits(x) };
  const views = {};
  for (const [dtype, b] of Object.entries(bits)) {
    views[dtype] = k.u16(n);
    views[dtype].set(b);
  }
  const c32 = new Uint32Array(converted.buffer, converted.byteOffset, n);
  const jsConvert = {
    bfloat16: () => {
      const b = bits.bfloat16;
      for (let i = 0; i < n; i++) c32[i] = b[i] << 16;
    },
    float16: () => {
      const b = bits.float16;
      for (let i = 0; i < n; i++) converted[i] = F16[b[i]];
    },
  };
  for (const op of ['crossEntropy', 'evaluate']) {
    const f = k[op];
    const candidates = { float32: () => f(f32, t, C) };
    for (const dtype of ['bfloat16', 'float16']) {
      candidates[`${dtype} k.u16`] = () => f(views[dtype], t, C, { dtype });
      candidates[`${dtype} plain`] = () => f(bits[dtype], t, C, { dtype });
      candidates[`${dtype} JS convert`] = () => {
        jsConvert[dtype]();
        return f(converted, t, C);
      };
      candidates[`${dtype} naive JS`] = () => {
        const b = bits[dtype],
          y = new Float32Array(n),
          v = value[dtype];
        for (let i = 0; i < n; i++) y[i] = v(b[i]);
        return f(y, t, C);
      };
    }
    const names = Object.keys(candidates),
      reps = Math.max(3, Math.round(3e8 / n / 10));
    const { wall } = interleave(candidates, rounds, reps);
    const ratio = (a, b) => speedup(wall, a, b);
    console.log(`${op} ${rows}×${C} ${backend} (${rounds} rounds of ${reps} calls each)`);
    for (const name of names)
      console.log(
        `  ${name.padEnd(20)} ${rate(wall, name, reps * n)
          .toFixed(0)
          .padStart(6)} Mlogits/s (median)`,
      );
    for (const dtype of ['bfloat16', 'float16']) {
      console.log(`  ${dtype} k.u16 / float32 zero-copy   ${ratio(`${dtype} k.u16`, 'float32').toFixed(3)}×`);
      console.log(`  ${dtype} k.u16 / JS convert + float32 ${ratio(`${dtype} k.u16`, `${dtype} JS convert`).toFixed(2)}×`);
      console.log(`  ${dtype} plain / JS convert + float32 ${ratio(`${dtype} plain`, `${dtype} JS convert`).toFixed(2)}×`);
      console.log(`  ${dtype} k.u16 / naive JS + float32   ${ratio(`${dtype} k.u16`, `${dtype} naive JS`).toFixed(2)}×`);
    }
  }
  const grads = { float32: k.f32(n), bfloat16: k.u16(n), float16: k.u16(n) };
  const withGrad = { 'grad float32': () => k.crossEntropyWithGrad(f32, t, C, { grad: grads.float32 }) };
  for (const gradDtype of ['bfloat16', 'float16']) {
    withGrad[`grad ${gradDtype} k.u16`] = () => k.crossEntropyWithGrad(f32, t, C, { gradDtype, grad: grads[gradDtype] });
    const plain = new Uint16Array(n);
    withGrad[`grad ${gradDtype} plain`] = () => k.crossEntropyWithGrad(f32, t, C, { gradDtype, grad: plain });
  }
  const reps = Math.max(3, Math.round(1e8 / n / 10));
  const { wall } = interleave(withGrad, rounds, reps);
  console.log(`crossEntropyWithGrad ${rows}×${C} ${backend}, gradient formats (${rounds} rounds of ${reps} calls each)`);
  for (const name of Object.keys(withGrad))
    console.log(
      `  ${name.padEnd(20)} ${rate(wall, name, reps * n)
        .toFixed(0)
        .padStart(6)} Mlogits/s (median)`,
    );
  for (const name of Object.keys(withGrad).slice(1))
    console.log(`  ${name} / grad float32   ${speedup(wall, name, 'grad float32').toFixed(3)}×`);
  for (const v of [f32, t, converted, ...Object.values(views), ...Object.values(grads)]) k.free(v);
}
k.dispose();
