// The plain-JavaScript baseline: the straightforward loops a user would write
// (row max, sum of Math.exp, Math.log), one function per benchmarked operation.
// Same reductions as simdloss's defaults: 'mean' over rows or elements. It is a
// candidate module like any other (see the README's "Benchmark your own
// backend"): the API's function names and signatures, for the calls the
// benchmark makes. Every other candidate's × JS is its speed over this one's.

export const name = 'baseline';
export const mode = 'loops';
export const threads = 1;

export function logSumExp(x, classes, out = new Float32Array(x.length / classes)) {
  const rows = out.length;
  for (let r = 0; r < rows; r++) {
    const start = r * classes,
      end = start + classes;
    let max = -Infinity;
    for (let i = start; i < end; i++) if (x[i] > max) max = x[i];
    let sum = 0;
    for (let i = start; i < end; i++) sum += Math.exp(x[i] - max);
    out[r] = max + Math.log(sum);
  }
  return out;
}

export function softmax(x, classes) {
  const out = new Float32Array(x.length);
  for (let start = 0; start < x.length; start += classes) {
    const end = start + classes;
    let max = -Infinity;
    for (let i = start; i < end; i++) if (x[i] > max) max = x[i];
    let sum = 0;
    for (let i = start; i < end; i++) {
      out[i] = Math.exp(x[i] - max);
      sum += out[i];
    }
    for (let i = start; i < end; i++) out[i] /= sum;
  }
  return out;
}

export function logSoftmax(x, classes) {
  const out = new Float32Array(x.length);
  for (let start = 0; start < x.length; start += classes) {
    const end = start + classes;
    let max = -Infinity;
    for (let i = start; i < end; i++) if (x[i] > max) max = x[i];
    let sum = 0;
    for (let i = start; i < end; i++) sum += Math.exp(x[i] - max);
    const lse = max + Math.log(sum);
    for (let i = start; i < end; i++) out[i] = x[i] - lse;
  }
  return out;
}

/** First index of each row's maximum: the plain loop (it does not look for NaN). */
export function argmax(x, classes, out = new Int32Array(x.length / classes)) {
  const rows = out.length;
  for (let r = 0; r < rows; r++) {
    const start = r * classes,
      end = start + classes;
    let max = x[start],
      best = start;
    for (let i = start + 1; i < end; i++) {
      if (x[i] > max) {
        max = x[i];
        best = i;
      }
    }
    out[r] = best - start;
  }
  return out;
}

/** Mean cross-entropy: class-index targets (an integer array) or probabilities (a Float32Array). */
export function crossEntropy(logits, target, classes) {
  return target instanceof Float32Array ? crossEntropyProbs(logits, target, classes) : crossEntropyIndices(logits, target, classes);
}

function crossEntropyIndices(logits, target, classes) {
  const rows = target.length;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const start = r * classes,
      end = start + classes;
    let max = -Infinity;
    for (let i = start; i < end; i++) if (logits[i] > max) max = logits[i];
    let sum = 0;
    for (let i = start; i < end; i++) sum += Math.exp(logits[i] - max);
    loss += max + Math.log(sum) - logits[start + target[r]];
  }
  return loss / rows;
}

/** Mean cross-entropy against probability targets q: Σ q·(lse − x) per row. */
function crossEntropyProbs(logits, q, classes) {
  const rows = logits.length / classes;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const start = r * classes,
      end = start + classes;
    let max = -Infinity;
    for (let i = start; i < end; i++) if (logits[i] > max) max = logits[i];
    let sum = 0;
    for (let i = start; i < end; i++) sum += Math.exp(logits[i] - max);
    const lse = max + Math.log(sum);
    for (let i = start; i < end; i++) loss += q[i] * (lse - logits[i]);
  }
  return loss / rows;
}

/** Mean cross-entropy and its gradient (softmax − one-hot) / rows, into opts.grad if given. */
export function crossEntropyWithGrad(logits, target, classes, { grad = new Float32Array(logits.length) } = {}) {
  const rows = target.length;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const start = r * classes,
      end = start + classes;
    let max = -Infinity;
    for (let i = start; i < end; i++) if (logits[i] > max) max = logits[i];
    let sum = 0;
    for (let i = start; i < end; i++) {
      grad[i] = Math.exp(logits[i] - max);
      sum += grad[i];
    }
    loss += max + Math.log(sum) - logits[start + target[r]];
    for (let i = start; i < end; i++) grad[i] = grad[i] / sum / rows;
    grad[start + target[r]] -= 1 / rows;
  }
  return { loss: loss / rows, grad };
}

export function nllLoss(logProbs, target, classes) {
  let loss = 0;
  for (let r = 0; r < target.length; r++) loss -= logProbs[r * classes + target[r]];
  return loss / target.length;
}

/** PyTorch's kl_div, 'mean' over every element; target · log target is 0 where target is 0. */
export function klDiv(input, target) {
  let loss = 0;
  for (let i = 0; i < input.length; i++) {
    if (target[i] > 0) loss += target[i] * (Math.log(target[i]) - input[i]);
  }
  return loss / input.length;
}

export function mseLoss(input, target) {
  let loss = 0;
  for (let i = 0; i < input.length; i++) loss += (input[i] - target[i]) ** 2;
  return loss / input.length;
}

/** The stable form: max(x, 0) − x·y + log(1 + exp(−|x|)). */
export function binaryCrossEntropyWithLogits(input, target) {
  let loss = 0;
  for (let i = 0; i < input.length; i++) {
    const x = input[i];
    loss += Math.max(x, 0) - x * target[i] + Math.log1p(Math.exp(-Math.abs(x)));
  }
  return loss / input.length;
}
