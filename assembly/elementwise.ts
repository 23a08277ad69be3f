// The elementwise losses (MSE, KL divergence, BCE with logits): their
// exported kernels and the one driver they share. Each kernel calls the
// driver with a constant `op`, and after inlining the optimiser keeps only
// that op's arithmetic. Elements [i0, i1) may be split freely; i0 must be a
// multiple of PARTIAL_ROWS, the blocks of their partial sums (partials.ts,
// set by the bindings). The element math of each loss, scalar and f32x4 side
// by side, is in mse.ts, kl.ts and bce.ts, which import nothing from here.
import { at, hsum2, PARTIAL_ROWS, promoteHigh } from './simd';
import { addPartial } from './partials';
import { mseLossv, mseLosss, mseGradv, mseGrads } from './mse';
import { klLossv, klLosss, klGradv, klGrads, klLogLossv, klLogLosss, klLogGradv, klLogGrads } from './kl';
import { bceLossv, bceLosss, bceGradv, bceGrads } from './bce';

/** The ops (a compile-time constant at every call of forward and backward). */
const MSE = 0;
const KL = 1;
const KL_LOG = 2;
const BCE = 3;

/** The element loss of op, four lanes (lossv, gradv) or one (losss, grads). */
@inline function lossv(op: i32, a: v128, b: v128, w: v128, pw: v128): v128 {
  if (op == MSE) return mseLossv(a, b);
  if (op == KL) return klLossv(a, b);
  if (op == KL_LOG) return klLogLossv(a, b);
  return bceLossv(a, b, w, pw);
}
@inline function losss(op: i32, a: f32, b: f32, w: f32, pw: f32): f32 {
  if (op == MSE) return mseLosss(a, b);
  if (op == KL) return klLosss(a, b);
  if (op == KL_LOG) return klLogLosss(a, b);
  return bceLosss(a, b, w, pw);
}
@inline function gradv(op: i32, a: v128, b: v128, w: v128, pw: v128): v128 {
  if (op == MSE) return mseGradv(a, b);
  if (op == KL) return klGradv(a, b);
  if (op == KL_LOG) return klLogGradv(a, b);
  return bceGradv(a, b, w, pw);
}
@inline function grads(op: i32, a: f32, b: f32, w: f32, pw: f32): f32 {
  if (op == MSE) return mseGrads(a, b);
  if (op == KL) return klGrads(a, b);
  if (op == KL_LOG) return klLogGrads(a, b);
  return bceGrads(a, b, w, pw);
}

/** p[i..i+3], or fallback where p = 0 (loadOrOne: p[i], or 1). */
@inline function loadOr(p: usize, i: i32, fallback: v128): v128 {
  return p ? v128.load(at(p, i)) : fallback;
}
@inline function loadOrOne(p: usize, i: i32): f32 {
  return p ? load<f32>(at(p, i)) : 1;
}

// A weight of period n (the input's length, or a divisor of it broadcast
// along the last axis, as BCE's) weighs element i with w[i mod n]: j = i mod n
// is kept as i advances, with one modulo per call, and read straight from w
// (no copy of it at the input's length: docs/kernel-notes.md).

/** Where element i0 falls in a weight of period n (0 if there is none). */
@inline function phase(w: usize, n: i32, i0: i32): i32 {
  return w ? i0 % n : 0;
}

/** w[j..j+3] with the indices taken mod n (1 where there is no weight). */
@inline function periodicv(w: usize, n: i32, j: i32): v128 {
  if (!w) return f32x4.splat(1);
  if (j + 4 <= n) return v128.load(at(w, j));
  let v = v128.load32_zero(at(w, j));
  j = next(j, n, 1);
  v = v128.load32_lane(at(w, j), v, 1);
  j = next(j, n, 1);
  v = v128.load32_lane(at(w, j), v, 2);
  return v128.load32_lane(at(w, next(j, n, 1)), v, 3);
}

/** w[j] (1 where there is no weight). */
@inline function periodics(w: usize, j: i32): f32 {
  return w ? load<f32>(at(w, j)) : 1;
}

/** (j + k) mod n, for j < n. */
@inline function next(j: i32, n: i32, k: i32): i32 {
  j += k;
  while (j >= n) j -= n;
  return j;
}

/** The loss of elements i..i+3, their weights at phases jw, jp. */
@inline function lossAt(op: i32, a: usize, b: usize, w: usize, wn: i32, jw: i32, pw: usize, pwn: i32, jp: i32, i: i32): v128 {
  return lossv(op, v128.load(at(a, i)), v128.load(at(b, i)), periodicv(w, wn, jw), periodicv(pw, pwn, jp));
}

/** Loss of every element into out (if not 0) and its sums into partials (if
 *  not 0, one f64 slot per PARTIAL_ROWS elements, in element order); w, pw
 *  (BCE) of periods wn, pwn. State: none. */
@inline function forward(
  op: i32, a: usize, b: usize, w: usize, wn: i32, pw: usize, pwn: i32, out: usize, partials: usize, i0: i32, i1: i32,
): void {
  let jw = phase(w, wn, i0), jp = phase(pw, pwn, i0);
  for (let b0 = i0; b0 < i1; b0 += PARTIAL_ROWS) {
    const b1 = min(b0 + PARTIAL_ROWS, i1);
    let total: f64 = 0;
    let i = b0;
    if (ASC_FEATURE_SIMD) {
      // Summed in f64: elementwise losses (KL) may cancel. Two vectors a
      // step, both losses taken before either is added (in order, so the same
      // sums): two independent chains, which the CPU overlaps better than one
      // (docs/kernel-notes.md).
      let lo = f64x2.splat(0), hi = lo;
      if (i + 8 <= b1) do { // do-while: see CONSTANT_LOOPS in simd.ts
        const l = lossAt(op, a, b, w, wn, jw, pw, pwn, jp, i);
        if (w) jw = next(jw, wn, 4);
        if (pw) jp = next(jp, pwn, 4);
        const m = lossAt(op, a, b, w, wn, jw, pw, pwn, jp, i + 4);
        if (w) jw = next(jw, wn, 4);
        if (pw) jp = next(jp, pwn, 4);
        if (out) {
          v128.store(at(out, i), l);
          v128.store(at(out, i + 4), m);
        }
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(l));
        hi = f64x2.add(hi, promoteHigh(l));
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(m));
        hi = f64x2.add(hi, promoteHigh(m));
        i += 8;
      } while (i + 8 <= b1);
      if (i + 4 <= b1) {
        const l = lossAt(op, a, b, w, wn, jw, pw, pwn, jp, i);
        if (w) jw = next(jw, wn, 4);
        if (pw) jp = next(jp, pwn, 4);
        if (out) v128.store(at(out, i), l);
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(l));
        hi = f64x2.add(hi, promoteHigh(l));
        i += 4;
      }
      total = hsum2(f64x2.add(lo, hi));
    }
    for (; i < b1; i++) {
      const l = losss(op, load<f32>(at(a, i)), load<f32>(at(b, i)), periodics(w, jw), periodics(pw, jp));
      if (out) store<f32>(at(out, i), l);
      total += l;
      if (w) jw = next(jw, wn, 1);
      if (pw) jp = next(jp, pwn, 1);
    }
    addPartial(partials, b0, 1, 0, total);
  }
}

/** grad = ∂loss/∂a · scale · g, g = gradOut[i] (or 1); w, pw (BCE) of
 *  periods wn, pwn. State: none. */
@inline function backward(
  op: i32, a: usize, b: usize, w: usize, wn: i32, pw: usize, pwn: i32, grad: usize, i0: i32, i1: i32, scale: f32, gradOut: usize,
): void {
  let i = i0, jw = phase(w, wn, i0), jp = phase(pw, pwn, i0);
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    const s = f32x4.splat(scale);
    if (i + 4 <= i1) do { // do-while: see CONSTANT_LOOPS in simd.ts
      const d = gradv(op, v128.load(at(a, i)), v128.load(at(b, i)), periodicv(w, wn, jw), periodicv(pw, pwn, jp));
      v128.store(at(grad, i), f32x4.mul(f32x4.mul(d, s), loadOr(gradOut, i, one)));
      if (w) jw = next(jw, wn, 4);
      if (pw) jp = next(jp, pwn, 4);
      i += 4;
    } while (i + 4 <= i1);
  }
  for (; i < i1; i++) {
    const d = grads(op, load<f32>(at(a, i)), load<f32>(at(b, i)), periodics(w, jw), periodics(pw, jp));
    store<f32>(at(grad, i), d * scale * loadOrOne(gradOut, i));
    if (w) jw = next(jw, wn, 1);
    if (pw) jp = next(jp, pwn, 1);
  }
}

// The kernels (assembly/index.ts exports them; bindings/wasm.ts calls them).
// For each loss, over elements [i0, i1) (i0 a multiple of PARTIAL_ROWS):
// Takes: the input and target (a, b or x, t, y: f32 arrays); BCE's weight w
// and posWeight pw (0: none) with their lengths wn, pwn (periods: element i
// is weighed by w[i mod wn]); out (f32 per element, 0: none) and partials
// (one f64 per PARTIAL_ROWS elements, zeroed by the caller, 0: none); or for
// a gradient grad (may be an input), scale and gradOut (f32 per element, 0: 1).
// Writes: the element losses into out and their sums (in f64, in element
// order) into partials; or grad = ∂loss/∂input · scale · gradOut[i].
// Accuracy: within the tolerance README.md states (section Accuracy); the
// element functions' own in mse.ts, kl.ts, bce.ts.
// State: none; every call is independent.

/** Mean squared error (mse.ts), as F.mse_loss; and its gradient. */
export function mseLoss(a: usize, b: usize, out: usize, partials: usize, i0: i32, i1: i32): void {
  forward(MSE, a, b, 0, 0, 0, 0, out, partials, i0, i1);
}
export function mseLossBackward(a: usize, b: usize, grad: usize, i0: i32, i1: i32, scale: f32, gradOut: usize): void {
  backward(MSE, a, b, 0, 0, 0, 0, grad, i0, i1, scale, gradOut);
}

// KL divergence (kl.ts), as F.kl_div; and its gradient, for each target kind.
// One export per target kind: a runtime choice between forward(KL) and
// forward(KL_LOG) was folded by the optimiser into one loop that picked the
// op per element, with every op's code (and constants) inside it.
export function klDiv(x: usize, t: usize, out: usize, partials: usize, i0: i32, i1: i32): void {
  forward(KL, x, t, 0, 0, 0, 0, out, partials, i0, i1);
}
export function klDivLogTarget(x: usize, t: usize, out: usize, partials: usize, i0: i32, i1: i32): void {
  forward(KL_LOG, x, t, 0, 0, 0, 0, out, partials, i0, i1);
}
export function klDivBackward(x: usize, t: usize, grad: usize, i0: i32, i1: i32, scale: f32, gradOut: usize): void {
  backward(KL, x, t, 0, 0, 0, 0, grad, i0, i1, scale, gradOut);
}
export function klDivLogTargetBackward(x: usize, t: usize, grad: usize, i0: i32, i1: i32, scale: f32, gradOut: usize): void {
  backward(KL_LOG, x, t, 0, 0, 0, 0, grad, i0, i1, scale, gradOut);
}

/** BCE with logits (bce.ts), as F.binary_cross_entropy_with_logits; and its gradient. */
export function bceWithLogits(
  x: usize, y: usize, w: usize, wn: i32, pw: usize, pwn: i32, out: usize, partials: usize, i0: i32, i1: i32,
): void {
  forward(BCE, x, y, w, wn, pw, pwn, out, partials, i0, i1);
}
export function bceWithLogitsBackward(
  x: usize, y: usize, w: usize, wn: i32, pw: usize, pwn: i32, grad: usize, i0: i32, i1: i32, scale: f32, gradOut: usize,
): void {
  backward(BCE, x, y, w, wn, pw, pwn, grad, i0, i1, scale, gradOut);
}
