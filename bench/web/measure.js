// The page's timing loop (benchmark.js needs globals and eval that a module
// worker does not give it): calls are timed in batches, each batch long enough
// for the clock (browsers coarsen performance.now() to 0.1–1 ms when a page is
// not cross-origin isolated), and a row's time is the median batch's time per
// call. Its ± is computed as benchmark.js's stats.rme is: the margin of error of
// the mean at 95% (Student's t), as a percentage of the mean.
//
//   timing = { batchSeconds, batches }   each batch lasts at least batchSeconds

/** Student's t at 95% (two-sided) for 1–30 degrees of freedom; 1.96 past that. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
/** Calibration batches before giving up on reaching batchSeconds (a clock that does not move). */
const MAX_CALIBRATIONS = 8;

/** Results land here, so no engine can drop a call whose result is unused. */
export let sink;

function batch(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink = fn();
  return (performance.now() - t0) / 1000;
}

/** Times fn: { seconds (median per call), rme (%), samples (batches), calls (per batch) }. */
export function measure(fn, timing, callSeconds) {
  const { batchSeconds, batches } = timing;
  // Calls per batch, from the first call's time (slow: JIT, first touch of memory),
  // then grown until a warm batch lasts batchSeconds; these batches are the warm-up.
  let n = Math.max(1, Math.ceil(batchSeconds / Math.max(callSeconds, 1e-6)));
  for (let i = 0; i < MAX_CALIBRATIONS; i++) {
    const t = batch(fn, n);
    if (t >= batchSeconds) break;
    n = Math.ceil(n * Math.min(10, (1.1 * batchSeconds) / Math.max(t, 1e-4)));
  }
  const sample = [];
  for (let i = 0; i < batches; i++) sample.push(batch(fn, n) / n);
  const sorted = [...sample].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = sample.reduce((a, b) => a + b, 0) / sample.length;
  const variance = sample.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, sample.length - 1);
  const sem = Math.sqrt(variance / sample.length);
  const rme = ((sem * (T95[sample.length - 2] ?? 1.96)) / mean) * 100;
  return { seconds: median, rme, samples: sample.length, calls: n };
}
