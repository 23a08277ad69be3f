// Partial-sum blocks that came out of a float32 kernel as ±∞ or NaN are
// taken again in float64 by the exact (js) kernels: a float32 intermediate
// can overflow where the float64 result is finite ((1e20 − (−1e20))² in
// mseLoss, m − x_c of logits ±3.4e38 in cross-entropy). On sane data no
// block is ever redone; where the float64 result is not finite either, the
// redo gives the same answer. A block's per-item results ('none') are
// rewritten with it. An in-place call cannot be redone (its input is
// overwritten by then): there the float32 result stands.
import type { CrossEntropyIndexCall, CrossEntropyProbCall, ElementwiseCall, F32, Kernels } from './kernels.js';
import { widened, type MaybeHalf } from './half.js';

/** Calls redo(i, r0, r1) for each block i (of `slots` partials, over `count`
 *  rows or elements) whose first `sums` partials are not all finite. */
function eachBadBlock(
  blocks: Float64Array,
  slots: number,
  sums: number,
  count: number,
  blockRows: number,
  redo: (i: number, r0: number, r1: number) => void,
): void {
  for (let i = 0; i * slots < blocks.length; i++) {
    let finite = true;
    for (let k = 0; k < sums; k++) finite &&= Number.isFinite(blocks[i * slots + k]);
    if (!finite) redo(i, i * blockRows, Math.min(count, (i + 1) * blockRows));
  }
}

/** Rows [r0, r1) of a batch of C classes (channels-first with S > 1) as a
 *  row-major float32 array (halves widened: only the samples the rows lie in). */
function rowsOf(x: MaybeHalf, C: number, S: number, r0: number, r1: number): F32 {
  if (S === 1) return widened(x, r0 * C, r1 * C);
  const n0 = Math.floor(r0 / S),
    a = widened(x, n0 * C * S, Math.ceil(r1 / S) * C * S);
  const y = new Float32Array((r1 - r0) * C);
  for (let r = r0; r < r1; r++) {
    const n = Math.floor(r / S),
      s = r - n * S;
    for (let c = 0; c < C; c++) y[(r - r0) * C + c] = a[((n - n0) * C + c) * S + s];
  }
  return y;
}

/** Elements [i0, i1) of a weight of period w.length, starting at its phase there. */
function phased(w: F32 | null, i0: number, i1: number): F32 | null {
  if (!w) return null;
  const y = new Float32Array(i1 - i0);
  for (let i = i0; i < i1; i++) y[i - i0] = w[i % w.length];
  return y;
}

/** Puts a redone block's totals into its partial slots and its per-item results (part) into out at r0. */
function replace(blocks: Float64Array, i: number, slots: number, totals: number[], out: F32 | null, part: F32 | null, r0: number): void {
  totals.forEach((t, k) => {
    blocks[i * slots + k] = t;
  });
  if (out && part) out.set(part, r0);
}

export function redoCrossEntropyIndex(
  exact: Kernels,
  c: CrossEntropyIndexCall,
  blocks: Float64Array,
  slots: number,
  blockRows: number,
): void {
  if (c.grad === c.x) return;
  // the first four slots: the sums, Σ lse² among them (ceSlots() in assembly/index.ts)
  eachBadBlock(blocks, slots, 4, c.target.length, blockRows, (i, r0, r1) => {
    const part = c.out && new Float32Array(r1 - r0);
    const totals = exact.crossEntropyIndex({
      ...c,
      x: rowsOf(c.x, c.classes, c.spatial, r0, r1),
      target: c.target.subarray(r0, r1),
      spatial: 1,
      out: part,
      sums: true,
      grad: null,
      gradOut: null,
    });
    replace(blocks, i, slots, totals, c.out, part, r0);
  });
}

export function redoCrossEntropyProb(
  exact: Kernels,
  c: CrossEntropyProbCall,
  blocks: Float64Array,
  slots: number,
  blockRows: number,
): void {
  if (c.grad === c.x) return;
  eachBadBlock(blocks, slots, slots, c.x.length / c.classes, blockRows, (i, r0, r1) => {
    const part = c.out && new Float32Array(r1 - r0);
    const totals = exact.crossEntropyProb({
      ...c,
      x: rowsOf(c.x, c.classes, c.spatial, r0, r1),
      q: rowsOf(c.q, c.classes, c.spatial, r0, r1),
      spatial: 1,
      out: part,
      sums: true,
      grad: null,
      gradOut: null,
    });
    replace(blocks, i, slots, totals, c.out, part, r0);
  });
}

export function redoElementwise(exact: Kernels, c: ElementwiseCall, blocks: Float64Array, blockElements: number): void {
  if (c.out === c.a || c.out === c.b) return;
  eachBadBlock(blocks, 1, 1, c.a.length, blockElements, (i, i0, i1) => {
    const part = c.out && new Float32Array(i1 - i0);
    const total = exact.elementwise({
      op: c.op,
      a: c.a.subarray(i0, i1),
      b: c.b.subarray(i0, i1),
      w: phased(c.w, i0, i1),
      pw: phased(c.pw, i0, i1),
      out: part,
      sums: true,
    });
    replace(blocks, i, 1, [total], c.out, part, i0);
  });
}
