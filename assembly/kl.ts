// KL divergence, as F.kl_div with input x = log q:
//   target t:          xlogy(t, t) − t·x   (0·log 0 = 0), gradient −t
//   logTarget (t = log p): exp(t)·(t − x),  gradient −exp(t)
// The element math, four lanes (…v) and one (…s); the kernels are in
// elementwise.ts. Takes: input x, target t. Returns: the loss or gradient.
// Accuracy: logv's ~1 ULP (expAny's ≤ 6 ULP for log targets) and a few
// roundings; the tolerance README.md states (section Accuracy) holds.
// Range: t ≥ 0 (a negative t gives NaN, as xlogy does); any log target.
// State: none.
import { expAnyv, expAnys } from './exp';
import { logv, logs } from './log';

@inline export function klLossv(x: v128, t: v128): v128 {
  const tlogt = v128.andnot(f32x4.mul(t, logv(t)), f32x4.eq(t, f32x4.splat(0)));
  return f32x4.sub(tlogt, f32x4.mul(t, x));
}
@inline export function klLosss(x: f32, t: f32): f32 { return (t == 0 ? 0 : t * logs(t)) - t * x; }
@inline export function klGradv(x: v128, t: v128): v128 { return f32x4.neg(t); }
@inline export function klGrads(x: f32, t: f32): f32 { return -t; }

@inline export function klLogLossv(x: v128, t: v128): v128 { return f32x4.mul(expAnyv(t), f32x4.sub(t, x)); }
@inline export function klLogLosss(x: f32, t: f32): f32 { return expAnys(t) * (t - x); }
@inline export function klLogGradv(x: v128, t: v128): v128 { return f32x4.neg(expAnyv(t)); }
@inline export function klLogGrads(x: f32, t: f32): f32 { return -expAnys(t); }
