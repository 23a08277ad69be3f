// simdloss in three real browser engines from Debian's packages (bench/web/browsers.js:
// Chromium, Firefox ESR and WebKitGTK's MiniBrowser): the package's browser entry
// served by a plain static server (no bundler) on a page's main thread and in a
// module Web Worker, which backend init() picks and which it refuses, every PyTorch
// fixture on each SIMD build the engine runs, init({ wasm }) with each kind of source,
// pages with and without COOP/COEP, init({ threads: 2 }), and the Vite example built
// by Vite and run. One suite, run in each engine; what differs is data (engines.js).
// A missing engine fails its tests, naming what to install.
import { suite } from 'uvu';
import { relativeImports } from './chromium.js';
import { BROWSER_NAMES, BROWSERS, openBrowser } from '../bench/web/browsers.js';
import { ENGINES } from './engines.js';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
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

const entry = suite('browser entry');
entry('package.json gives browsers dist/index.js, whose import graph names no bare specifier', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const entry = pkg.exports['.'].browser ?? pkg.exports['.'].default;
  assert.is(entry, './dist/index.js');
  const seen = relativeImports(path.join(ROOT, entry), ROOT, assert.ok);
  assert.ok(seen.size > 3, "walked the entry's imports");
  assert.is(pkg.browser['./dist/load-node.js'], false, 'bundlers map the Node-only file reader away');
});
entry.run();

// examples/vite, built once by Vite for every engine; its output goes when this process does
let viteBuild = null;
function builtVite() {
  viteBuild ??= (async () => {
    const { build, createLogger } = await import('vite');
    const outDir = await mkdtemp(path.join(tmpdir(), 'simdloss-vite-'));
    process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
    const warnings = [];
    const logger = createLogger('warn', { allowClearScreen: false });
    logger.warn = (msg) => warnings.push(msg);
    logger.warnOnce = (msg) => warnings.push(msg);
    const nodeEnv = process.env.NODE_ENV; // vite build sets it; the other test files share this process
    try {
      await build({
        root: path.join(ROOT, 'examples/vite'),
        configFile: path.join(ROOT, 'examples/vite/vite.config.js'),
        customLogger: logger,
        logLevel: 'warn',
        build: { outDir, emptyOutDir: true },
      });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    return { outDir, warnings };
  })();
  return viteBuild;
}

/** The suite in one engine. */
function defineEngine(name) {
  const expected = ENGINES[name];
  const { label } = BROWSERS[name];
  const test = suite(label);
  const servers = {};
  const pages = new Map();
  let browser = null;
  // the engine starts at the first test that needs it: where it is missing, every test fails saying what to install
  const start = async () => {
    browser ??= openBrowser(name);
    return browser;
  };

  test.before(async () => {
    servers.plain = await serve(ROOT);
    servers.isolated = await serve(ROOT, { isolated: true });
  });
  test.after(async () => {
    await (await browser?.catch(() => null))?.close();
    await servers.plain?.close();
    await servers.isolated?.close();
  });

  /** The test page (tests/browser/index.html) on a server, loaded once. */
  async function testPage(which = 'plain') {
    if (!pages.has(which)) {
      const page = (await start()).open(`${servers[which].origin}/tests/browser/index.html`).then(async (page) => {
        try {
          await page.waitFor(() => document.body.dataset.ready === 'true', { what: 'the test page loaded' });
        } catch (e) {
          throw new Error(`${e.message}: ${(await page.evaluate(() => window.pageErrors)).join('; ')}`);
        }
        return page;
      });
      pages.set(which, page);
    }
    return pages.get(which);
  }

  const onMain = async (which, fn, ...args) => (await testPage(which)).evaluate((fn, args) => window.suite[fn](...args), fn, args);
  const inWorker = async (which, fn, ...args) => (await testPage(which)).evaluate((fn, args) => window.inWorker(fn, ...args), fn, args);

  function assertProbe(r, context, which) {
    assert.is(r.context, context);
    assert.is(r.crossOriginIsolated, which === 'isolated', 'crossOriginIsolated');
    assert.is(r.backend, expected.backend, `init() picks ${expected.backend} in ${label}`);
    assert.is(r.sharedArrayBuffer, expected.sharedArrayBuffer[which], 'typeof SharedArrayBuffer');
    assert.ok(Math.abs(r.loss - SEED_LOSS) < 1e-4, `seed example gave ${r.loss}`);
  }

  test('starts headless', async () => {
    const b = await start();
    assert.match(b.version, /^\d+\.\d+/);
    console.log(`\n  ${label} ${b.version}`);
  });

  test(`main thread: the page imports the package, init() picks ${expected.backend} (no COOP/COEP)`, async () => {
    assertProbe(await onMain('plain', 'probe'), 'window', 'plain');
  });

  test(`module worker: imports the package, init() picks ${expected.backend}`, async () => {
    assertProbe(await inWorker('plain', 'probe'), 'worker', 'plain');
  });

  test(`init({ backend }) gives ${expected.runs.join(', ')}; any other rejects naming the feature it needs`, async () => {
    const r = await onMain('plain', 'backends');
    for (const [backend, got] of Object.entries(r)) {
      if (expected.runs.includes(backend)) assert.is(got, backend);
      else assert.match(got, new RegExp(`^error: init: this runtime cannot run the '${backend}' build: it needs `));
    }
  });

  const simdBuilds = expected.runs.filter((b) => b.includes('simd'));
  test(`main thread and worker: every PyTorch fixture passes on ${simdBuilds.join(' and ')}`, async () => {
    const page = await testPage();
    for (const backend of simdBuilds) {
      // the worker and the main thread run at once, on the machine's two cores
      const [worker, main] = await page.evaluate(
        (backend, files) => Promise.all([window.inWorker('fixtures', backend, files), window.suite.fixtures(backend, files)]),
        backend,
        FILES,
      );
      assertFixtures(main, backend, 'main thread');
      assertFixtures(worker, backend, 'worker');
    }
  });

  test('init({ wasm }): a URL, a string, bytes, a Module, one per build, a server without application/wasm', async () => {
    const r = await onMain('plain', 'sources');
    for (const source of ['URL', 'string', 'ArrayBuffer', 'Uint8Array', 'Module', 'octet-stream']) {
      assert.is(r[source], `simd ${SEED_LOSS.toFixed(4)}`, source);
    }
    assert.is(r['per build'], `scalar ${SEED_LOSS.toFixed(4)}`);
    assert.match(r['missing file'], /error: .*nothing-here\.wasm.*404/);
  });

  test('cross-origin isolated (COOP/COEP) pages work the same, main thread and worker', async () => {
    assertProbe(await onMain('isolated', 'probe'), 'window', 'isolated');
    assertProbe(await inWorker('isolated', 'probe'), 'worker', 'isolated');
  });

  test(`threads: 2 in a worker of a cross-origin-isolated page gives ${expected.pooledThreads} thread(s), with the bits of one; elsewhere 1`, async () => {
    assert.equal(
      await inWorker('isolated', 'pooled', 'simd'),
      { threads: expected.pooledThreads, sameBits: true },
      'isolated page, worker',
    );
    assert.equal(await onMain('isolated', 'pooled', 'simd'), { threads: 1, sameBits: true }, 'isolated page, main thread (may not block)');
    assert.equal(await inWorker('plain', 'pooled', 'simd'), { threads: 1, sameBits: true }, 'page without COOP/COEP, worker');
  });

  test('what the pages loaded: every file found, .wasm as application/wasm, the Node-only reader never; no page errors', async () => {
    const log = [...servers.plain.log, ...servers.isolated.log];
    const missing = log.filter((r) => r.status !== 200 && !r.path.endsWith('/nothing-here.wasm'));
    assert.equal(missing, [], 'requests that failed');
    assert.ok(
      log.some((r) => r.path === `/dist/wasm/simdloss-${expected.backend}.wasm`),
      'the default build came from dist/wasm/',
    );
    assert.ok(log.filter((r) => r.path.startsWith('/dist/wasm/')).every((r) => r.type === 'application/wasm'));
    assert.not.ok(
      log.some((r) => r.path.endsWith('/load-node.js')),
      'a browser fetched load-node.js',
    );
    for (const [which, page] of pages) assert.equal(await (await page).evaluate(() => window.pageErrors), [], `${which} page errors`);
  });

  test(`Vite: examples/vite builds, and its page computes the seed example on the main thread, in a worker, and in a worker with init({ threads: 2 }) (${expected.pooledThreads} thread(s))`, async () => {
    const { outDir, warnings } = await builtVite();
    assert.equal(
      warnings.filter((w) => /externali[sz]ed|node:|browser compatibility/i.test(w)),
      [],
      'Vite warnings',
    );
    const server = await serve(outDir, { isolated: true }); // as vite.config.js's headers: the pooled worker needs them
    try {
      const page = await (await start()).open(`${server.origin}/`);
      const shown = (id, attribute) =>
        page
          .waitFor(
            (id, attribute) => {
              const el = document.querySelector(`#${id}[data-${attribute}]`);
              return el && { ...el.dataset };
            },
            { timeout: 20_000, what: `#${id} shows its result`, args: [id, attribute] },
          )
          .catch(async (e) =>
            assert.unreachable(`${e.message}: #${id} shows ${await page.evaluate((id) => document.getElementById(id).textContent, id)}`),
          );
      for (const id of ['main', 'worker']) {
        const el = await shown(id, 'loss');
        assert.is(el.backend, expected.backend, id);
        assert.ok(Math.abs(Number(el.loss) - SEED_LOSS) < 1e-4, `${id}: ${el.loss}`);
      }
      const pooled = await shown('pooled', 'threads');
      assert.is(pooled.threads, String(expected.pooledThreads), 'the pooled worker');
      assert.is(pooled.sameBits, 'true', 'pooled bits');
      assert.ok(
        server.log.some((r) => r.path.endsWith('.wasm') && r.type === 'application/wasm'),
        'Vite emitted the .wasm',
      );
      await page.close();
    } finally {
      await server.close();
    }
  });

  test.run();
}

for (const name of BROWSER_NAMES) defineEngine(name);
