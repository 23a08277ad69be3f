// The README's example: F.cross_entropy of these logits and targets is 1.1447.
import { init } from 'simdloss';

export async function seed() {
  const k = await init();
  const logits = new Float32Array([0.3, 0.3, 0.4, 0.3, 0.4, 0.3, 0.1, 0.2, 0.7]);
  const loss = k.crossEntropy(logits, [2, 1, 0], 3);
  k.dispose();
  return { backend: k.backend, loss };
}
