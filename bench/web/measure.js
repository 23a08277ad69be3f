// The page's timing loop (benchmark.js needs globals and eval that a module
// worker does not give it): a warm-up until the time per call settles (the
// harness's, ../warmup.js, which also sizes the batches: each long enough for
// the clock, which browsers coarsen to 0.1–1 ms when a page is not cross-origin
// isolated), then timed batches; a row's time is the median batch's time per
// call, its samples the batches' times per call (as benchmark.js's, for
// --compare). Its ± is computed as benchmark.js's stats.rme is: the margin of
// error of the mean at 95% (Student's t), as a percentage of the mean.
//
//   timing = { batchSeconds, batches, warmup }   each batch lasts at least batchSeconds
import { batch, warmUp } from '../warmup.js';
import { summarize, tQuantile } from '../stats.js';

/** Times fn: { seconds (median per call), rme (%), samples (seconds per call, one per batch), calls (per batch), warmup }. */
export function measure(fn, timing, callSeconds) {
  const { batchSeconds, batches, warmup } = timing;
  const warm = warmUp(fn, { ...warmup, batchSeconds }, callSeconds);
  const sample = [];
  for (let i = 0; i < batches; i++) sample.push(batch(fn, warm.calls));
  const sorted = [...sample].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const { n, mean, variance } = summarize(sample);
  const rme = ((Math.sqrt(variance / n) * tQuantile(n - 1)) / mean) * 100;
  return { seconds: median, rme, samples: sample, calls: warm.calls, warmup: { seconds: warm.seconds, settled: warm.settled } };
}
