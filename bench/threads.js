// npm run bench:threads [-- --threads N] [--rounds R] [--seconds S] [--backend simd]
//
// The worker pool's parallel efficiency: one call's throughput on a pool of N
// threads, over the summed throughput of N independent one-thread instances
// running at the same time, each in a worker thread of its own (what the
// cores can give). On a machine whose cores are unequal a plain speed-up over
// one thread says more about which core that thread got; the efficiency does
// not. Also prints the plain speed-up, and 64×10 (a call the pool must leave
// on the calling thread: within noise of one thread). Rounds alternate the
// configurations (A B A B …) and each figure is the median over the rounds.
import { Worker, isMainThread } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { init } from '../dist/index.js';
import { uniform } from './data.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: String(availableParallelism()) },
    // Many short rounds: a shared machine's hiccups hit single rounds, which the median leaves out.
    rounds: { type: 'string', default: '25' },
    seconds: { type: 'string', default: '0.15' },
    backend: { type: 'string', default: 'simd' },
  },
});
const THREADS = Number(values.threads),
  ROUNDS = Number(values.rounds),
  SECONDS = Number(values.seconds),
  BACKEND = values.backend;
const SHAPES = [
  [1024, 1000],
  [128, 32000],
  [16384, 100],
  [64, 10],
];

/** The calls timed, on one kernel: inputs made once, plain or in kernel memory. */
function workload(k, rows, classes, where) {
  const x0 = uniform(rows * classes, -5, 5, 1);
  const t0 = Int32Array.from({ length: rows }, (_, r) => (r * 7) % classes);
  const place = (a) => {
    if (where === 'plain') return a;
    const v = a instanceof Int32Array ? k.i32(a.length) : k.f32(a.length);
    v.set(a);
    return v;
  };
  const x = place(x0),
    t = place(t0),
    grad = place(new Float32Array(x0.length));
  return {
    crossEntropy: () => k.crossEntropy(x, t, classes),
    crossEntropyWithGrad: () => k.crossEntropyWithGrad(x, t, classes, { grad }).loss,
  };
}

/** Calls per second of f over about `seconds`. */
function rate(f, seconds) {
  f();
  let n = 0;
  const t0 = performance.now();
  let t;
  do {
    f();
    n++;
    t = performance.now() - t0;
  } while (t < seconds * 1000);
  return n / (t / 1000);
}

// A worker: one one-thread instance timing the same call as the others, started together.
const WORKER = `
import { parentPort, workerData } from 'node:worker_threads';
const { init } = await import(workerData.url);
const k = await init({ backend: workerData.backend });
const { workload, rate } = await import(workerData.self);
const f = workload(k, workerData.rows, workerData.classes, workerData.where)[workerData.op];
parentPort.on('message', (go) => {
  if (go === 'stop') return process.exit(0);
  parentPort.postMessage(rate(f, workerData.seconds));
});
parentPort.postMessage('ready');
`;

/** n one-thread instances in their own worker threads, each ready to time op on a signal. */
async function independents(n, rows, classes, where, op) {
  const data = {
    url: new URL('../dist/index.js', import.meta.url).href,
    self: import.meta.url,
    backend: BACKEND,
    rows,
    classes,
    where,
    op,
    seconds: SECONDS,
  };
  const workers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`), { workerData: data });
          w.once('message', () => resolve(w));
          w.once('error', reject);
        }),
    ),
  );
  return {
    /** Summed calls per second of all instances timing at once. */
    async run() {
      const rates = await Promise.all(
        workers.map(
          (w) =>
            new Promise((resolve) => {
              w.once('message', resolve);
              w.postMessage('go');
            }),
        ),
      );
      return rates.reduce((a, b) => a + b, 0);
    },
    stop: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export { workload, rate };

async function main() {
  const one = await init({ backend: BACKEND }),
    pool = await init({ backend: BACKEND, threads: THREADS });
  console.log(`# parallel efficiency, ${BACKEND}, ${pool.threads} threads, median of ${ROUNDS} rounds (Mlogits/s)\n`);
  console.log('| op | shape | arrays | 1 thread | pool | independent ×N | efficiency | speed-up |');
  console.log('|---|---|---|--:|--:|--:|--:|--:|');
  for (const [rows, classes] of SHAPES) {
    for (const op of ['crossEntropy', 'crossEntropyWithGrad']) {
      for (const where of ['zero-copy', 'plain']) {
        const f1 = workload(one, rows, classes, where)[op],
          fp = workload(pool, rows, classes, where)[op];
        const ind = await independents(pool.threads, rows, classes, where, op);
        const r1 = [],
          rp = [],
          ri = [];
        for (let round = 0; round < ROUNDS; round++) {
          r1.push(rate(f1, SECONDS));
          rp.push(rate(fp, SECONDS));
          ri.push(await ind.run());
        }
        await ind.stop();
        const m = (x) => (median(x) * rows * classes) / 1e6;
        const eff = median(rp.map((p, i) => p / ri[i])),
          up = median(rp.map((p, i) => p / r1[i]));
        console.log(
          `| ${op} | ${rows}×${classes} | ${where} | ${m(r1).toFixed(0)} | ${m(rp).toFixed(0)} | ${m(ri).toFixed(0)} | ${eff.toFixed(2)} | ${up.toFixed(2)}× |`,
        );
      }
    }
  }
  pool.dispose();
}

if (isMainThread) await main();
