// The benchmark page's main thread: starts one module worker per engine group
// (worker.js: the baseline, then each simdloss backend, one after another),
// gathers their rows, and draws the progress bar, chart and tables as rows
// arrive. Only standard APIs and relative imports, so any evergreen browser
// runs it from a plain static server (npm run bench:web).
import { OPS, SHAPES } from '../ops.js';
import { buildId, finish, resultOf, resultsJson, sig } from '../rows.js';
import { chartSvg } from './chart.js';

/** Engine groups, one worker each, in run order: the baseline first, so × JS shows as rows arrive. */
const GROUPS = ['baseline', 'relaxed-simd', 'simd', 'scalar', 'js'];
const WASM = ['relaxed-simd', 'simd', 'scalar'];
const MODES = {
  quick: {
    ops: ['logSumExp', 'softmax', 'crossEntropy'],
    shapes: SHAPES.slice(0, 3).map((s) => s.name),
    timing: { batchSeconds: 0.005, batches: 5, warmup: { minSeconds: 0.02, maxSeconds: 0.25 } },
  },
  full: {
    ops: OPS.map((o) => o.name),
    shapes: SHAPES.map((s) => s.name),
    timing: { batchSeconds: 0.05, batches: 7, warmup: { minSeconds: 0.2, maxSeconds: 3 } },
  },
};

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const times = (x) => (x == null ? '' : `${sig(x)}×`);

const params = new URLSearchParams(location.search);
let run = null; // the current run: { mode, config, rows, notes, phases, worker, stopped, ... }
let downloadUrl = null;

/** Rows a group will make, before its worker says (then its own count replaces this). */
function estimate(group, config) {
  const ops = OPS.filter((o) => config.ops.includes(o.name));
  const wasm = WASM.includes(group);
  return config.shapes.length * ops.reduce((n, op) => n + 1 + (wasm && op.zeroCopy ? 1 : 0) + (wasm && op.expPass ? 1 : 0), 0);
}

function machine() {
  return { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency ?? null, date: new Date().toISOString() };
}

/** simdloss's name, version and build (a hash of its .wasm builds), as the Node harness gives them; null if not found. */
async function packageInfo() {
  try {
    const { name, version } = await (await fetch(new URL('../../package.json', import.meta.url))).json();
    return { name, version, build: await buildId(async (url) => (await fetch(url)).arrayBuffer()) };
  } catch {
    return null;
  }
}

/** The results JSON, in the schema simdloss-bench writes (so --compare reads it). */
function results() {
  const { config } = run;
  const ua = navigator.userAgentData;
  return {
    machine: { cpu: null, cores: run.machine.hardwareConcurrency, os: ua?.platform ?? navigator.platform ?? null },
    runtime: {
      name: 'browser',
      userAgent: run.machine.userAgent,
      ...(ua ? { brands: ua.brands.map((b) => `${b.brand} ${b.version}`) } : {}),
    },
    package: run.package,
    date: run.machine.date,
    settings: {
      command: `bench/web${location.search}`,
      page: 'bench/web',
      quick: run.mode === 'quick',
      ops: config.ops,
      shapes: config.shapes.map((s) => s.split('x').map(Number)),
      backends: config.groups,
      ...config.timing,
    },
    seconds: ((run.ended ?? performance.now()) - run.started) / 1000,
    notes: run.notes,
    candidates: config.groups.map((name) => ({ name, source: name === 'baseline' ? 'simdloss/bench/baseline.js' : 'simdloss' })),
    results: sorted().map(resultOf),
  };
}

function sorted() {
  const ops = OPS.filter((o) => run.config.ops.includes(o.name));
  const shapes = SHAPES.filter((s) => run.config.shapes.includes(s.name));
  return finish([...run.rows], ops, shapes);
}

// ---- drawing

let drawPending = false;
function draw() {
  if (drawPending) return;
  drawPending = true;
  const go = () => {
    drawPending = false;
    drawNow();
  };
  if (document.visibilityState === 'visible' && typeof requestAnimationFrame === 'function') requestAnimationFrame(go);
  else setTimeout(go, 50);
}

function drawNow() {
  const rows = sorted();
  const total = run.phases.reduce((n, p) => n + p.total, 0);
  const done = run.phases.reduce((n, p) => n + p.done, 0);
  $('progress').value = total ? done / total : 0;
  $('status').textContent = run.status;
  $('notes').innerHTML = run.notes.map((n) => `<li>${esc(n)}</li>`).join('');
  $('chart-box').innerHTML = chartSvg(rows, run.config.ops, run.config.shapes);
  $('tables').innerHTML = run.config.ops
    .map((op) =>
      table(
        op,
        rows.filter((r) => r.op === op),
      ),
    )
    .join('');
  const failed = rows.filter((r) => r.error || r.correct === false).length;
  Object.assign(document.body.dataset, { rows: String(rows.length), failed: String(failed) });
}

function table(op, rows) {
  if (!rows.length) return '';
  let shape = null;
  const body = rows
    .map((r) => {
      const first = r.shape !== shape;
      shape = r.shape;
      const cls = [first ? 'shape-start' : '', r.backend === 'baseline' ? 'baseline' : ''].filter(Boolean).join(' ');
      const head =
        `<tr${cls ? ` class="${cls}"` : ''} data-backend="${esc(r.backend)}" data-mode="${esc(r.mode)}"${r.error || r.correct === false ? ' data-failed' : ''}>` +
        `<td>${first ? esc(r.shape.replace('x', '×')) : ''}</td><td>${esc(r.backend)}</td><td>${esc(r.mode)}</td>`;
      if (r.correct === false)
        return `${head}<td class="failed" colspan="3">wrong, not timed: ${esc(r.mismatch?.message ?? r.error)}</td></tr>`;
      if (r.error) return `${head}<td class="failed" colspan="3">failed: ${esc(r.error)}</td></tr>`;
      return (
        `${head}<td class="num">${sig(r.mlogits)}</td><td class="num">${r.rme.toFixed(1)}%</td>` +
        `<td class="num">${times(r.vsBaseline)}</td></tr>`
      );
    })
    .join('');
  return (
    `<section class="op" data-op="${esc(op)}"><h2>${esc(op)}</h2><table><thead><tr><th>shape</th><th>backend</th>` +
    `<th>mode</th><th class="num">Mlogits/s</th><th class="num">±</th><th class="num">× JS</th></tr></thead>` +
    `<tbody>${body}</tbody></table></section>`
  );
}

function machineLine(m) {
  return (
    `Machine: ${m.userAgent}; ${m.hardwareConcurrency ?? '?'} logical cores (navigator.hardwareConcurrency); ` +
    `${m.date.slice(0, 16).replace('T', ' ')} UTC.`
  );
}

function runLine() {
  const { timing } = run.config;
  const state = run.ended ? `${((run.ended - run.started) / 1000).toFixed(1)} s in all` : 'running';
  return (
    `Run: ${run.mode}, ${run.config.ops.length} ops × ${run.config.shapes.length} shapes, batches of at least ` +
    `${timing.batchSeconds * 1000} ms, the median of ${timing.batches} per row; one module worker per backend, ` +
    `one after another; ${state}.`
  );
}

// ---- running

function runGroup(group, phase) {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const end = () => {
      worker.terminate();
      run.worker = null;
      run.endGroup = null;
      resolve();
    };
    run.worker = worker;
    run.endGroup = end;
    worker.onmessage = ({ data }) => {
      if (data.type === 'row') {
        run.rows.push(data.row);
        Object.assign(phase, { done: data.done, total: data.total });
        const r = data.row;
        run.status =
          `${group}: ${r.op} ${r.shape.replace('x', '×')} ${r.mode} (${phase.done}/${phase.total}; ` +
          `${run.phases.reduce((n, p) => n + p.done, 0)} rows in all)`;
        draw();
        return;
      }
      if (data.type === 'skipped') {
        const hint =
          WASM.includes(group) && !self.crossOriginIsolated && /shared memory/.test(data.reason)
            ? ' (browsers other than Chromium may give shared wasm memory only to cross-origin isolated pages: npm run bench:web -- --isolated)'
            : '';
        run.notes.push(`${group} not measured: ${data.reason}${hint}`);
      }
      if (data.type === 'error') run.notes.push(`${group} stopped: ${data.message}`);
      phase.total = phase.done;
      draw();
      end();
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      run.notes.push(`${group} not measured: ${e.message || 'its worker failed to load (module workers are needed)'}`);
      phase.total = phase.done;
      draw();
      end();
    };
    worker.postMessage({ group, ops: run.config.ops, shapes: run.config.shapes, timing: run.config.timing });
  });
}

async function start() {
  if (run && !run.ended) return;
  const mode = $('quick').checked ? 'quick' : 'full';
  const url = new URL(location.href);
  if (mode === 'quick') url.searchParams.set('quick', '');
  else url.searchParams.delete('quick');
  history.replaceState(null, '', url.href.replace(/([?&]quick)=(?=&|$)/, '$1'));
  const config = { ...MODES[mode] };
  // ?op=a,b and ?backend=a,b narrow a run to those ops and engine groups (the baseline always runs)
  const ops = params
    .get('op')
    ?.split(',')
    .filter((o) => OPS.some((x) => x.name === o));
  if (ops?.length) config.ops = OPS.map((o) => o.name).filter((o) => ops.includes(o));
  const groups = params
    .get('backend')
    ?.split(',')
    .filter((g) => GROUPS.includes(g));
  config.groups = groups?.length ? GROUPS.filter((g) => g === 'baseline' || groups.includes(g)) : GROUPS;
  run = {
    mode,
    config,
    rows: [],
    notes: [],
    started: performance.now(),
    ended: null,
    machine: machine(),
    status: 'starting…',
    phases: config.groups.map((group) => ({ group, done: 0, total: estimate(group, config) })),
    stopped: false,
    package: null,
  };
  const pkg = packageInfo().then((p) => {
    run.package = p;
  });
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = null;
  $('download').removeAttribute('href');
  $('download').setAttribute('aria-disabled', 'true');
  $('run').disabled = true;
  $('stop').disabled = false;
  $('quick').disabled = true;
  $('machine').textContent = machineLine(run.machine);
  $('run-line').textContent = runLine();
  document.body.dataset.state = 'running';
  drawNow();
  for (const phase of run.phases) {
    if (run.stopped) break;
    await runGroup(phase.group, phase);
  }
  run.ended = performance.now();
  await pkg;
  const failed = run.rows.filter((r) => r.error || r.correct === false).length;
  run.status =
    `${run.stopped ? 'stopped' : 'done'}: ${run.rows.length} rows${failed ? `, ${failed} failed` : ''} in ` +
    `${((run.ended - run.started) / 1000).toFixed(1)} s`;
  if (run.stopped)
    run.phases.forEach((p) => {
      p.total = p.done;
    });
  drawNow();
  $('run-line').textContent = runLine();
  downloadUrl = URL.createObjectURL(new Blob([resultsJson(results())], { type: 'application/json' }));
  const link = $('download');
  link.href = downloadUrl;
  link.download = `simdloss-bench-${run.mode}-${run.machine.date.slice(0, 19).replace(/:/g, '')}.json`;
  link.setAttribute('aria-disabled', 'false');
  $('run').disabled = false;
  $('stop').disabled = true;
  $('quick').disabled = false;
  document.body.dataset.state = run.stopped ? 'stopped' : 'done';
}

function stop() {
  if (!run || run.ended) return;
  run.stopped = true;
  run.notes.push('stopped before the end');
  run.endGroup?.();
}

$('quick').checked = params.has('quick') && params.get('quick') !== '0';
const go = () =>
  start().catch((err) => {
    document.body.dataset.state = 'error';
    $('status').textContent = `error: ${err.message}`;
  });
$('run').addEventListener('click', go);
$('stop').addEventListener('click', stop);
go();
