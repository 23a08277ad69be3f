// The 'js' backend: plain TypeScript, in float64, written to be read. It is
// the executable specification the wasm kernels are tested against, and the
// fallback where WebAssembly is unavailable.
import {
  Partials,
  PARTIAL_ROWS,
  type CrossEntropyIndexCall,
  type CrossEntropyProbCall,
  type DistillationCall,
  type ElementwiseBackwardCall,
  type ElementwiseCall,
  type F32,
  type I32,
  type Kernels,
  type NllBackwardCall,
  type NllCall,
  type ScoreCall,
} from './kernels.js';
import { markBufferFreed } from './views.js';
import { Half, narrowInto, widened, type MaybeHalf } from './half.js';

/** Logits as the losses read them: a Float32Array, or softcapped in float64. */
type Logits = F32 | Float64Array;

/** Row maximum, skipping NaN (NaN still reaches every result through exp). */
function rowMax(x: Logits, o: number, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (x[o + i] > m) m = x[o + i];
  return m;
}

function sumExp(x: Logits, o: number, n: number, shift: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[o + i] - shift);
  return s;
}

/** log Σ exp, shifted by the maximum unless it is ±∞ (as torch.logsumexp). */
function rowLogSumExp(x: F32, o: number, n: number): number {
  const m = rowMax(x, o, n);
  const shift = Math.abs(m) === Infinity ? 0 : m;
  return shift + Math.log(sumExp(x, o, n, shift));
}

/** First index of the row's maximum, a NaN counting as the maximum (as torch.argmax). */
function rowArgmax(x: F32, o: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n && !Number.isNaN(x[o + best]); i++) {
    if (x[o + i] > x[o + best] || Number.isNaN(x[o + i])) best = i;
  }
  return best;
}

/** target[r], or ignoreIndex where it is no class: the bindings checked the
 *  targets, but another thread may write shared ones since (as targetAt in
 *  assembly/targets.ts). */
function targetAt(target: I32, r: number, classes: number, ignoreIndex: number): number {
  const t = target[r];
  return t >= 0 && t < classes ? t : ignoreIndex;
}

/** y = log_softmax(x / T) of the row at o, as torch.log_softmax (NaN throughout for a NaN, a +∞ or a row all −∞). */
function logSoftmaxOver(x: F32, o: number, n: number, T: number, y: Float64Array): void {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (x[o + i] / T > m) m = x[o + i] / T;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[o + i] / T - m);
  for (let i = 0; i < n; i++) y[i] = x[o + i] / T - m - Math.log(s);
}

/** P·d, or 0 where the probability P is 0 (0·log 0 = 0, whatever d is). */
const weighted = (P: number, d: number) => (P === 0 ? 0 : P * d);

/** softcap·tanh(x / softcap) per element (Gemma 2's logit cap), or x itself for softcap 0. */
function capped(x0: MaybeHalf, softcap: number): Logits {
  const x = widened(x0);
  return softcap > 0 ? Float64Array.from(x, (v) => softcap * Math.tanh(v / softcap)) : x;
}

/** The chain rule through the cap: grad ·= 1 − (y/softcap)² = 1 − tanh²(x/softcap), y capped. */
function capGrad(y: Logits, grad: F32 | null, softcap: number): void {
  if (grad && softcap > 0) for (let i = 0; i < grad.length; i++) grad[i] *= 1 - (y[i] / softcap) ** 2;
}

const xlogx = (v: number) => (v === 0 ? 0 : v * Math.log(v));
const log1pExp = (v: number) => Math.log1p(Math.exp(v));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function elementLoss(op: ElementwiseCall['op'], a: number, b: number, w: number, pw: number): number {
  switch (op) {
    case 'mse':
      return (a - b) ** 2;
    case 'kl':
      return xlogx(b) - b * a;
    case 'klLog':
      return Math.exp(b) * (b - a);
    case 'bce': {
      const lw = 1 + (pw - 1) * b;
      return w * ((1 - b) * a + lw * (log1pExp(-Math.abs(a)) + Math.max(-a, 0)));
    }
  }
}

function elementGrad(op: ElementwiseCall['op'], a: number, b: number, w: number, pw: number): number {
  switch (op) {
    case 'mse':
      return 2 * (a - b);
    case 'kl':
      return -b;
    case 'klLog':
      return -Math.exp(b);
    case 'bce':
      return w * ((1 + (pw - 1) * b) * sigmoid(a) - pw * b);
  }
}

/** Channels-first x ([N][C][S]) as row-major rows ([N·S][C]). */
function toRows(x: F32, C: number, S: number): F32 {
  const y = new Float32Array(x.length);
  for (let n = 0, base = 0; base < x.length; n++, base += C * S) {
    for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) y[(n * S + s) * C + c] = x[base + c * S + s];
  }
  return y;
}

/** toRows' inverse, into out. */
function fromRows(y: F32, C: number, S: number, out: F32): void {
  for (let n = 0, base = 0; base < out.length; n++, base += C * S) {
    for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) out[base + c * S + s] = y[(n * S + s) * C + c];
  }
}

/** f on row-major copies of channels-first arrays (spatial S > 1): the inputs
 *  laid out as rows, the outputs (a value per class; one may be an input, in
 *  place) computed as rows and laid back out after. */
function inRows<T>(S: number, C: number, ins: (F32 | null)[], outs: (F32 | null)[], f: (ins: F32[], outs: F32[]) => T): T {
  if (S === 1) return f(ins as F32[], outs as F32[]);
  const rowIns = ins.map((a) => a && toRows(a, C, S));
  const rowOuts = outs.map((a) => a && (ins.includes(a) ? rowIns[ins.indexOf(a)] : new Float32Array(a.length)));
  const result = f(rowIns as F32[], rowOuts as F32[]);
  outs.forEach((a, i) => a && fromRows(rowOuts[i]!, C, S, a));
  return result;
}

/**
 * F.nll_loss's sums [Σ w_t·nll, Σ w_t] (and per-row losses into out), reading
 * one value per row where it lies: row r is position r mod S of sample ⌊r/S⌋.
 * Added as the wasm kernel adds them (each PARTIAL_ROWS block from 0, then
 * the blocks in order), so the wasm backend uses it for arrays outside kernel
 * memory, where picking a value per row beats copying the batch in, with the
 * same bits.
 */
function nllWhereItLies(c: NllCall): number[] {
  const { lp, target, classes: C, spatial: S, weight, ignoreIndex, out } = c;
  let loss = 0,
    weightSum = 0;
  for (let b0 = 0; b0 < target.length; b0 += PARTIAL_ROWS) {
    const b1 = Math.min(target.length, b0 + PARTIAL_ROWS);
    let blockLoss = 0,
      blockWeight = 0;
    for (let r = b0; r < b1; r++) {
      const t = targetAt(target, r, C, ignoreIndex);
      let v = 0;
      if (t !== ignoreIndex) {
        const wt = weight ? weight[t] : 1;
        v = -wt * (S === 1 ? lp[r * C + t] : lp[(Math.floor(r / S) * C + t) * S + (r % S)]);
        blockWeight += wt;
      }
      if (out) out[r] = v;
      blockLoss += v;
    }
    loss += blockLoss;
    weightSum += blockWeight;
  }
  return [loss, weightSum];
}

/** A call whose gradient the row-major kernels write: float32 (intoGrad rounds it into halves after). */
type Float32Grad<C> = Omit<C, 'grad'> & { grad: F32 | null };
/** The row-major kernels: those that write a gradient take it in float32. */
type RowMajor = Omit<Kernels, 'crossEntropyIndex' | 'crossEntropyProb' | 'distillation'> & {
  crossEntropyIndex(c: Float32Grad<CrossEntropyIndexCall>): number[];
  crossEntropyProb(c: Float32Grad<CrossEntropyProbCall>): number[];
  distillation(c: Float32Grad<DistillationCall>): number[];
};

/** f with the gradient in float32: a half-precision one (gradDtype) computed
 *  into a float32 array first and rounded into its bits after. */
function intoGrad<T>(grad: MaybeHalf | null, f: (grad: F32 | null) => T): T {
  if (!(grad instanceof Half)) return f(grad);
  const g = new Float32Array(grad.length);
  const result = f(g);
  narrowInto(g, grad);
  return result;
}

export function createReference(): Kernels {
  const k = rowMajor();
  return {
    ...k,
    logSumExp: (x, C, out, S) => inRows(S, C, [widened(x)], [], ([x]) => k.logSumExp(x, C, out, 1)),
    softmax: (x, C, out, S) => inRows(S, C, [widened(x)], [out], ([x], [out]) => k.softmax(x, C, out, 1)),
    logSoftmax: (x, C, out, S) => inRows(S, C, [widened(x)], [out], ([x], [out]) => k.logSoftmax(x, C, out, 1)),
    argmax: (x, C, out, S) => inRows(S, C, [widened(x)], [], ([x]) => k.argmax(x, C, out, 1)),
    entropy: (p, C, out, S) => inRows(S, C, [p], [], ([p]) => k.entropy(p, C, out, 1)),
    softmaxBackward: (y, dy, C, out, S) => inRows(S, C, [y, dy], [out], ([y, dy], [out]) => k.softmaxBackward(y, dy, C, out, 1)),
    logSoftmaxBackward: (y, dy, C, out, S) => inRows(S, C, [y, dy], [out], ([y, dy], [out]) => k.logSoftmaxBackward(y, dy, C, out, 1)),
    logSumExpBackward: (x, dy, C, out, S) => inRows(S, C, [x], [out], ([x], [out]) => k.logSumExpBackward(x, dy, C, out, 1)),
    crossEntropyIndex: (c) =>
      intoGrad(c.grad, (g) =>
        inRows(c.spatial, c.classes, [widened(c.x)], [g], ([x], [grad]) => k.crossEntropyIndex(Object.assign({}, c, { x, grad }))),
      ),
    crossEntropyProb: (c) =>
      intoGrad(c.grad, (g) =>
        inRows(c.spatial, c.classes, [widened(c.x), c.q], [g], ([x, q], [grad]) =>
          k.crossEntropyProb(Object.assign({}, c, { x, q, grad })),
        ),
      ),
    distillation: (c) => intoGrad(c.grad, (grad) => k.distillation(Object.assign({}, c, { grad }))),
    nllBackward: (c) => inRows(c.spatial, c.classes, [], [c.grad], (_, [grad]) => k.nllBackward(Object.assign({}, c, { grad }))),
  };
}

/** The kernels on row-major batches (spatial ignored: createReference lays
 *  channels-first arrays out as rows around them, and widens half-precision
 *  logits of the row-wise functions), and nll on any layout. The losses and
 *  score widen half-precision logits themselves, whole. */
function rowMajor(): RowMajor {
  return {
    logSumExp(x: F32, classes: number, out: F32) {
      for (let r = 0; r < out.length; r++) out[r] = rowLogSumExp(x, r * classes, classes);
    },

    softmax(x: F32, classes: number, out: F32) {
      for (let o = 0; o < x.length; o += classes) {
        const m = rowMax(x, o, classes);
        const s = sumExp(x, o, classes, m);
        for (let i = o; i < o + classes; i++) out[i] = Math.exp(x[i] - m) / s;
      }
    },

    logSoftmax(x: F32, classes: number, out: F32) {
      for (let o = 0; o < x.length; o += classes) {
        const m = rowMax(x, o, classes);
        const ls = Math.log(sumExp(x, o, classes, m));
        for (let i = o; i < o + classes; i++) out[i] = x[i] - m - ls;
      }
    },

    argmax(x: F32, classes: number, out: I32) {
      for (let r = 0; r < out.length; r++) out[r] = rowArgmax(x, r * classes, classes);
    },

    entropy(p, classes, out) {
      for (let r = 0; r < out.length; r++) {
        let h = 0;
        for (let i = r * classes; i < (r + 1) * classes; i++) h -= xlogx(p[i]);
        out[r] = h;
      }
    },

    softmaxBackward(y, dy, classes, out) {
      for (let o = 0; o < y.length; o += classes) {
        let s = 0;
        for (let i = o; i < o + classes; i++) s += dy[i] * y[i];
        for (let i = o; i < o + classes; i++) out[i] = y[i] * (dy[i] - s);
      }
    },

    logSoftmaxBackward(y, dy, classes, out) {
      for (let o = 0; o < y.length; o += classes) {
        let s = 0;
        for (let i = o; i < o + classes; i++) s += dy[i];
        for (let i = o; i < o + classes; i++) out[i] = dy[i] - Math.exp(y[i]) * s;
      }
    },

    logSumExpBackward(x, dy, classes, out) {
      for (let r = 0; r < dy.length; r++) {
        const o = r * classes;
        const m = rowMax(x, o, classes);
        const s = sumExp(x, o, classes, m);
        for (let i = o; i < o + classes; i++) out[i] = (Math.exp(x[i] - m) / s) * dy[r];
      }
    },

    badTarget(target, classes, ignoreIndex) {
      for (let r = 0; r < target.length; r++) {
        const t = target[r];
        if ((t < 0 || t >= classes) && t !== ignoreIndex) return r;
      }
      return -1;
    },

    targetWeight(target, weight, classes, ignoreIndex) {
      let total = 0;
      for (const t of target) if (t !== ignoreIndex && t >= 0 && t < classes) total += weight ? weight[t] : 1;
      return total;
    },

    crossEntropyIndex(c: Float32Grad<CrossEntropyIndexCall>) {
      const { target, classes: C, weight, weightTotal, ignoreIndex, smoothing: eps, zLoss } = c;
      const x = capped(c.x, c.softcap);
      const partials = new Partials(target.length, 4);
      for (let r = 0; r < target.length; r++) {
        const o = r * C,
          t = targetAt(target, r, C, ignoreIndex);
        if (t === ignoreIndex) {
          if (c.out) c.out[r] = 0;
          // 0·softmax(row): NaN throughout where the row's softmax is NaN, as in PyTorch.
          if (c.grad) c.grad.fill(0 * sumExp(x, o, C, rowMax(x, o, C)), o, o + C);
          continue;
        }
        const wt = weight ? weight[t] : 1;
        const m = rowMax(x, o, C);
        const xt = x[o + t];
        let gap = 0;
        if (eps > 0) for (let i = 0; i < C; i++) gap += (weight ? weight[i] : 1) * (m - x[o + i]);
        const s = sumExp(x, o, C, m);
        const ls = Math.log(s);
        const nll = wt * (m - xt + ls);
        const smooth = eps > 0 ? gap + weightTotal * ls : 0;
        const lse = m + ls,
          z = zLoss > 0 ? lse * lse : 0; // PaLM's z-loss: zLoss·lse² per kept row
        if (c.out) c.out[r] = (1 - eps) * nll + (eps / C) * smooth + zLoss * z;
        partials.add(r, 0, nll);
        partials.add(r, 1, wt);
        partials.add(r, 2, smooth);
        partials.add(r, 3, z);
        if (c.grad) {
          const g = c.gradOut ? c.gradOut[r] : 1;
          const zg = zLoss > 0 ? c.gradZ * lse : 0;
          for (let i = 0; i < C; i++) {
            const p = Math.exp(x[o + i] - m) / s;
            const wi = weight ? weight[i] : 1;
            c.grad[o + i] = g * (c.gradNll * wt * (p - (i === t ? 1 : 0)) + c.gradSmooth * (weightTotal * p - wi) + zg * p);
          }
        }
      }
      capGrad(x, c.grad, c.softcap);
      return partials.totals();
    },

    crossEntropyProb(c: Float32Grad<CrossEntropyProbCall>) {
      const { q, classes: C, weight, smoothing: eps, zLoss } = c;
      const x = capped(c.x, c.softcap);
      const rows = x.length / C;
      const partials = new Partials(rows, 2);
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        const m = rowMax(x, o, C);
        const s = sumExp(x, o, C, m);
        const ls = Math.log(s);
        const coef = (i: number) => ((1 - eps) * q[o + i] + eps / C) * (weight ? weight[i] : 1);
        let loss = 0,
          wq = 0;
        for (let i = 0; i < C; i++) {
          loss += coef(i) * (m - x[o + i] + ls);
          wq += coef(i);
        }
        const lse = m + ls,
          z = zLoss > 0 ? lse * lse : 0;
        if (c.out) c.out[r] = loss + zLoss * z;
        partials.add(r, 0, loss);
        partials.add(r, 1, z);
        if (c.grad) {
          const g = (c.gradOut ? c.gradOut[r] : 1) * c.gradScale;
          const k = zLoss > 0 ? wq + 2 * zLoss * lse : wq;
          for (let i = 0; i < C; i++) c.grad[o + i] = g * ((k * Math.exp(x[o + i] - m)) / s - coef(i));
        }
      }
      capGrad(x, c.grad, c.softcap);
      return partials.totals();
    },

    score(c: ScoreCall) {
      const { target, classes: C, ignoreIndex, temperature: T } = c;
      const x = widened(c.x);
      const rows = x.length / C;
      const partials = new Partials(rows, 3);
      for (let r = 0; r < rows; r++) {
        const o = r * C,
          m = rowMax(x, o, C);
        // z = (x − m)/T ≤ 0: H = log s − Σ e^z·z / s, both terms ≥ 0 (0·log 0 = 0: e^z = 0 adds nothing)
        let s = 0,
          zs = 0;
        for (let i = o; i < o + C; i++) {
          const z = (x[i] - m) / T,
            e = Math.exp(z);
          s += e;
          if (e > 0) zs += e * z;
        }
        const ls = Math.log(s);
        if (c.entropy) c.entropy[r] = ls - zs / s;
        const a = rowArgmax(x, o, C);
        if (c.argmax) c.argmax[r] = a;
        const t = target ? targetAt(target, r, C, ignoreIndex) : ignoreIndex;
        if (t === ignoreIndex) {
          if (c.logProbs) c.logProbs[r] = 0;
          continue;
        }
        const nll = (m - x[o + t]) / T + ls;
        if (c.logProbs) c.logProbs[r] = -nll;
        partials.add(r, 0, nll);
        partials.add(r, 1, 1);
        partials.add(r, 2, a === t ? 1 : 0);
      }
      return partials.totals();
    },

    distillation(c: Float32Grad<DistillationCall>) {
      const { target, classes: C, ignoreIndex, temperature: T, beta } = c;
      const student = widened(c.student),
        teacher = widened(c.teacher);
      const rows = student.length / C;
      const partials = new Partials(rows, 2);
      const q = new Float64Array(C),
        p = new Float64Array(C),
        l = new Float64Array(C);
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        if (target && targetAt(target, r, C, ignoreIndex) === ignoreIndex) {
          if (c.out) c.out[r] = 0;
          c.grad?.fill(0, o, o + C);
          continue;
        }
        logSoftmaxOver(student, o, C, T, q);
        if (c.teacherLogProbs) for (let i = 0; i < C; i++) p[i] = teacher[o + i];
        else logSoftmaxOver(teacher, o, C, T, p);
        // v: the divergence; K: the term the gradient subtracts (see assembly/distillation.ts)
        let v = 0,
          K = 0,
          mass = 0;
        for (let i = 0; i < C; i++) {
          const Ps = Math.exp(q[i]),
            Pt = Math.exp(p[i]);
          mass += Pt;
          if (c.divergence === 'forward') v += weighted(Pt, p[i] - q[i]);
          else if (c.divergence === 'reverse') v += weighted(Ps, q[i] - p[i]);
          else {
            // log M = log(β·Pt + (1 − β)·Ps), as a log-sum-exp so that neither term underflows
            const a = Math.log(beta) + p[i],
              b = Math.log1p(-beta) + q[i],
              top = Math.max(a, b);
            l[i] = top === -Infinity ? -Infinity : top + Math.log(Math.exp(a - top) + Math.exp(b - top));
            v += beta * weighted(Pt, p[i] - l[i]);
            K += weighted(Ps, q[i] - l[i]);
          }
        }
        if (c.divergence === 'jsd') v += (1 - beta) * K;
        if (c.divergence === 'reverse') K = v;
        const value = T * T * v;
        if (c.out) c.out[r] = value;
        partials.add(r, 0, value);
        partials.add(r, 1, 1);
        if (!c.grad) continue;
        const g = T * c.gradScale * (c.gradOut ? c.gradOut[r] : 1);
        for (let i = 0; i < C; i++) {
          const Ps = Math.exp(q[i]);
          let d: number;
          if (c.divergence === 'forward') d = mass * Ps - Math.exp(p[i]);
          else if (c.divergence === 'reverse') d = Ps * ((Ps === 0 ? 0 : q[i] - p[i]) - K);
          else d = (1 - beta) * Ps * ((Ps === 0 ? 0 : q[i] - l[i]) - K);
          c.grad[o + i] = g * d;
        }
      }
      return partials.totals();
    },

    nll: nllWhereItLies, // any layout: it reads one value per row where it lies

    nllBackward(c: NllBackwardCall) {
      c.grad.fill(0);
      for (let r = 0; r < c.target.length; r++) {
        const t = targetAt(c.target, r, c.classes, c.ignoreIndex);
        if (t === c.ignoreIndex) continue;
        const wt = c.weight ? c.weight[t] : 1;
        c.grad[r * c.classes + t] = -wt * c.gradScale * (c.gradOut ? c.gradOut[r] : 1);
      }
    },

    elementwise(c: ElementwiseCall) {
      const partials = new Partials(c.a.length, 1);
      for (let i = 0; i < c.a.length; i++) {
        const l = elementLoss(c.op, c.a[i], c.b[i], c.w ? c.w[i % c.w.length] : 1, c.pw ? c.pw[i % c.pw.length] : 1);
        if (c.out) c.out[i] = l;
        partials.add(i, 0, l);
      }
      return partials.totals()[0];
    },

    elementwiseBackward(c: ElementwiseBackwardCall) {
      for (let i = 0; i < c.a.length; i++) {
        const d = elementGrad(c.op, c.a[i], c.b[i], c.w ? c.w[i % c.w.length] : 1, c.pw ? c.pw[i % c.pw.length] : 1);
        c.grad[i] = d * c.gradScale * (c.gradOut ? c.gradOut[i] : 1);
      }
    },

    memoryKey: (buffer) => buffer,
    // Each view owns its ArrayBuffer, so that freeing it refuses its subarrays too (views.ts).
    f32: (length) => new Float32Array(length),
    i32: (length) => new Int32Array(length),
    u16: (length) => new Uint16Array(length),
    free: (view) => markBufferFreed(view.buffer),
  };
}
