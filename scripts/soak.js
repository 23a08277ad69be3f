// npm run soak [-- --calls N] [--seed S] [--backends a,b] [--quiet]
//
// A long mixed run: N calls (default 10⁶) of every operation, good and bad, on
// several backends at once, with zero-copy views allocated, used and freed along
// the way. Checks as it goes that
//   - every bad call throws the TypeError / RangeError the README promises, and the
//     kernel keeps working;
//   - good calls on the wasm backends agree with the js backend (a sample);
// and at the end that memory is flat: after a warm-up, the JS heap (after a
// full GC), the RSS and each kernel's wasm memory do not grow (beyond a
// margin), and the kernel allocator holds no leaked block. Prints a report;
// exits 1 on any failure.
import v8 from 'node:v8';
import vm from 'node:vm';
import { init } from '../dist/index.js';
import { close } from '../bench/check.js';
import { generator } from '../bench/data.js';

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = { calls: 1_000_000, seed: 1, backends: null, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--calls')) o.calls = Number(value().replace(/_/g, ''));
    else if (a.startsWith('--seed')) o.seed = Number(value());
    else if (a.startsWith('--backends')) o.backends = value().split(',');
    else if (a === '--quiet') o.quiet = true;
    else throw new Error(`unknown argument ${a} (expected --calls N, --seed S, --backends a,b, --quiet)`);
  }
  if (!Number.isInteger(o.calls) || o.calls < 1000) throw new Error('--calls must be an integer ≥ 1000');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const log = (...a) => {
  if (!opts.quiet) console.log(...a);
};

// A full GC on demand, without asking for node --expose-gc; and relaxed SIMD,
// which Node 20 runs only behind a flag (set before any module is compiled).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
if (Number(process.versions.node.split('.')[0]) < 22) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

// ---------------------------------------------------------------- randomness

const random = generator(opts.seed >>> 0 || 1);
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const chance = (p) => random() < p;

/** Logits-like values: mostly moderate, sometimes huge, −∞ or NaN. */
function logits(n) {
  const x = new Float32Array(n);
  const scale = pick([1, 5, 30]);
  for (let i = 0; i < n; i++) {
    const u = random();
    x[i] = u < 0.003 ? -Infinity : u < 0.005 ? NaN : u < 0.01 ? pick([1e4, -1e4]) : (2 * random() - 1) * scale;
  }
  return x;
}
const uniform = (n, lo = 0, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * random());
function rowSoftmax(x, C, log) {
  const y = new Float32Array(x.length);
  for (let o = 0; o < x.length; o += C) {
    let m = -Infinity,
      s = 0;
    for (let i = o; i < o + C; i++) if (x[i] > m) m = x[i];
    if (m === -Infinity) m = 0;
    for (let i = o; i < o + C; i++) s += Math.exp(x[i] - m);
    for (let i = o; i < o + C; i++) y[i] = log ? x[i] - m - Math.log(s) : Math.exp(x[i] - m) / s;
  }
  return y;
}
const indexTargets = (rows, C, ignore = -100) => Int32Array.from({ length: rows }, () => (chance(0.05) ? ignore : int(0, C - 1)));

// ----------------------------------------------------------------- the calls

/** A batch shape: classes, N, spatial; rows = N·spatial. */
function shape() {
  const classes = pick([1, 2, 3, 5, 8, 10, 17, 31, 64, 100, 257]);
  const spatial = chance(0.15) ? int(2, 4) : 1;
  const n = int(1, Math.max(1, Math.floor(Math.min(32, 2048 / classes) / spatial)));
  return { classes, spatial, n, rows: n * spatial, length: n * spatial * classes };
}
const reduction = () => pick(['mean', 'sum', 'none']);

class LyingLength extends Float32Array {
  get length() {
    return 1e6;
  }
}

/** Good calls: [op, args]. Values stay where every backend must agree (README.md, Accuracy). */
const GOOD = [
  ...['logSumExp', 'softmax', 'logSoftmax', 'argmax'].map((op) => () => {
    const s = shape();
    return [op, [logits(s.length), s.classes, ...(s.spatial > 1 ? [{ spatial: s.spatial }] : [])]];
  }),
  () => {
    const s = shape();
    return ['entropy', [rowSoftmax(logits(s.length), s.classes, false), s.classes]];
  },
  () => {
    const s = shape();
    return ['softmaxBackward', [rowSoftmax(logits(s.length), s.classes, false), uniform(s.length, -1, 1), s.classes]];
  },
  () => {
    const s = shape();
    return ['logSoftmaxBackward', [rowSoftmax(logits(s.length), s.classes, true), uniform(s.length, -1, 1), s.classes]];
  },
  () => {
    const s = shape();
    return ['logSumExpBackward', [logits(s.length), uniform(s.rows, -1, 1), s.classes]];
  },
  ...['crossEntropy', 'crossEntropyBackward', 'crossEntropyWithGrad'].map((op) => () => {
    const s = shape();
    const probs = chance(0.3);
    const o = { reduction: reduction() };
    if (s.spatial > 1) o.spatial = s.spatial;
    if (chance(0.3)) o.weight = uniform(s.classes, 0, 2);
    if (chance(0.3)) o.labelSmoothing = pick([0, 0.1, 0.5]);
    if (!probs && chance(0.2)) o.ignoreIndex = int(0, s.classes - 1);
    if (op !== 'crossEntropy' && chance(0.5)) o.gradOutput = o.reduction === 'none' ? uniform(s.rows, -1, 1) : 0.5;
    const x = logits(s.length);
    if (op === 'crossEntropyWithGrad' && chance(0.3)) o.grad = x; // in place
    const target = probs ? rowSoftmax(uniform(s.length, -3, 3), s.classes, false) : indexTargets(s.rows, s.classes, o.ignoreIndex ?? -100);
    return [op, [x, chance(0.2) && !probs ? Array.from(target) : target, s.classes, o]];
  }),
  ...['nllLoss', 'nllLossBackward'].map((op) => () => {
    const s = shape();
    const o = { reduction: reduction() };
    if (chance(0.3)) o.weight = uniform(s.classes, 0, 2);
    if (op === 'nllLossBackward' && o.reduction !== 'none' && chance(0.5)) o.gradOutput = 2;
    return [op, [rowSoftmax(logits(s.length), s.classes, true), indexTargets(s.rows, s.classes), s.classes, o]];
  }),
  ...['klDiv', 'klDivBackward'].map((op) => () => {
    const s = shape();
    const logTarget = chance(0.5);
    const o = { reduction: pick(['mean', 'sum', 'none', 'batchmean']), logTarget };
    const target = rowSoftmax(uniform(s.length, -3, 3), s.classes, logTarget);
    return [op, [rowSoftmax(uniform(s.length, -5, 5), s.classes, true), target, s.classes, o]];
  }),
  // a subclass whose length lies, and an in-place gradient through another view of the logits
  () => {
    const s = shape();
    return ['logSumExp', [new LyingLength(logits(s.length)), s.classes]];
  },
  () => {
    const s = shape(),
      x = logits(s.length);
    return ['crossEntropyWithGrad', [x, indexTargets(s.rows, s.classes), s.classes, { grad: new Float32Array(x.buffer) }]];
  },
  ...['mseLoss', 'mseLossBackward'].map((op) => () => {
    const n = int(1, 2048);
    return [op, [uniform(n, -10, 10), uniform(n, -10, 10), { reduction: reduction() }]];
  }),
  ...['binaryCrossEntropyWithLogits', 'binaryCrossEntropyWithLogitsBackward'].map((op) => () => {
    const s = shape();
    const o = { reduction: reduction() };
    if (chance(0.3)) o.weight = uniform(pick([s.length, s.classes]), 0, 2);
    if (chance(0.3)) o.posWeight = uniform(pick([s.length, s.classes, 1]), 0, 4);
    return [op, [uniform(s.length, -20, 20), uniform(s.length), o]];
  }),
];

const f32 = (n) => new Float32Array(n);
const L = () => uniform(6, -3, 3);
const T = () => new Int32Array([0, 2]);
const detached = (a) => {
  structuredClone(a, { transfer: [a.buffer] });
  return a;
};

/** Bad calls: [op, args, expected error]. */
const BAD = [
  () => ['softmax', [L(), pick([0, -3, 1.5, NaN, Infinity])], RangeError],
  () => ['crossEntropy', [L(), T(), pick(['3', null, undefined])], TypeError],
  () => ['logSoftmax', [f32(7), 3], RangeError],
  () => ['crossEntropy', [[1, 2, 3, 4, 5, 6], T(), 3], TypeError],
  () => ['nllLoss', [new Float64Array(6), T(), 3], TypeError],
  () => ['crossEntropy', [L(), [0, pick([3, -1, 7, 2 ** 31])], 3], RangeError],
  () => ['crossEntropyWithGrad', [L(), [0, pick([0.5, NaN])], 3], RangeError],
  () => ['crossEntropy', [L(), [0, '1'], 3], TypeError],
  () => ['crossEntropy', [L(), T(), 3, { reduction: pick(['avg', 'batchmean', '']) }], RangeError],
  () => ['crossEntropy', [L(), T(), 3, { ignore_index: 1 }], RangeError],
  () => ['crossEntropyBackward', [L(), T(), 3, { labelSmoothing: pick([-0.5, 1.5, NaN]) }], RangeError],
  () => ['crossEntropy', [L(), T(), 3, { weight: f32(pick([2, 4])) }], RangeError],
  () => ['binaryCrossEntropyWithLogits', [L(), L(), { posWeight: f32(4) }], RangeError],
  () => ['mseLossBackward', [L(), L(), { reduction: 'none', gradOutput: f32(5) }], RangeError],
  () => ['softmax', [L(), 3, f32(5)], RangeError],
  () => ['argmax', [L(), 3, f32(2)], TypeError],
  () => ['logSumExp', [detached(L()), 3], RangeError],
  () => ['crossEntropy', [L(), detached(T()), 3], RangeError],
  () => ['klDiv', [L(), L(), 3, { reduction: 'none', out: detached(f32(6)) }], RangeError],
  // a hostile caller: overlapping outputs, an output that is another input,
  // a getter that rewrites the targets, a Proxy posing as a Float32Array
  () => {
    const b = new ArrayBuffer(40);
    return ['softmax', [new Float32Array(b, 0, 6), 3, new Float32Array(b, 8, 6)], RangeError];
  },
  () => {
    const q = uniform(6);
    return ['crossEntropyWithGrad', [L(), q, 3, { grad: q }], RangeError];
  },
  () => {
    const b = new ArrayBuffer(24);
    return [
      'crossEntropyWithGrad',
      [L(), T(), 3, { reduction: 'none', out: new Float32Array(b, 0, 2), grad: new Float32Array(b) }],
      RangeError,
    ];
  },
  () => {
    const t = T();
    return [
      'crossEntropy',
      [
        L(),
        t,
        3,
        {
          reduction: 'none',
          get out() {
            t[1] = pick([7, -5, 2 ** 30]);
            return undefined;
          },
        },
      ],
      RangeError,
    ];
  },
  () => ['softmax', [new Proxy(L(), {}), 3], TypeError],
  () => ['f32', [pick([-1, 1.5, NaN])], RangeError],
  () => ['i32', ['8'], TypeError],
];
/** Only a kernel-memory view has the 2 GiB limit (js hands out plain arrays). */
const BAD_WASM = [() => ['f32', [pick([2 ** 29, 2 ** 30, 2 ** 40])], RangeError]];

// ----------------------------------------------------------------- checking

function disagreement(got, ref) {
  if (typeof ref === 'number') return close(got, ref) ? null : `got ${got}, expected ${ref}`;
  if (ref && 'grad' in ref) return disagreement(got.loss, ref.loss) ?? disagreement(got.grad, ref.grad);
  if (!ArrayBuffer.isView(got) || got.length !== ref.length) return `got ${got}, expected ${ref.length} values`;
  for (let i = 0; i < ref.length; i++) if (!close(got[i], ref[i])) return `[${i}] got ${got[i]}, expected ${ref[i]}`;
  return null;
}
const copyArgs = (args) =>
  args.map((a) =>
    ArrayBuffer.isView(a)
      ? a.slice()
      : a && typeof a === 'object' && !Array.isArray(a)
        ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, ArrayBuffer.isView(v) ? v.slice() : v]))
        : a,
  );

// ------------------------------------------------------------------ memory

const MiB = 2 ** 20;
/** A kernel's wasm memory in bytes (the API has no call for it: a fresh view's buffer shows it). */
function wasmBytes(k) {
  if (k.backend === 'js') return 0;
  const v = k.f32(1);
  const n = v.buffer.byteLength;
  k.free(v);
  return n;
}
/** Where a fresh view lands: a leaked block would move it. */
function nextAddress(k) {
  if (k.backend === 'js') return 0;
  const v = k.f32(4);
  const at = v.byteOffset;
  k.free(v);
  return at;
}

// -------------------------------------------------------------------- run

const wanted = opts.backends ?? ['scalar', 'simd', 'relaxed-simd', 'js'];
const kernels = [];
const skipped = [];
for (const backend of wanted) {
  try {
    kernels.push(await init({ backend }));
  } catch (e) {
    skipped.push(`${backend} (${e.message.split('\n')[0]})`);
  }
}
const reference = await init({ backend: 'js' });
const wasmKernels = kernels.filter((k) => k.backend !== 'js');

/**
 * What the zero-copy views do, one step at a time, over and over: made in sizes
 * from 12 bytes to 1.2 MB, used in place (inputs, targets, out), freed out of
 * order, and a freed view passed again (which must be refused). A steady
 * workload, as a training loop's: its peak is reached in the warm-up, after
 * which the kernel memory must not grow.
 */
const VIEW_PLAN = [
  { make: ['f32', 300_000] },
  { make: ['i32', 64] },
  { use: true },
  { make: ['f32', 4096] },
  { free: 0, misuse: true },
  { make: ['f32', 65_536] },
  { use: true },
  { free: 1 },
  { make: ['f32', 1000] },
  { free: 0, misuse: true },
  { make: ['i32', 3] },
  { use: true },
  { free: 2, misuse: true },
  { free: 0 },
  { free: 0 },
];
const pools = new Map(wasmKernels.map((k) => [k, []]));
const steps = new Map(wasmKernels.map((k) => [k, 0]));
function freePools() {
  for (const [k, views] of pools) {
    for (const v of views.splice(0)) k.free(v);
  }
  for (const k of steps.keys()) steps.set(k, 0);
}

function viewStep(k, pool) {
  const step = VIEW_PLAN[steps.get(k)];
  steps.set(k, (steps.get(k) + 1) % VIEW_PLAN.length);
  if (step.make) {
    const [kind, length] = step.make;
    pool.push(k[kind](length));
    stats.views++;
    stats.good++;
  } else if (step.use) {
    // softmax in place on (part of) a float view; crossEntropy with an int view as target.
    const v = pool.find((w) => w instanceof Float32Array);
    const n = Math.min(v.length, 4096) & ~3;
    v.set(logits(n));
    const part = v.subarray(0, n);
    if (k.softmax(part, 4, part) !== part) fail(`${k.backend}: softmax into a view returned another array`);
    counted(k);
    const t = pool.find((w) => w instanceof Int32Array);
    t.fill(1);
    const ref = reference.crossEntropy(part.subarray(0, t.length * 2).slice(), t.slice(), 2);
    const problem = disagreement(k.crossEntropy(part.subarray(0, t.length * 2), t, 2), ref);
    if (problem) fail(`${k.backend}: crossEntropy on views disagrees with js: ${problem}`);
    stats.good += 2;
  } else {
    const [v] = pool.splice(step.free, 1);
    k.free(v);
    stats.good++;
    if (step.misuse) {
      counted(k);
      stats.bad++;
      try {
        if (v instanceof Int32Array) k.crossEntropy(new Float32Array(v.length * 2), v, 2);
        else k.softmax(v, 1);
        fail(`${k.backend}: a freed view was accepted`);
      } catch (e) {
        if (e instanceof TypeError) stats.errors.TypeError++;
        else fail(`${k.backend}: a freed view threw ${e}`);
      }
    }
  }
}

const stats = {
  calls: 0,
  good: 0,
  bad: 0,
  checked: 0,
  views: 0,
  errors: { TypeError: 0, RangeError: 0 },
  byBackend: Object.fromEntries(kernels.map((k) => [k.backend, 0])),
  failures: [],
};
function fail(text) {
  if (stats.failures.length < 20) stats.failures.push(text);
  else stats.failures.length++;
}

/** Counts one more call on k (the step that made it counted itself already). */
function counted(k) {
  stats.byBackend[k.backend]++;
  stats.calls++;
}

function oneCall(i) {
  const k = kernels[i % kernels.length];
  counted(k);
  const pool = pools.get(k);

  // Zero-copy views: the next step of VIEW_PLAN on this kernel.
  if (pool && chance(0.08)) {
    viewStep(k, pool);
    return;
  }

  if (chance(0.15)) {
    const [op, args, Type] = pick(pool && chance(0.05) ? BAD_WASM : BAD)();
    stats.bad++;
    try {
      k[op](...args);
      fail(`${k.backend}.${op}: bad input accepted (${Type.name} expected)`);
    } catch (e) {
      if (e instanceof Type) stats.errors[Type.name]++;
      else fail(`${k.backend}.${op}: ${e?.constructor?.name} ${e?.message} (${Type.name} expected)`);
    }
    return;
  }

  const [op, args] = pick(GOOD)();
  const check = k.backend !== 'js' && i % 7 === 0;
  const pristine = check ? copyArgs(args) : null;
  let got;
  try {
    got = k[op](...args);
  } catch (e) {
    fail(`${k.backend}.${op}: ${e?.constructor?.name} ${e?.message}`);
    return;
  }
  stats.good++;
  if (check) {
    stats.checked++;
    const problem = disagreement(got, reference[op](...pristine));
    if (problem) fail(`${k.backend}.${op} disagrees with js: ${problem}`);
  }
}

/** Memory after a full GC, with every zero-copy view given back. */
function sample(calls) {
  freePools();
  gc();
  gc();
  const m = process.memoryUsage();
  return {
    calls,
    heap: m.heapUsed,
    rss: m.rss,
    buffers: m.arrayBuffers,
    wasm: Object.fromEntries(wasmKernels.map((k) => [k.backend, wasmBytes(k)])),
    next: Object.fromEntries(wasmKernels.map((k) => [k.backend, nextAddress(k)])),
  };
}

const mb = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
const fmt = (s) =>
  `heap ${mb(s.heap)}, array buffers ${mb(s.buffers)}, rss ${mb(s.rss)}, wasm ${
    Object.entries(s.wasm)
      .map(([b, n]) => `${b} ${mb(n)}`)
      .join(', ') || '—'
  }`;

log(
  `soak: ${opts.calls} calls, seed ${opts.seed}, backends ${kernels.map((k) => k.backend).join(', ')}` +
    (skipped.length ? ` (skipped: ${skipped.join('; ')})` : ''),
);
const t0 = performance.now();
const baseline = sample(0);
const warmup = Math.min(50_000, Math.floor(opts.calls / 5));
let i = 0;
while (stats.calls < warmup) oneCall(i++);
const start = sample(stats.calls);
log(`  after ${warmup} warm-up calls: ${fmt(start)}`);
const samples = [start];
const every = Math.ceil((opts.calls - warmup) / 10);
while (stats.calls < opts.calls) {
  const end = Math.min(opts.calls, stats.calls + every);
  while (stats.calls < end) oneCall(i++);
  const s = sample(stats.calls);
  samples.push(s);
  log(`  ${String(stats.calls).padStart(String(opts.calls).length)} calls: ${fmt(s)}`);
}
const end = samples[samples.length - 1];
const seconds = (performance.now() - t0) / 1000;

// ------------------------------------------------------------------ verdict

// Flat: the JS heap and RSS stay within a margin that covers V8's own
// bookkeeping (code, feedback, allocation sites). The kernel memory may settle
// one 64 KiB page above the warm-up's: where first fit puts the 1.2 MB view
// depends on where the random calls' small blocks sit at that moment (200 000
// calls show it flat from then on). A leaked block is caught exactly by the
// allocator check.
const HEAP_SLACK = 4 * MiB,
  RSS_SLACK = 48 * MiB,
  WASM_SLACK = 65536;
const verdicts = [];
const heapGrowth = end.heap - start.heap,
  rssGrowth = end.rss - start.rss;
verdicts.push([
  `JS heap ${mb(start.heap)} → ${mb(end.heap)}`,
  heapGrowth <= HEAP_SLACK,
  `grew ${mb(heapGrowth)} (allowed ${mb(HEAP_SLACK)})`,
]);
verdicts.push([`RSS ${mb(start.rss)} → ${mb(end.rss)}`, rssGrowth <= RSS_SLACK, `grew ${mb(rssGrowth)} (allowed ${mb(RSS_SLACK)})`]);
for (const k of wasmKernels) {
  const b = k.backend;
  verdicts.push([
    `wasm memory (${b}) ${mb(start.wasm[b])} → ${mb(end.wasm[b])}`,
    end.wasm[b] - start.wasm[b] <= WASM_SLACK,
    'grew by more than a page',
  ]);
  verdicts.push([
    `kernel allocator (${b}): no leaked block`,
    end.next[b] === start.next[b],
    `next view at ${end.next[b]}, was ${start.next[b]}`,
  ]);
}
verdicts.push([
  `every bad call threw as the README says; every checked call agreed with js`,
  stats.failures.length === 0,
  `${stats.failures.length} failures`,
]);

const report = {
  calls: stats.calls,
  good: stats.good,
  bad: stats.bad,
  errors: stats.errors,
  checkedAgainstJs: stats.checked,
  viewsMade: stats.views,
  perBackend: stats.byBackend,
  seconds: Number(seconds.toFixed(1)),
  memory: {
    baseline: { heap: baseline.heap, arrayBuffers: baseline.buffers, rss: baseline.rss, wasm: baseline.wasm },
    start: { calls: start.calls, heap: start.heap, arrayBuffers: start.buffers, rss: start.rss, wasm: start.wasm },
    end: { calls: end.calls, heap: end.heap, arrayBuffers: end.buffers, rss: end.rss, wasm: end.wasm },
  },
  pass: verdicts.every(([, ok]) => ok),
};

console.log(`\nsoak report (${opts.calls} calls, ${seconds.toFixed(1)} s, seed ${opts.seed})`);
console.log(
  `  calls:  ${stats.calls} (${stats.good} good, ${stats.bad} bad) on ${Object.entries(stats.byBackend)
    .map(([b, n]) => `${b} ${n}`)
    .join(', ')}`,
);
console.log(
  `  errors: ${stats.errors.TypeError + stats.errors.RangeError} thrown as expected (TypeError ${stats.errors.TypeError}, RangeError ${stats.errors.RangeError}); ${stats.failures.length} unexpected`,
);
console.log(`  checked against js: ${stats.checked} calls; zero-copy views made: ${stats.views}`);
console.log(`  memory at start (before any call): ${fmt(baseline)}`);
console.log(`  memory after warm-up (${start.calls} calls): ${fmt(start)}`);
console.log(`  memory at end (${end.calls} calls): ${fmt(end)}`);
for (const [what, ok, why] of verdicts) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${ok ? '' : `: ${why}`}`);
for (const f of stats.failures.slice(0, 20)) console.log(`    ${f}`);
if (stats.failures.length > 20) console.log(`    … and ${stats.failures.length - 20} more`);
console.log(`SOAK ${JSON.stringify(report)}`);
console.log(report.pass ? 'soak: PASS' : 'soak: FAIL');
process.exit(report.pass ? 0 : 1);
