export async function setup() {
  /* compile a .wasm, start workers: awaited before the checks */
}
export function logSumExp(x, classes, out = new Float32Array(x.length / classes)) {
  for (let r = 0, i = 0; r < out.length; r++, i += classes) {
    let max = -Infinity,
      sum = 0;
    for (let j = i; j < i + classes; j++) max = Math.max(max, x[j]);
    for (let j = i; j < i + classes; j++) sum += Math.exp(x[j] - max);
    out[r] = max + Math.log(sum);
  }
  return out;
}
