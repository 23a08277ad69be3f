// A gradient out in float32 or, with gradDtype, half precision (half.ts):
// the backends compute it in float32 and round it into the halves a chunk
// at a time (wasm.ts, reference.ts). Written over the logits (in place) only
// in their own format: otherwise the aliasing rule (aliasing.ts) refuses it.
import { Half, memoryOf, type MaybeHalf } from './half.js';

/** Whether g is in x's format: both float32, or the same half format. */
const sameFormat = (x: MaybeHalf, g: MaybeHalf) => (x instanceof Half ? g instanceof Half && g.dtype === x.dtype : !(g instanceof Half));

/** A call's in-place pairs (output name → input names), less the gradient's
 *  (named gradName) where it is not in the logits' (x's) format. */
export function gradInPlace(inPlace: Record<string, readonly string[]>, gradName: string, x: MaybeHalf, g: MaybeHalf) {
  if (sameFormat(x, g)) return inPlace;
  const { [gradName]: _, ...others } = inPlace;
  return others;
}

/** The gradient to compute into, from what the aliasing check gave back for
 *  its memory: the logits' memory where the call is in place, and then the
 *  logits themselves, so that the backends see one array. */
export const checkedGrad = (checked: unknown, g: MaybeHalf, x: MaybeHalf): MaybeHalf => (checked === memoryOf(x) ? x : g);
