// Mean squared error, as F.mse_loss: (a − b)², gradient 2(a − b). The
// element math, four lanes (…v) and one (…s); the kernels are in
// elementwise.ts. Takes: input a, target b. Returns: the loss or gradient.
// Accuracy: two roundings (loss: d = a − b, then d·d; gradient: d, then d + d,
// which is exact). Range: any; overflow to +∞ as in float32. State: none.

@inline export function mseLossv(a: v128, b: v128): v128 { const d = f32x4.sub(a, b); return f32x4.mul(d, d); }
@inline export function mseLosss(a: f32, b: f32): f32 { const d = a - b; return d * d; }
@inline export function mseGradv(a: v128, b: v128): v128 { const d = f32x4.sub(a, b); return f32x4.add(d, d); }
@inline export function mseGrads(a: f32, b: f32): f32 { const d = a - b; return d + d; }
