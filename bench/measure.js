// One timing with benchmark.js: the median of its samples (seconds per call)
// and its relative margin of error (stats.rme, a percentage of the mean).
import Benchmark from 'benchmark';

/** Fewest samples a slow row is cut down to (benchmark.js's error needs a few). */
const FLOOR_SAMPLES = 3;

/**
 * Times fn with benchmark.js options `timing` (maxTime, minSamples, ...).
 * A row whose single call is slow (callSeconds, from its first call) gets
 * fewer samples, down to 3: at most maxTime / callSeconds of them. A slow
 * sample is one call, and benchmark.js calls fn once more before each one.
 */
export function measure(fn, timing, callSeconds) {
  const minSamples = Math.max(FLOOR_SAMPLES, Math.min(timing.minSamples, Math.floor(timing.maxTime / callSeconds)));
  const bench = new Benchmark(fn, { ...timing, minSamples });
  bench.run();
  if (bench.error) throw bench.error;
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  const mid = sample.length >> 1;
  const median = sample.length % 2 ? sample[mid] : (sample[mid - 1] + sample[mid]) / 2;
  return { seconds: median, rme: bench.stats.rme, samples: sample.length };
}
