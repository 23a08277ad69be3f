// KL divergence, as F.kl_div with input x = log q:
//   target t:          xlogy(t, t) − t·x   (0·log 0 = 0), gradient −t
//   logTarget (t = log p): exp(t)·(t − x),  gradient −exp(t)
import { forward, backward, KL, KL_LOG } from './elementwise';
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
