// One timing: a warm-up until the time per call settles (warmup.js), then
// benchmark.js, whose samples (seconds per call) are kept for --compare's
// t-test; the row's time is their median, its ± benchmark.js's relative margin
// of error (stats.rme, a percentage of the mean). Every result goes to a sink.
import Benchmark from 'benchmark';
import { keep, warmUp } from './warmup.js';

/** Fewest samples a slow row is cut down to (benchmark.js's error needs a few). */
const FLOOR_SAMPLES = 3;

/**
 * Times fn with `timing` = { warmup, ...benchmark.js options (maxTime, minSamples, ...) }.
 * A row whose single call is slow (callSeconds, from its first call) gets
 * fewer samples, down to 3: at most maxTime / callSeconds of them. A slow
 * sample is one call, and benchmark.js calls fn once more before each one.
 */
export function measure(fn, timing, callSeconds) {
  const { warmup, ...options } = timing;
  const warm = warmUp(fn, warmup, callSeconds);
  const minSamples = Math.max(FLOOR_SAMPLES, Math.min(options.minSamples, Math.floor(options.maxTime / warm.perCall)));
  const bench = new Benchmark(() => keep(fn()), { ...options, minSamples });
  bench.run();
  if (bench.error) throw bench.error;
  const sample = [...bench.stats.sample];
  const sorted = [...sample].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { seconds: median, rme: bench.stats.rme, samples: sample, warmup: { seconds: warm.seconds, settled: warm.settled } };
}
