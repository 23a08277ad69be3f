// The benchmark web page (bench/web/): its server (npm run bench:web, spawned on a
// free port), its chart drawing, that what it loads in a browser names no Node
// module, and a quick run in a real Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): the run ends, the chart has one series per backend, the table
// has rows and none failed, the results JSON downloads, the page stays responsive,
// and a screenshot is taken. Then `npm run bench:web -- --browser X --quick` in
// each engine (bench/web/browsers.js): every backend the engine runs (engines.js)
// measured and checked, the others noted. A missing browser fails, naming what to install.
import { test } from 'uvu';
import { launchChromium, relativeImports } from './chromium.js';
import { BROWSER_NAMES, BROWSERS } from '../bench/web/browsers.js';
import { ENGINES } from './engines.js';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartSvg, SERIES } from '../bench/web/chart.js';
import { compare } from '../bench/compare.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BACKENDS = ['relaxed-simd', 'simd', 'scalar', 'js', 'baseline'];
const QUICK = { ops: ['logSumExp', 'softmax', 'crossEntropy'], shapes: ['65536x10', '8192x100', '1024x1000'] };

// ---- the server: `node bench/web/serve.js --port 0`, started once, stopped after the tests

let server = null;
function startServer() {
  server ??= new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/web/serve.js', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve.js printed no address in 10 s: ${out}`)), 10_000);
    child.stdout.on('data', (b) => {
      out += b;
      const m = /benchmark page: (http:\/\/127\.0\.0\.1:(\d+))(\/\S*)/.exec(out);
      if (m && /stops it/.test(out)) {
        clearTimeout(timer);
        resolve({ child, origin: m[1], page: m[1] + m[3], out });
      }
    });
    child.stderr.on('data', (b) => {
      out += b;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.js exited (${code}): ${out}`));
    });
  });
  return server;
}

/** A raw GET (no URL normalisation, so ../ reaches the server as sent). */
function get(origin, rawPath, method = 'GET') {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(origin);
    const req = http.request({ hostname, port, path: rawPath, method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test.after(async () => {
  const s = await server?.catch(() => null);
  if (s) {
    const exited = new Promise((resolve) => s.child.once('exit', resolve));
    s.child.kill('SIGTERM');
    await exited;
  }
});

test('serve.js: --port 0 picks a free port, prints the page address; .wasm is application/wasm; / and dirs redirect; nothing outside the root', async () => {
  const { origin, page, out } = await startServer();
  assert.is(page, `${origin}/bench/web/`);
  assert.match(out, /\?quick/, 'prints the quick-run address too');
  const html = await get(origin, '/bench/web/');
  assert.is(html.status, 200);
  assert.match(html.headers['content-type'], /^text\/html/);
  assert.match(html.body.toString(), /<script type="module" src="\.\/page\.js">/);
  assert.match((await get(origin, '/bench/web/worker.js')).headers['content-type'], /^text\/javascript/);
  const wasm = await get(origin, '/dist/wasm/simdloss-simd.wasm');
  assert.is(wasm.status, 200);
  assert.is(wasm.headers['content-type'], 'application/wasm');
  assert.equal([...wasm.body.subarray(0, 4)], [0, 0x61, 0x73, 0x6d], 'wasm magic');
  assert.is(wasm.headers['cross-origin-embedder-policy'], undefined, 'no COOP/COEP by default');
  const root = await get(origin, '/?quick');
  assert.is(root.status, 302);
  assert.is(root.headers.location, '/bench/web/?quick');
  assert.is((await get(origin, '/bench/web')).headers.location, '/bench/web/');
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/bench/..%2f..%2f..%2fetc%2fpasswd', '/no-such-file.js']) {
    assert.is((await get(origin, p)).status, 404, p);
  }
  assert.is((await get(origin, '/%E0%A4%A')).status, 400);
  assert.is((await get(origin, '/bench/web/', 'POST')).status, 405);
  assert.is((await get(origin, '/bench/web/', 'HEAD')).body.length, 0);
});

test('chart: one series per backend across every panel, gaps for failed rows, a log y axis', () => {
  const rows = [];
  for (const op of QUICK.ops) {
    QUICK.shapes.forEach((shape, j) => {
      SERIES.forEach((s, b) => rows.push({ op, shape, backend: s.backend, mode: s.mode, mlogits: 10 ** (1 + b * 0.5) * (j + 1) }));
      rows.push({ op, shape, backend: 'simd', mode: 'zero-copy', mlogits: 5000 }); // not charted
    });
  }
  rows.find((r) => r.op === 'softmax' && r.shape === '8192x100' && r.backend === 'scalar').mlogits = undefined; // a failed row
  const svg = chartSvg(rows, QUICK.ops, QUICK.shapes);
  assert.match(svg, /^<svg [^>]*id="chart"/);
  const series = [...svg.matchAll(/<g class="series" data-backend="([^"]+)" data-mode="([^"]+)">([\s\S]*?)<\/g>/g)];
  assert.equal(
    series.map((m) => m[1]),
    BACKENDS,
  );
  for (const [, backend, , body] of series) {
    const points = (body.match(/<circle /g) ?? []).length;
    const lines = (body.match(/<polyline /g) ?? []).length;
    assert.is(points, backend === 'scalar' ? 8 : 9, `${backend} points`);
    assert.is(lines, backend === 'scalar' ? 2 : 3, `${backend} lines (softmax's scalar line stops at the failed row)`);
  }
  assert.is((svg.match(/class="legend-item"/g) ?? []).length, 5);
  assert.is((svg.match(/class="axis-label"/g) ?? []).length, 2);
  assert.match(svg, /log scale/);
  // values 10× apart are one decade apart on screen: equal steps for 10, 100, 1000
  const ys = [...svg.matchAll(/<line [^>]*y1="([\d.]+)"[^>]*\/><text [^>]*>(10|100|1k)<\/text>/g)].slice(0, 3).map((m) => +m[1]);
  assert.is(ys.length, 3);
  assert.ok(Math.abs(ys[0] - ys[1] - (ys[1] - ys[2])) < 0.2, `decades ${ys}`);
  assert.not.match(svg, /5000/, 'zero-copy rows stay out of the chart');
});

test('what the page and its worker load: relative imports only (no node: module, no bare specifier, no benchmark.js)', () => {
  const seen = new Set([
    ...relativeImports(path.join(ROOT, 'bench/web/page.js'), ROOT, assert.ok),
    ...relativeImports(path.join(ROOT, 'bench/web/worker.js'), ROOT, assert.ok),
  ]);
  const files = [...seen].map((f) => path.relative(ROOT, f));
  for (const shared of [
    'bench/ops.js',
    'bench/baseline.js',
    'bench/data.js',
    'bench/check.js',
    'bench/rows.js',
    'bench/loop.js',
    'bench/lib-engines.js',
    'bench/exp-pass.js',
    'bench/warmup.js',
    'bench/stats.js',
    'dist/index.js',
  ]) {
    assert.ok(files.includes(shared), `the page reuses ${shared}`);
  }
  for (const nodeOnly of ['bench/report.js', 'bench/child.js', 'bench/measure.js', 'bench/engines.js', 'bench/index.js']) {
    assert.not.ok(files.includes(nodeOnly), `the page loads ${nodeOnly}`);
  }
});

/** A PNG's size from its IHDR chunk. */
function pngSize(bytes) {
  assert.equal([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.is(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function defineBrowserTest() {
  test('Chromium: ?quick runs to the end in a worker; chart with one series per backend, table rows, none failed, JSON, screenshot', async () => {
    const { page: address } = await startServer();
    const browser = await launchChromium();
    const dir = await mkdtemp(path.join(tmpdir(), 'simdloss-bench-web-'));
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      const errors = [],
        responses = [];
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('response', (r) => responses.push({ url: new URL(r.url()).pathname, status: r.status(), type: r.headers()['content-type'] }));
      // the longest the main thread goes without running a timer: the page must stay responsive
      await page.addInitScript(() => {
        let last = performance.now();
        window.maxGap = 0;
        setInterval(() => {
          const now = performance.now();
          window.maxGap = Math.max(window.maxGap, now - last);
          last = now;
        }, 20);
      });
      const started = Date.now();
      await page.goto(`${address}?quick`);
      try {
        await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.state), null, { timeout: 60_000 });
      } catch (_e) {
        assert.unreachable(`no end in 60 s: ${await page.locator('#status').textContent()} ${errors.join('; ')}`);
      }
      const seconds = (Date.now() - started) / 1000;
      const state = await page.evaluate(() => ({
        state: document.body.dataset.state,
        rows: +document.body.dataset.rows,
        failed: +document.body.dataset.failed,
        progress: document.getElementById('progress').value,
        status: document.getElementById('status').textContent,
        notes: [...document.querySelectorAll('#notes li')].map((li) => li.textContent),
        machine: document.getElementById('machine').textContent,
        userAgent: navigator.userAgent,
        series: [...document.querySelectorAll('svg#chart g.series')].map((g) => ({
          backend: g.dataset.backend,
          points: g.querySelectorAll('circle').length,
          lines: g.querySelectorAll('polyline').length,
        })),
        legend: [...document.querySelectorAll('svg#chart .legend-item')].map((g) => g.dataset.backend),
        axisLabels: [...document.querySelectorAll('svg#chart .axis-label')].map((t) => t.textContent),
        chartBox: document.querySelector('svg#chart').getBoundingClientRect().toJSON(),
        tableRows: document.querySelectorAll('#tables tr[data-backend]').length,
        failedRows: [...document.querySelectorAll('#tables tr[data-failed]')].map((tr) => tr.textContent),
        tables: [...document.querySelectorAll('#tables section')].map((s) => s.dataset.op),
        download: { href: document.getElementById('download').href, name: document.getElementById('download').download },
        maxGap: window.maxGap,
      }));
      assert.is(state.state, 'done', state.status);
      assert.equal(errors, [], 'page errors');
      assert.equal(state.notes, [], 'every backend ran');
      assert.is(state.progress, 1);
      assert.ok(state.machine.includes(state.userAgent), 'the machine line names the browser');
      assert.match(state.machine, /\d+ logical cores/);
      // chart: one series per backend, a point per op × shape
      assert.equal(
        state.series.map((s) => s.backend),
        BACKENDS,
      );
      for (const s of state.series) {
        assert.is(s.points, 9, `${s.backend} points`);
        assert.is(s.lines, 3, `${s.backend} lines`);
      }
      assert.equal(state.legend, BACKENDS);
      assert.is(state.axisLabels.length, 2);
      assert.ok(state.chartBox.width > 600 && state.chartBox.height > 200, `chart box ${JSON.stringify(state.chartBox)}`);
      // table: every row in, none failed. Per shape: logSumExp 11 rows (copy, zero-copy and exp pass on each
      // wasm build, js, baseline), softmax 5 (copy only), crossEntropy 8 (copy and zero-copy)
      assert.equal(state.tables, QUICK.ops);
      assert.is(state.tableRows, 3 * (11 + 5 + 8), 'rows');
      assert.is(state.rows, state.tableRows);
      assert.is(state.failed, 0, JSON.stringify(state.failedRows).slice(0, 1500));
      assert.equal(state.failedRows, []);
      assert.ok(state.maxGap < 1000, `the main thread was blocked for ${state.maxGap.toFixed(0)} ms`);
      assert.ok(seconds < 60, `${seconds} s`);
      // the results JSON, as the download link gives it
      assert.match(state.download.href, /^blob:/);
      assert.match(state.download.name, /\.json$/);
      const json = await page.evaluate((href) => fetch(href).then((r) => r.text()), state.download.href);
      // in simdloss-bench's schema, which its --compare reads
      const results = JSON.parse(json);
      assert.is(results.results.length, state.tableRows);
      assert.is(results.runtime.userAgent, state.userAgent);
      assert.is(results.machine.cores, await page.evaluate(() => navigator.hardwareConcurrency));
      assert.match(results.package.build, /^[0-9a-f]{12}$/);
      assert.is(results.settings.quick, true);
      assert.ok(
        results.results.every((r) => r.mlogitsPerSec > 0 && r.correct !== false && !r.error),
        'every row timed',
      );
      assert.ok(
        results.results.filter((r) => r.mode !== 'exp pass').every((r) => r.correct === true),
        'every row checked',
      );
      assert.ok(
        results.results.every((r) => r.samples.length === 5 && Array.isArray(r.shape)),
        'samples and shapes',
      );
      assert.ok(
        results.results.filter((r) => r.candidate !== 'baseline').every((r) => r.ratioToJs > 0),
        '× JS on every row',
      );
      const same = compare(results, results);
      assert.is(same.rows.length, results.results.length);
      assert.ok(
        same.rows.every((r) => r.ratio === 1 && !r.significant),
        'a run against itself: ratio 1, nothing significant',
      );
      // what it loaded: every file found, the builds as application/wasm, nothing Node-only
      assert.equal(
        responses.filter((r) => r.status !== 200 && !r.url.startsWith('blob')),
        [],
        'failed requests',
      );
      assert.ok(responses.some((r) => r.url === '/bench/web/worker.js'));
      const wasm = responses.filter((r) => r.url.endsWith('.wasm'));
      assert.ok(wasm.length >= 3 && wasm.every((r) => r.type === 'application/wasm'), JSON.stringify(wasm));
      assert.not.ok(responses.some((r) => /load-node\.js|node_modules|bench\/(report|child|index|measure|engines)\.js/.test(r.url)));
      // a screenshot of the whole page: a real PNG, page-sized, not blank
      const file = path.join(dir, 'bench-page.png');
      await page.screenshot({ path: file, fullPage: true });
      const png = await readFile(file);
      const { width, height } = pngSize(png);
      assert.ok(width >= 1000 && height >= 900, `${width}×${height}`);
      assert.ok(png.length > 50_000, `${png.length} bytes`);
      const chart = await page.locator('svg#chart').screenshot();
      assert.ok(chart.length > 10_000, `chart screenshot ${chart.length} bytes`);
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

defineBrowserTest();

/** `node bench/web/serve.js ...args`: { code, stdout, stderr }. */
function serveRun(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bench/web/serve.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (b) => {
      stdout += b;
    });
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('serve.js: a bad --browser, or --quick without one, is a usage error naming the engines', async () => {
  for (const args of [['--browser', 'lynx'], ['--quick']]) {
    const r = await serveRun(args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, /--browser chromium\|firefox\|webkit/);
  }
});

for (const name of BROWSER_NAMES) {
  const { label } = BROWSERS[name];
  const expected = ENGINES[name];
  test(`bench:web --browser ${name} --quick --op crossEntropy: runs headless to the end; ${expected.runs.join(', ')} measured and checked, the rest noted`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'simdloss-bench-web-'));
    try {
      const json = path.join(dir, 'run.json');
      const r = await serveRun(['--browser', name, '--quick', '--op', 'crossEntropy', '--json', json]);
      assert.is(r.code, 0, `exit code; ${r.stderr}${r.stdout.slice(0, 2000)}`);
      assert.match(r.stdout, new RegExp(`^${label} \\d+\\.\\d+\\S*: done: \\d+ rows in`));
      const results = JSON.parse(await readFile(json, 'utf8'));
      assert.is(results.settings.quick, true);
      assert.equal(results.settings.ops, ['crossEntropy']);
      assert.ok(
        results.results.length > 0 && results.results.every((x) => x.mlogitsPerSec > 0 && x.correct !== false && !x.error),
        'every row timed',
      );
      const ran = new Set(results.results.map((x) => x.candidate));
      assert.equal([...ran].sort(), [...expected.runs, 'baseline'].sort(), 'backends measured');
      const refused = ['relaxed-simd', 'simd', 'scalar'].filter((b) => !expected.runs.includes(b));
      assert.equal(
        results.notes.map((n) => /^([\w-]+) not measured: init: this runtime cannot run the '\1' build/.exec(n)?.[1]),
        refused,
        `notes: ${results.notes}`,
      );
      for (const backend of expected.runs)
        assert.match(r.stdout, new RegExp(`\\n\\s*(1024×1000)?\\s+${backend}\\s+copy\\s+\\d`), `${backend} rows printed`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test.run();
