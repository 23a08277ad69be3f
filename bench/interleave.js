// The timing loop of the bench/*-ab.js scripts: candidates timed interleaved
// in one process (A B C …, A B C …) on one thread, so that a shared machine's
// drift reaches them alike. Per round each candidate makes the same number of
// calls; the scripts quote medians of the per-round ratios, by wall clock and
// by the process's CPU time (which another busy core disturbs less).

/** The process's CPU time so far, in ms. */
export function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}

export const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];

/**
 * Warms every candidate up with `reps` calls, then times `rounds` rounds of
 * `reps` calls each, candidate after candidate. Returns, per candidate, its
 * wall-clock and CPU milliseconds of each round.
 */
export function interleave(candidates, rounds, reps) {
  const names = Object.keys(candidates);
  for (const name of names) for (let i = 0; i < reps; i++) candidates[name]();
  const wall = {},
    cpu = {};
  for (const name of names) {
    wall[name] = [];
    cpu[name] = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const c0 = cpuMs(),
        t0 = performance.now();
      for (let i = 0; i < reps; i++) candidates[name]();
      wall[name].push(performance.now() - t0);
      cpu[name].push(cpuMs() - c0);
    }
  }
  return { wall, cpu };
}

/** Per round, a's throughput over b's: b's time over a's. */
export const speedups = (times, a, b) => times[a].map((ta, i) => times[b][i] / ta);

/** The median of a's throughput over b's. */
export const speedup = (times, a, b) => median(speedups(times, a, b));

/** Median throughput per round in Mlogits/s, for `logits` logits a round. */
export const rate = (times, name, logits) => median(times[name].map((ms) => logits / ms / 1e3));

/** A median ratio with its 2nd-lowest to 2nd-highest range. */
export function summary(ratios) {
  const s = ratios.slice().sort((x, y) => x - y),
    j = Math.min(1, s.length >> 2);
  return `${s[s.length >> 1].toFixed(3)}× (${s[j].toFixed(3)}–${s[s.length - 1 - j].toFixed(3)})`;
}
