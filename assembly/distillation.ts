// Knowledge distillation: per row, a divergence between the student's
// softmax(s/T) and the teacher's softmax(t/T) (or the teacher's own
// log-probabilities), times T², and its gradient with respect to s.
//
// Everything is taken relative to each row's max (z = (x − m)/T ≤ 0, e = exp z,
// S = Σ e), so huge and shifted logits never cancel: with q = zs − log Ss,
// p = zt − lt (lt = log St, or 0 for teacher log-probabilities) and
// κ = 1/St (or 1), Pt = κ·et, Ps = es/Ss:
//   forward  KL(Pt‖Ps) = κ·Σ et·(zt − zs) + κSt·(log Ss − lt)
//   reverse  KL(Ps‖Pt) = Σ es·(zs − zt)/Ss − log Ss + lt
//   jsd      β·KL(Pt‖M) + (1 − β)·KL(Ps‖M), M = βPt + (1 − β)Ps, taken as
//            u = Ss·M = βκSs·et + (1 − β)·es: log M = log u − log Ss, where u
//            is made from exps about each row's own max, so it underflows only
//            where both terms are below f32's normal range (and count for
//            nothing); then q − log M = zs − log u, p − log M = zt − lt − log u + log Ss.
// A term whose probability is 0 adds 0 (0·log 0 = 0), also where its
// logarithms are infinite. Gradients (∂/∂s of the row value times T², so
// T·∂/∂(s/T)):
//   forward  T·(Σ Pt·Ps − Pt)  (Σ Pt = 1 but for log-probabilities as given)
//   reverse  T·Ps·(r − KL), r = q − p
//   jsd      T·(1 − β)·Ps·(r − K), r = q − log M, K = KL(Ps‖M)
// (for the softmax's Jacobian, Σ_i Pt_i ∂(−q_i) and Σ_i ∂(Ps_i r_i) reduce to these).
import { at, hmax, hsum2, hsum64, promoteHigh, SUM_BLOCK } from './simd';
import { expScaleds, expUnflushedv, floorOf, magicOf } from './exp';
import { logs, logv } from './log';
import { addPartial } from './partials';
import { rowMax } from './shift';
import { targetAt } from './targets';
import { blockFirst, firstEqual } from './argmax';
import { lanesSlot, scratchBytes, spareAt } from './lanes';

/** Partial slots per block of rows (partials.ts): Σ row values (times T²)
 *  and the kept rows. The bindings read the count from the instance
 *  (distillSlots() in index.ts). */
export const DISTILL_SLOTS = 2;

/** The divergences, as the bindings number them (bindings/distillation.ts). */
const FORWARD = 0, REVERSE = 1, JSD = 2;

/** 1/T as f32 is kept within [smallest subnormal, f32 max], as in scoring.ts. */
const INV_T_MIN: f32 = reinterpret<f32>(1), INV_T_MAX: f32 = reinterpret<f32>(0x7F7FFFFF);

/** What a row's passes found besides their result: the student's and the
 *  teacher's Σ exp (f64), for jsd K = KL(Ps‖M), for reverse Σ es·D; the
 *  two maxes and the student's first max. Set by maxes, expPass, expRowOf
 *  and jsdPass, read right after, for the same row. */
namespace Row {
  export let ss: f64 = 0, st: f64 = 0, k: f64 = 0, d: f64 = 0;
  export let ms: f32 = 0, mt: f32 = 0, j: i32 = 0;
}

/**
 * The distillation loss of rows [r0, r1) and its gradient.
 * Takes: s (student logits, rows of `classes`); t (teacher logits, or
 * log-probabilities with logTeacher); target (i32 per row, 0: every row
 * kept); r0, r1; classes; ignoreIndex; divergence (0 forward, 1 reverse,
 * 2 jsd); temperature T > 0 (finite); beta in (0, 1) (jsd); logTeacher;
 * out (f32 per row, 0: none); partials (DISTILL_SLOTS f64 per block of rows,
 * zeroed by the caller, 0: none); grad (0: none; may be s); gradScale (the
 * reduction's scale); gradOut (f32 per row, 0: 1).
 * Writes: out[r] = T²·divergence (0 for an ignored row); adds it and 1 per
 * kept row into partials; grad's rows = gradScale·gradOut[r]·∂(T²·div)/∂s
 * (0 for an ignored row).
 * Accuracy: within the tolerance README.md states (section Accuracy); each
 * row's values do not depend on how the batch is split.
 * Range: any logits; a NaN, a +∞ or a row all −∞ on either side gives NaN
 * (as log_softmax does); teacher log-probabilities up to 88 (exp's range).
 * A target neither a class nor ignoreIndex is taken as ignoreIndex (targets.ts).
 * State: none across calls. Uses two rows of scratch: the instance's block
 * where they fit, else the row setAside lent (2·classes floats; spareAt in
 * lanes.ts); the first is the gradient's row itself where that is not s.
 */
export function distillation(
  s: usize, t: usize, target: usize, r0: i32, r1: i32, classes: i32, ignoreIndex: i32, divergence: i32,
  temperature: f64, beta: f64, logTeacher: bool, out: usize, partials: usize, grad: usize, gradScale: f64, gradOut: usize,
): void {
  const invS = <f32>max(min(1 / temperature, <f64>INV_T_MAX), <f64>INV_T_MIN);
  const invT: f32 = logTeacher ? 1 : invS;
  const tt = temperature * temperature, n = classes, bytes = <usize>n << 2;
  const rows = 2 * n <= scratchBytes() >> 2 ? lanesSlot(0) : spareAt(2 * n), e1 = rows + bytes;
  for (let r = r0; r < r1; r++) {
    const sr = at(s, r * n), tr = at(t, r * n), gr = at(grad, r * n);
    // the student's exps go where its gradient will (one row less to keep in cache), but in place
    const e0 = grad && grad != s ? gr : rows;
    if (target && targetAt(target, r, n, ignoreIndex) == ignoreIndex) {
      if (out) store<f32>(at(out, r), 0);
      if (grad) memory.fill(gr, 0, bytes);
      continue;
    }
    if (logTeacher) Row.ms = rowMax(sr, n);
    else if (divergence == REVERSE) maxes(sr, tr, n, true);
    else maxes(sr, tr, n, false);
    const ms = Row.ms, mt: f32 = logTeacher ? 0 : Row.mt;
    let v: f64, a: f64, shift: f64 = 0;
    if (divergence == FORWARD) v = expPass(sr, tr, e0, e1, n, ms, mt, invS, invT, mt, FORWARD);
    else if (divergence == REVERSE) {
      // zs − zt about the teacher's logit where the student's mass is (its first
      // max), not the teacher's max: differences there are small and exact,
      // where about a far max they would keep only f32's ulp of a large number
      // (a teacher's −∞ or NaN there makes the row +∞ or NaN: then about its max)
      const j = logTeacher ? firstEqual(sr, n, ms) : Row.j, tj: f32 = j < n ? load<f32>(at(tr, j)) : mt, ref = tj - tj == 0 ? tj : mt;
      shift = (<f64>ref - <f64>mt) * invT;
      v = expPass(sr, tr, e0, e1, n, ms, mt, invS, invT, ref, REVERSE);
    } else v = expPass(sr, tr, e0, e1, n, ms, mt, invS, invT, mt, JSD);
    const ls = Math.log(Row.ss), lt = logTeacher ? 0 : Math.log(Row.st);
    const kappa = logTeacher ? 1 : 1 / Row.st, mass = kappa * Row.st; // mass: Σ Pt (1 for logits)
    if (divergence == FORWARD) v = kappa * v + mass * (ls - lt);
    else if (divergence == REVERSE) v = v / Row.ss - ls + lt - shift; // Σ Ps·(zs − zt) = Σ Ps·D − shift
    else {
      v = jsdPass(sr, tr, e0, e1, n, ms, mt, invS, invT, beta * kappa * Row.ss, 1 - beta);
      v = beta * kappa * v + beta * mass * (ls - lt) + (1 - beta) * Row.k;
    }
    const value = tt * v;
    if (out) store<f32>(at(out, r), <f32>value);
    addPartial(partials, r, DISTILL_SLOTS, 0, value);
    addPartial(partials, r, DISTILL_SLOTS, 1, 1);
    if (!grad) continue;
    // T·gradScale·gradOut[r], the factor of every gradient above
    a = temperature * gradScale * (gradOut ? <f64>load<f32>(at(gradOut, r)) : 1);
    if (divergence == FORWARD) gradPass(e0, e1, gr, n, <f32>(a * mass / Row.ss), <f32>(a * kappa), 0, false);
    else if (divergence == REVERSE) gradPass(e0, e1, gr, n, <f32>(a / Row.ss), 0, <f32>(ls - lt + v + shift), true);
    else gradPass(e0, e1, gr, n, <f32>(a * (1 - beta) / Row.ss), 0, <f32>Row.k, true);
  }
}

/**
 * Both rows' maxes in one pass (NaN skipped, as rowMax), and with `first`
 * the student's first max too, which reverse's firstEqual scan took after
 * rowMax: at 100 classes the two max passes and the scan were ~20% of a
 * row (docs/kernel-notes.md). Blocks of 16 as argmax.ts's pairPass: each
 * lane's max and the first block start where it rose, then blockFirst.
 * Takes: s, t, n, first (a compile-time constant). State: sets Row.ms,
 * Row.mt, and with first Row.j (< n where the row holds a number; a row
 * of NaN may give any j, callers check j < n).
 */
function maxes(s: usize, t: usize, n: i32, first: bool): void {
  if (ASC_FEATURE_SIMD && n >= 16) {
    const last = n - 16;
    let ma = f32x4.splat(-Infinity), sa = i32x4.splat(0), mb = ma;
    let i = 0;
    do {
      // the last block overlaps the one before (an element seen twice moves no start earlier)
      const o = min(i, last), p = at(s, o), q = at(t, o);
      const m = f32x4.pmax(f32x4.pmax(v128.load(p), v128.load(p, 16)), f32x4.pmax(v128.load(p, 32), v128.load(p, 48)));
      if (first) sa = i32x4.max_s(sa, v128.and(f32x4.lt(ma, m), i32x4.splat(o)));
      ma = f32x4.pmax(ma, m);
      mb = f32x4.pmax(mb, f32x4.pmax(f32x4.pmax(v128.load(q), v128.load(q, 16)), f32x4.pmax(v128.load(q, 32), v128.load(q, 48))));
      i += 16;
    } while (i < n);
    Row.ms = hmax(ma);
    Row.mt = hmax(mb);
    if (first) Row.j = blockFirst(s, ma, sa);
  } else {
    Row.ms = rowMax(s, n);
    Row.mt = rowMax(t, n);
    if (first) Row.j = firstEqual(s, n, Row.ms);
  }
}

/**
 * The exp passes of a row of n: es = exp(zs) into e0, then et = exp(zt) with
 * zs = (s − ms)·invS and zt = (t − mt)·invT, their sums into Row.ss and
 * Row.st, and what the divergence keeps at e1 for later: et (forward, jsd)
 * or D = zs − (t − ref)·invT (reverse; 0 where es = 0), which is zs − zt
 * less the row constant (ref − mt)·invT. Two loops, one exp each: with both
 * exps in one, its constants and accumulators did not fit the 16 vector
 * registers, and that loop measured slower than these two. Reverse takes D
 * in the student's loop, where zs and es are in registers, and the
 * teacher's is a plain sum (docs/kernel-notes.md).
 * Takes: s, t, e0, e1, n, ms, mt, invS, invT, ref, kind (a compile-time constant).
 * Returns: Σ et·(zt − zs) (forward), Σ es·D (reverse), 0 (jsd), each
 * term 0 where its exp is. These sums and the exps' are taken as in
 * sum_exp.ts: f32 blocks of SUM_BLOCK per lane added into f64 totals (f64
 * per vector, as jsdPass's add64, cost 5–10%: docs/kernel-notes.md); the
 * last n % 4 in f64.
 * Accuracy: each exp ≤ 2 ULP; z carries the roundings of x − m and of the
 * product. State: sets Row.ss, Row.st.
 */
@inline function expPass(
  s: usize, t: usize, e0: usize, e1: usize, n: i32, ms: f32, mt: f32, invS: f32, invT: f32, ref: f32, kind: i32,
): f64 {
  if (kind == REVERSE) {
    // invT is invS (logits) or 1 (log-probabilities): the loop takes the
    // student's constant or none for it (one register fewer: docs/kernel-notes.md)
    if (invT == invS) Row.ss = expRowOf(s, e0, n, ms, invS, t, e1, ref, true, true, true);
    else Row.ss = expRowOf(s, e0, n, ms, invS, t, e1, ref, true, true, false);
    Row.st = expRowOf(t, 0, n, mt, invT, 0, 0, 0, false, false, false);
    return Row.d;
  }
  Row.ss = expRowOf(s, e0, n, ms, invS, 0, 0, 0, true, false, false);
  let st: f64 = 0, acc: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vms = f32x4.splat(ms), vmt = f32x4.splat(mt), vs = f32x4.splat(invS), vt = f32x4.splat(invT);
    const magic = f32x4.splat(magicOf(0)), floor = f32x4.splat(floorOf(0));
    const whole = n & ~3;
    while (i < whole) {
      const end = min(i + SUM_BLOCK, whole);
      let b = f32x4.splat(0), c = f32x4.splat(0);
      do { // do-while: see CONSTANT_LOOPS in simd.ts
        const zs = f32x4.mul(f32x4.sub(v128.load(at(s, i)), vms), vs);
        const zt = f32x4.mul(f32x4.sub(v128.load(at(t, i)), vmt), vt);
        // exp's flush mask is where et = 0 (an exp at or above the floor is normal): one compare for both
        const under = f32x4.lt(zt, floor), et = v128.andnot(expUnflushedv(zt, magic), under);
        b = f32x4.add(b, et);
        if (kind == FORWARD) {
          c = f32x4.add(c, v128.andnot(f32x4.mul(et, f32x4.sub(zt, zs)), under));
          v128.store(at(e1, i), et);
        } else v128.store(at(e1, i), et);
        i += 4;
      } while (i < end);
      st += hsum64(b);
      if (kind == FORWARD) acc += hsum64(c);
    }
  }
  for (; i < n; i++) {
    const zs = (load<f32>(at(s, i)) - ms) * invS, zt = (load<f32>(at(t, i)) - mt) * invT;
    const et = expScaleds(zt, 0);
    st += et;
    if (kind == FORWARD) {
      if (et != 0) acc += <f64>(et * (zt - zs));
      store<f32>(at(e1, i), et);
    } else store<f32>(at(e1, i), et);
  }
  Row.st = st;
  return acc;
}

/**
 * e = exp((x − m)·inv) over a row of n, stored at e with `keep`; returns
 * Σ e (f64). With `diff` (reverse's student pass: x the student, t the
 * teacher) also D = z − (t − ref)·invT, 0 where e is, stored at d, and
 * Σ e·D into Row.d, with invT = inv where `scaled`, else 1. Sums as expPass.
 * Takes: x, e, n, m, inv, t, d, ref, keep, diff, scaled (keep, diff and
 * scaled compile-time constants).
 * Accuracy: as expPass. State: with diff, sets Row.d.
 */
@inline function expRowOf(
  x: usize, e: usize, n: i32, m: f32, inv: f32, t: usize, d: usize, ref: f32, keep: bool, diff: bool, scaled: bool,
): f64 {
  let total: f64 = 0, acc: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m), vi = f32x4.splat(inv), magic = f32x4.splat(magicOf(0)), floor = f32x4.splat(floorOf(0));
    const vr = f32x4.splat(ref);
    const whole = n & ~3;
    while (i < whole) {
      const end = min(i + SUM_BLOCK, whole);
      let a = f32x4.splat(0), c = a;
      do { // do-while: see CONSTANT_LOOPS in simd.ts
        const z = f32x4.mul(f32x4.sub(v128.load(at(x, i)), vm), vi);
        const under = f32x4.lt(z, floor), v = v128.andnot(expUnflushedv(z, magic), under); // as expPass
        a = f32x4.add(a, v);
        if (keep) v128.store(at(e, i), v);
        if (diff) {
          const w = f32x4.sub(v128.load(at(t, i)), vr), zr = scaled ? f32x4.mul(w, vi) : w;
          const dv = v128.andnot(f32x4.sub(z, zr), under);
          c = f32x4.add(c, f32x4.mul(v, dv));
          v128.store(at(d, i), dv);
        }
        i += 4;
      } while (i < end);
      total += hsum64(a);
      if (diff) acc += hsum64(c);
    }
  }
  for (; i < n; i++) {
    const z = (load<f32>(at(x, i)) - m) * inv;
    const v = expScaleds(z, 0);
    total += v;
    if (keep) store<f32>(at(e, i), v);
    if (diff) {
      const w = load<f32>(at(t, i)) - ref;
      const dv: f32 = v != 0 ? z - (scaled ? w * inv : w) : 0;
      acc += <f64>(v * dv);
      store<f32>(at(d, i), dv);
    }
  }
  if (diff) Row.d = acc;
  return total;
}

/** acc + the four lanes of v in f64, as two lanes (0 + 2, 1 + 3): jsd's
 *  sums of terms as large as the logits, kept in f64 per vector (jsd was
 *  not measured with f32 blocks; forward and reverse take them, within
 *  their tolerance: docs/kernel-notes.md). Takes: acc (f64x2), v (f32x4).
 *  State: none. */
@inline function add64(acc: v128, v: v128): v128 {
  return f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(v), promoteHigh(v)));
}

/**
 * jsd's second pass over a row of n, from expPass's es at e0 and et at e1:
 * u = wt·et + ws·es (the mixture times Ss), then Σ et·(zt − log u) (returned)
 * and K = Σ es·(zs − log u)/Ss (into Row.k), each term 0 where its exp is;
 * leaves r = zs − log u at e1 (0 where es = 0) for the gradient.
 * Takes: s, t, e0, e1, n, ms, mt, invS, invT (z as in expPass), wt = β·κ·Ss,
 * ws = 1 − β. Returns: the first sum, in f64.
 * Accuracy: log ~1 ULP; sums as in expPass. State: reads Row.ss, sets Row.k.
 */
function jsdPass(s: usize, t: usize, e0: usize, e1: usize, n: i32, ms: f32, mt: f32, invS: f32, invT: f32, wt: f64, ws: f64): f64 {
  let accT: f64 = 0, accS: f64 = 0;
  const ft = <f32>wt, fs = <f32>ws;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vms = f32x4.splat(ms), vmt = f32x4.splat(mt), vs = f32x4.splat(invS), vt = f32x4.splat(invT);
    const wtv = f32x4.splat(ft), wsv = f32x4.splat(fs), zero = f32x4.splat(0);
    const whole = n & ~3;
    while (i < whole) {
      const end = min(i + SUM_BLOCK, whole);
      let a = f64x2.splat(0), b = a;
      do { // do-while: see CONSTANT_LOOPS in simd.ts
        const es = v128.load(at(e0, i)), et = v128.load(at(e1, i));
        const lu = logv(f32x4.add(f32x4.mul(wtv, et), f32x4.mul(wsv, es)));
        const zs = f32x4.mul(f32x4.sub(v128.load(at(s, i)), vms), vs);
        const zt = f32x4.mul(f32x4.sub(v128.load(at(t, i)), vmt), vt);
        a = add64(a, v128.andnot(f32x4.mul(et, f32x4.sub(zt, lu)), f32x4.eq(et, zero)));
        const rs = v128.andnot(f32x4.sub(zs, lu), f32x4.eq(es, zero));
        b = add64(b, f32x4.mul(es, rs));
        v128.store(at(e1, i), rs);
        i += 4;
      } while (i < end);
      accT += hsum2(a);
      accS += hsum2(b);
    }
  }
  for (; i < n; i++) {
    const es = load<f32>(at(e0, i)), et = load<f32>(at(e1, i));
    const lu = logs(ft * et + fs * es);
    const zs = (load<f32>(at(s, i)) - ms) * invS, zt = (load<f32>(at(t, i)) - mt) * invT;
    if (et != 0) accT += <f64>(et * (zt - lu));
    const rs: f32 = es != 0 ? zs - lu : 0;
    accS += <f64>(es * rs);
    store<f32>(at(e1, i), rs);
  }
  Row.k = accS / Row.ss;
  return accT;
}

/**
 * A row's gradient into g from e0 and e1: e0·a − e1·b (forward), or with
 * `product` e0·a·(e1 − k) (reverse, jsd). g may be the student row (read
 * only by the passes before). Takes: e0, e1, g, n, a, b, k, product (a
 * compile-time constant). Accuracy: two or three roundings. State: none.
 */
@inline function gradPass(e0: usize, e1: usize, g: usize, n: i32, a: f32, b: f32, k: f32, product: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a), vb = f32x4.splat(b), vk = f32x4.splat(k);
    for (; i + 4 <= n; i += 4) {
      const x = v128.load(at(e0, i)), y = v128.load(at(e1, i));
      const v = product ? f32x4.mul(f32x4.mul(x, va), f32x4.sub(y, vk)) : f32x4.sub(f32x4.mul(x, va), f32x4.mul(y, vb));
      v128.store(at(g, i), v);
    }
  }
  for (; i < n; i++) {
    const x = load<f32>(at(e0, i)), y = load<f32>(at(e1, i));
    store<f32>(at(g, i), product ? x * a * (y - k) : x * a - y * b);
  }
}
