// simdloss in a real Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// the package's browser entry served by a plain static server (no bundler) on a
// page's main thread and in a module Web Worker, every PyTorch fixture on
// relaxed-simd and simd there, init({ wasm }) with each kind of source, and the
// Vite example built by Vite and run. Skipped, with a message, only where Chromium
// is missing outside CI; in CI (CI set) it always runs.
import { test } from 'uvu';
import { chromiumRuns, launchChromium, relativeImports } from './chromium.js';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILES = ['rowwise.json', 'cross_entropy.json', 'nll.json', 'kl.json', 'mse.json', 'bce.json', 'scoring.json'];
const SEED_LOSS = 1.1447;
const COI = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** A static server for `root` on 127.0.0.1 (random port). `isolated` adds COOP/COEP to
 *  every response; a path under /octet-stream/ is served as application/octet-stream
 *  (a misconfigured server). Every request is logged with its status and type. */
async function serve(root, { isolated = false } = {}) {
  const log = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let pathname = decodeURIComponent(url.pathname);
    let type;
    if (pathname.startsWith('/octet-stream/')) {
      pathname = pathname.slice('/octet-stream'.length);
      type = 'application/octet-stream';
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.join(root, pathname);
    const headers = { 'cache-control': 'no-store', ...(isolated ? COI : {}) };
    let body = null;
    if (file.startsWith(root)) body = await readFile(file).catch(() => null);
    type ??= TYPES[path.extname(file)] ?? 'application/octet-stream';
    log.push({ path: url.pathname, status: body ? 200 : 404, type });
    if (!body) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': type });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Chromium and the servers start once, at the first test that needs them.
let env = null;
function setup() {
  env ??= (async () => {
    const browser = await launchChromium();
    const plain = await serve(ROOT);
    const isolated = await serve(ROOT, { isolated: true });
    return { browser, plain, isolated, pages: new Map() };
  })();
  return env;
}

/** The test page (tests/browser/index.html) on a server, loaded once; its console errors are kept. */
async function testPage(which = 'plain') {
  const { browser, pages, ...servers } = await setup();
  if (!pages.has(which)) {
    const page = await browser.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
    });
    await page.goto(`${servers[which].origin}/tests/browser/index.html`);
    try {
      await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 10_000 });
    } catch (e) {
      throw new Error(`the test page did not load: ${page.errors.join('; ') || e.message}`);
    }
    pages.set(which, page);
  }
  return pages.get(which);
}

const onMain = (page, fn, ...args) =>
  withTimeout(
    page.evaluate(([fn, args]) => window.suite[fn](...args), [fn, args]),
    25_000,
    `main thread ${fn}`,
  );
const inWorker = (page, fn, ...args) =>
  withTimeout(
    page.evaluate(([fn, args]) => window.inWorker(fn, ...args), [fn, args]),
    25_000,
    `worker ${fn}`,
  );

function assertProbe(r, context, isolated) {
  assert.is(r.context, context);
  assert.is(r.crossOriginIsolated, isolated, 'crossOriginIsolated');
  assert.is(r.backend, 'relaxed-simd', 'init() picks relaxed-simd in Chromium');
  assert.ok(Math.abs(r.loss - SEED_LOSS) < 1e-4, `seed example gave ${r.loss}`);
}

const expectedCases = Object.fromEntries(
  FILES.map((f) => [f, JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures', f), 'utf8')).cases.length]),
);

function assertFixtures(report, backend, where) {
  assert.is(report.backend, backend);
  for (const file of FILES) {
    const r = report.files[file];
    assert.is(r.cases, expectedCases[file], `${where} ${backend} ${file}: cases run`);
    assert.is(r.failed, 0, `${where} ${backend} ${file}: ${r.failed} failed, e.g.\n  ${r.failures.join('\n  ')}`);
  }
}

function define() {
  test.after(async () => {
    if (!env) return;
    const { browser, plain, isolated } = await env.catch(() => ({}));
    await browser?.close();
    await plain?.close();
    await isolated?.close();
  });

  test('browser entry: package.json gives browsers dist/index.js, whose import graph names no bare specifier', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const entry = pkg.exports['.'].browser ?? pkg.exports['.'].default;
    assert.is(entry, './dist/index.js');
    const seen = relativeImports(path.join(ROOT, entry), ROOT, assert.ok);
    assert.ok(seen.size > 3, "walked the entry's imports");
    assert.is(pkg.browser['./dist/load-node.js'], false, 'bundlers map the Node-only file reader away');
  });

  test('main thread: the page imports the package, init() picks relaxed-simd (no COOP/COEP needed)', async () => {
    const page = await testPage();
    const r = await onMain(page, 'probe');
    assertProbe(r, 'window', false);
    assert.is(r.sharedArrayBuffer, 'undefined', 'not isolated, so no SharedArrayBuffer global, yet shared wasm memory works');
  });

  test('module worker: imports the package, init() picks relaxed-simd', async () => {
    const page = await testPage();
    assertProbe(await inWorker(page, 'probe'), 'worker', false);
  });

  test('main thread and worker: every PyTorch fixture passes on relaxed-simd and simd', async () => {
    const page = await testPage();
    for (const backend of ['relaxed-simd', 'simd']) {
      // the worker and the main thread run at once, on the machine's two cores
      const [worker, main] = await Promise.all([inWorker(page, 'fixtures', backend, FILES), onMain(page, 'fixtures', backend, FILES)]);
      assertFixtures(main, backend, 'main thread');
      assertFixtures(worker, backend, 'worker');
    }
  });

  test('init({ wasm }) in the browser: a URL, a string, bytes, a Module, one per build, a server without application/wasm', async () => {
    const page = await testPage();
    const r = await onMain(page, 'sources');
    for (const name of ['URL', 'string', 'ArrayBuffer', 'Uint8Array', 'Module', 'octet-stream']) {
      assert.is(r[name], `simd ${SEED_LOSS.toFixed(4)}`, name);
    }
    assert.is(r['per build'], `scalar ${SEED_LOSS.toFixed(4)}`);
    assert.match(r['missing file'], /error: .*nothing-here\.wasm.*404/);
  });

  test('cross-origin isolated (COOP/COEP) pages work the same, main thread and worker', async () => {
    const page = await testPage('isolated');
    assertProbe(await onMain(page, 'probe'), 'window', true);
    assertProbe(await inWorker(page, 'probe'), 'worker', true);
  });

  test('threads: 2 runs a pool in a worker of a cross-origin-isolated page, with the bits of one thread; elsewhere k.threads is 1', async () => {
    const isolated = await testPage('isolated');
    assert.equal(await inWorker(isolated, 'pooled', 'simd'), { threads: 2, sameBits: true }, 'isolated page, worker');
    assert.equal(await onMain(isolated, 'pooled', 'simd'), { threads: 1, sameBits: true }, 'isolated page, main thread (may not block)');
    const plain = await testPage();
    assert.equal(await inWorker(plain, 'pooled', 'simd'), { threads: 1, sameBits: true }, 'page without COOP/COEP, worker');
  });

  test('what the pages loaded: every file found, .wasm as application/wasm, the Node-only reader never', async () => {
    const { plain, isolated, pages } = await setup();
    const log = [...plain.log, ...isolated.log];
    const missing = log.filter((r) => r.status !== 200 && !r.path.endsWith('/nothing-here.wasm'));
    assert.equal(missing, [], 'requests that failed');
    assert.ok(
      log.some((r) => r.path === '/dist/wasm/simdloss-relaxed-simd.wasm'),
      'the default build came from dist/wasm/',
    );
    assert.ok(log.filter((r) => r.path.startsWith('/dist/wasm/')).every((r) => r.type === 'application/wasm'));
    assert.not.ok(
      log.some((r) => r.path.endsWith('/load-node.js')),
      'a browser fetched load-node.js',
    );
    const errors = [...pages.values()].flatMap((p) => p.errors).filter((e) => !/nothing-here\.wasm|404/.test(e));
    assert.equal(errors, [], 'page errors');
  });

  test('Vite: examples/vite builds, and its page computes the seed example on the main thread, in a worker, and with a pool of two threads in a worker', async () => {
    const { browser } = await setup();
    const { build, createLogger } = await import('vite');
    const outDir = await mkdtemp(path.join(tmpdir(), 'simdloss-vite-'));
    const warnings = [];
    const logger = createLogger('warn', { allowClearScreen: false });
    logger.warn = (msg) => warnings.push(msg);
    logger.warnOnce = (msg) => warnings.push(msg);
    const nodeEnv = process.env.NODE_ENV; // vite build sets it; the other test files share this process
    let server;
    try {
      await build({
        root: path.join(ROOT, 'examples/vite'),
        configFile: path.join(ROOT, 'examples/vite/vite.config.js'),
        customLogger: logger,
        logLevel: 'warn',
        build: { outDir, emptyOutDir: true },
      });
      assert.equal(
        warnings.filter((w) => /externali[sz]ed|node:|browser compatibility/i.test(w)),
        [],
        'Vite warnings',
      );
      server = await serve(outDir, { isolated: true }); // as vite.config.js's headers: the pooled worker needs them
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.origin}/`);
      for (const id of ['main', 'worker']) {
        const el = page.locator(`#${id}[data-loss]`);
        try {
          await el.waitFor({ timeout: 10_000 });
        } catch {
          assert.unreachable(`#${id} shows ${await page.locator(`#${id}`).textContent()} ${errors.join('; ')}`);
        }
        assert.is(await el.getAttribute('data-backend'), 'relaxed-simd', id);
        const loss = Number(await el.getAttribute('data-loss'));
        assert.ok(Math.abs(loss - SEED_LOSS) < 1e-4, `${id}: ${loss}`);
      }
      const pooled = page.locator('#pooled[data-threads]');
      try {
        await pooled.waitFor({ timeout: 20_000 });
      } catch {
        assert.unreachable(`#pooled shows ${await page.locator('#pooled').textContent()} ${errors.join('; ')}`);
      }
      assert.is(await pooled.getAttribute('data-threads'), '2', 'the pooled worker got two threads');
      assert.is(await pooled.getAttribute('data-same-bits'), 'true', 'pooled bits');
      assert.ok(
        server.log.some((r) => r.path.endsWith('.wasm') && r.type === 'application/wasm'),
        'Vite emitted the .wasm',
      );
      await page.close();
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
      await server?.close();
      await rm(outDir, { recursive: true, force: true });
    }
  });
}

if (chromiumRuns('browser.test.js')) define();

test.run();
