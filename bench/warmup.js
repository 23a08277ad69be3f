// The guards every timing goes through, in Node (measure.js, benchmark.js) and
// on the web page (web/measure.js): a sink that every result is stored in, so
// that no call is dead code to the JIT, and a warm-up that calls a function
// until its time per call has settled (V8 moves a hot function from its
// interpreter through Sparkplug and Maglev to TurboFan: timing before the last
// tier is timing the compiler). Plain ESM with no Node imports.
//
//   warmup = { batchSeconds, minSeconds, maxSeconds }
//     calls are made in batches of at least batchSeconds; the warm-up ends when
//     the fastest batch of its second half is no more than SPREAD faster than the
//     fastest of its first half (after minSeconds at least), or after maxSeconds
//     (settled: false). V8 tiers up in steps, with plateaus between them (the copy
//     path of a 64×10 logSumExp: ~5 µs a call for half a second, then ~2.9): a
//     speed that no longer improves over as long again as it took to reach it is
//     the criterion that does not stop on a plateau.

const SPREAD = 0.03;

/** Where results go: module state the JIT cannot see the end of. */
export let sink;

/** Keeps a result (benchmark.js's timed function stores through this). */
export function keep(value) {
  sink = value;
}

/** Calls fn n times, each result into the sink: seconds per call. */
export function batch(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink = fn();
  return (performance.now() - t0) / 1000 / n;
}

/**
 * Warms fn up (callSeconds: its first call's time, to size the batches):
 * { seconds, batches, calls (per batch), settled, perCall (the last batch's seconds per call) }.
 */
export function warmUp(fn, { batchSeconds, minSeconds, maxSeconds }, callSeconds) {
  // a first call under the clock's resolution (browsers coarsen it to 0.1–1 ms) says
  // nothing of its length: start from one call and let the batches grow
  let n = callSeconds > 0 ? Math.max(1, Math.ceil(batchSeconds / callSeconds)) : 1;
  const times = []; // { at: seconds since the start, perCall }
  const t0 = performance.now();
  let settled = false;
  for (;;) {
    const perCall = batch(fn, n);
    const elapsed = (performance.now() - t0) / 1000;
    if (perCall * n < batchSeconds * 0.9) {
      n = Math.ceil(n * Math.min(10, (1.1 * batchSeconds) / Math.max(perCall * n, 1e-6))); // too short to tell: grow it
    } else {
      times.push({ at: elapsed, perCall });
      const fastest = (list) => Math.min(...list.map((t) => t.perCall));
      const first = times.filter((t) => t.at <= elapsed / 2),
        second = times.filter((t) => t.at > elapsed / 2);
      settled = first.length >= 2 && second.length >= 2 && fastest(second) >= (1 - SPREAD) * fastest(first);
    }
    if ((settled && elapsed >= minSeconds) || elapsed >= maxSeconds) {
      return { seconds: elapsed, batches: times.length, calls: n, settled, perCall };
    }
  }
}
