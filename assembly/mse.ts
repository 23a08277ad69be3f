// Mean squared error, as F.mse_loss: (a − b)², gradient 2(a − b).
import { forward, backward, MSE } from './elementwise';

@inline export function mseLossv(a: v128, b: v128): v128 { const d = f32x4.sub(a, b); return f32x4.mul(d, d); }
@inline export function mseLosss(a: f32, b: f32): f32 { const d = a - b; return d * d; }
@inline export function mseGradv(a: v128, b: v128): v128 { const d = f32x4.sub(a, b); return f32x4.add(d, d); }
@inline export function mseGrads(a: f32, b: f32): f32 { const d = a - b; return d + d; }

export function mseLoss(a: usize, b: usize, out: usize, partials: usize, i0: i32, i1: i32): void {
  forward(MSE, a, b, 0, 0, 0, 0, out, partials, i0, i1);
}
export function mseLossBackward(a: usize, b: usize, grad: usize, i0: i32, i1: i32, scale: f32, gradOut: usize): void {
  backward(MSE, a, b, 0, 0, 0, 0, grad, i0, i1, scale, gradOut);
}
