// Binary cross-entropy with logits, as F.binary_cross_entropy_with_logits,
// with lw = 1 + (pw − 1)·y and softplus(−x) = max(−x, 0) + log1p(exp(−|x|)):
//   loss = w·[lw·log1p(exp(−|x|)) + ((1 − y)·x if x ≥ 0, else −pw·y·x)]
// (the two cases of (1 − y)x + lw·max(−x, 0), written so nothing cancels;
// for x = ±∞ that sum itself, whose ∞ − ∞ gives PyTorch's NaN)
//   grad = w·(lw·σ(x) − pw·y)
// weight and posWeight (absent: 1) have periods wn, pwn: the input's length,
// or a divisor of it (broadcast along the last axis, see elementwise.ts).
// The element math, four lanes (…v) and one (…s); the kernels are in
// elementwise.ts. Takes: logit x, target y, weight w, posWeight pw. Returns:
// the loss or gradient. Accuracy: exp's ≤ 2 ULP, log1p's, and a few
// roundings; the tolerance README.md states (section Accuracy) holds.
// Range: any x (±∞ as above); y in [0, 1] (others are computed, without
// the no-cancellation guarantee). State: none.
import { expv, exps } from './exp';
import { log1pv, log1ps } from './log';

@inline export function bceLossv(x: v128, y: v128, w: v128, pw: v128): v128 {
  const one = f32x4.splat(1);
  const lw = f32x4.add(one, f32x4.mul(f32x4.sub(pw, one), y));
  const sp = log1pv(expv(f32x4.neg(f32x4.abs(x))));
  const pos = f32x4.mul(f32x4.sub(one, y), x);
  let lin = v128.bitselect(pos, f32x4.neg(f32x4.mul(f32x4.mul(pw, y), x)), f32x4.ge(x, f32x4.splat(0)));
  const infinite = f32x4.eq(f32x4.abs(x), f32x4.splat(Infinity));
  lin = v128.bitselect(f32x4.add(pos, f32x4.mul(lw, f32x4.pmax(f32x4.neg(x), f32x4.splat(0)))), lin, infinite);
  return f32x4.mul(w, f32x4.add(f32x4.mul(lw, sp), lin));
}
@inline export function bceLosss(x: f32, y: f32, w: f32, pw: f32): f32 {
  const lw = (pw - 1) * y + 1;
  const lin: f32 = abs(x) == Infinity ? (<f32>1 - y) * x + lw * max(-x, 0) : x >= 0 ? (<f32>1 - y) * x : -(pw * y) * x;
  return w * (lw * log1ps(exps(-abs(x))) + lin);
}

@inline export function bceGradv(x: v128, y: v128, w: v128, pw: v128): v128 {
  const one = f32x4.splat(1);
  const e = expv(f32x4.neg(f32x4.abs(x)));
  const sig = f32x4.div(v128.bitselect(one, e, f32x4.ge(x, f32x4.splat(0))), f32x4.add(one, e));
  const lw = f32x4.add(one, f32x4.mul(f32x4.sub(pw, one), y));
  return f32x4.mul(w, f32x4.sub(f32x4.mul(lw, sig), f32x4.mul(pw, y)));
}
@inline export function bceGrads(x: f32, y: f32, w: f32, pw: f32): f32 {
  const e = exps(-abs(x));
  const sig = (x >= 0 ? <f32>1 : e) / (e + 1);
  return w * (((pw - 1) * y + 1) * sig - pw * y);
}
