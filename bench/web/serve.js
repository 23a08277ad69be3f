// npm run bench:web [-- [--port N] [--isolated]]: serves the repository root over
// HTTP on 127.0.0.1 (port from --port, else PORT, else 8080; 0 picks a free one),
// prints the benchmark page's address and runs until killed. Static files only,
// .wasm as application/wasm (so browsers compile while downloading), no caching.
// No COOP/COEP headers: Chromium runs every build without them (see README);
// --isolated adds them, for browsers that give shared wasm memory only to
// cross-origin isolated pages.
//
// npm run bench:web -- --browser chromium|firefox|webkit [--quick] [--op a,b] [--json FILE]:
// serves on a free port (or --port), runs the page to its end headless in that
// engine (headless.js; --op narrows it to those ops, as the page's ?op= does),
// prints its status, notes and tables, writes its results JSON to FILE, and
// exits: 0 when every row ran and none failed, else 1.
import http from 'node:http';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { BROWSER_NAMES } from './browsers.js';

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const PAGE = '/bench/web/';
export const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
};
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** The request handler: files under root; a directory gets its index.html (after a redirect to add the slash); / goes to the page. */
export function handler(root = ROOT, { isolated = false } = {}) {
  const base = path.resolve(root);
  return async (req, res) => {
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(isolated ? ISOLATION : {}) };
    const send = (status, extra = {}, body = '') => {
      res.writeHead(status, { ...headers, ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { allow: 'GET, HEAD' });
    const url = new URL(req.url, 'http://127.0.0.1');
    let pathname;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return send(400);
    }
    if (pathname === '/') return send(302, { location: PAGE + url.search });
    const file = path.resolve(base, `.${pathname}`);
    if (pathname.includes('\0') || (file !== base && !file.startsWith(base + path.sep))) return send(404);
    try {
      let target = file;
      if ((await stat(file)).isDirectory()) {
        if (!pathname.endsWith('/')) return send(301, { location: `${url.pathname}/${url.search}` });
        target = path.join(file, 'index.html');
      }
      const body = await readFile(target);
      send(200, { 'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream', 'content-length': body.length }, body);
    } catch {
      send(404, { 'content-type': 'text/plain; charset=utf-8' }, `not found: ${pathname}\n`);
    }
  };
}

const USAGE = `usage: npm run bench:web [-- [--port N] [--isolated] [--browser ${BROWSER_NAMES.join('|')} [--quick] [--op a,b] [--json FILE]]]`;

/** What a command line and environment ask for: { port, isolated, browser, quick, op, json }. */
export function optionsOf(argv, env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      isolated: { type: 'boolean', default: false },
      browser: { type: 'string' },
      quick: { type: 'boolean', default: false },
      op: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const { browser, quick, op, json } = values;
  if (browser !== undefined && !BROWSER_NAMES.includes(browser))
    throw new Error(`bad browser '${browser}': expected ${BROWSER_NAMES.join(', ')}`);
  if (browser === undefined && (quick || op || json)) throw new Error('--quick, --op and --json need --browser');
  // a headless run takes any free port unless told
  const text = values.port ?? (browser ? '0' : (env.PORT ?? '8080'));
  const port = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || port > 65535) throw new Error(`bad port '${text}': expected 0–65535`);
  return { port, isolated: values.isolated, browser, quick, op, json };
}

/** The page run headless in one engine: its text on stdout, its JSON to options.json; the exit code. */
async function headless(origin, options) {
  const { runHeadless, headlessText } = await import('./headless.js');
  const query = new URLSearchParams();
  if (options.quick) query.set('quick', '');
  if (options.op) query.set('op', options.op);
  const run = await runHeadless(options.browser, `${origin}${PAGE}?${query}`.replace(/\?$/, ''), { quick: options.quick });
  process.stdout.write(headlessText(run));
  if (options.json && run.results) {
    await writeFile(options.json, `${JSON.stringify(run.results, null, 2)}\n`);
    console.log(`\nwrote ${options.json}`);
  }
  const failed = run.results?.results.filter((r) => r.error || r.correct === false).length ?? 0;
  return run.state === 'done' && !failed ? 0 : 1;
}

async function main() {
  let options;
  try {
    options = optionsOf(process.argv.slice(2));
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  const server = http.createServer(handler(ROOT, options));
  server.on('error', (err) => {
    console.error(
      err.code === 'EADDRINUSE' ? `port ${options.port} is in use: pick another with npm run bench:web -- --port N` : err.message,
    );
    process.exit(1);
  });
  server.listen(options.port, '127.0.0.1', () => {
    const origin = `http://127.0.0.1:${server.address().port}`;
    if (options.browser) {
      headless(origin, options)
        .catch((err) => {
          console.error(err.message);
          return 1;
        })
        .then((code) => {
          server.closeAllConnections();
          server.close(() => process.exit(code));
        });
      return;
    }
    if (!existsSync(path.join(ROOT, 'dist/index.js'))) console.warn('dist/ is missing: run npm run build first');
    console.log(`simdloss benchmark page: ${origin}${PAGE}`);
    console.log(`quick run (a few seconds): ${origin}${PAGE}?quick`);
    console.log(`serving ${ROOT} on ${origin}${options.isolated ? ' with COOP/COEP' : ''}; Ctrl-C stops it`);
  });
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
