// Statistics for comparing two runs (compare.js) and for the web page's margin
// of error: Student's t distribution, Welch's t-test, and Fieller's confidence
// interval for a ratio of means. Plain ESM with no Node imports.

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 digits). */
function logGamma(x) {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the regularized incomplete beta function (Lentz's method). */
function betaFraction(a, b, x) {
  const tiny = 1e-300;
  let c = 1,
    d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
function incompleteBeta(x, a, b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(|T| ≥ |t|) for Student's t with df degrees of freedom (df may be fractional, as Welch's). */
export function twoSidedP(t, df) {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t with P(|T| ≥ t) = 1 − level (level 0.95: the two-sided 95% quantile). */
export function tQuantile(df, level = 0.95) {
  let lo = 0,
    hi = 1;
  while (twoSidedP(hi, df) > 1 - level) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (twoSidedP(mid, df) > 1 - level) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean, sample variance and size of a sample. */
export function summarize(sample) {
  const n = sample.length;
  const mean = sample.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? sample.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, variance };
}

/**
 * Welch's t-test of two samples of times per call (a: old, b: new), and the 95%
 * confidence interval, by Fieller's theorem, of the ratio mean(a) / mean(b), the
 * new speed over the old one. The interval excludes 1 exactly when the test's
 * p < 0.05 (low is cut at 0: times are positive). Needs at least two values
 * in each sample; high is Infinity where the new mean is not significantly above 0.
 */
export function welch(a, b, level = 0.95) {
  const A = summarize(a),
    B = summarize(b);
  const va = A.variance / A.n,
    vb = B.variance / B.n;
  const ratio = A.mean / B.mean;
  if (va + vb === 0)
    return { ratio, low: ratio, high: ratio, t: A.mean === B.mean ? 0 : Infinity, df: Infinity, p: A.mean === B.mean ? 1 : 0 };
  const t = (A.mean - B.mean) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (A.n - 1) + vb ** 2 / (B.n - 1));
  const q = tQuantile(df, level),
    q2 = q * q;
  // Fieller: the ρ with (mean(a) − ρ·mean(b))² ≤ q²·(va + ρ²·vb)
  const k = B.mean ** 2 - q2 * vb;
  const disc = q2 * (vb * A.mean ** 2 + va * B.mean ** 2) - q2 * q2 * va * vb;
  // k ≤ 0: mean(b) is not significantly above 0, and the set is unbounded; times are positive, so is ρ
  const low = k > 0 ? Math.max(0, (A.mean * B.mean - Math.sqrt(disc)) / k) : 0;
  const high = k > 0 ? (A.mean * B.mean + Math.sqrt(disc)) / k : Infinity;
  return { ratio, low, high, t, df, p: twoSidedP(t, df) };
}
