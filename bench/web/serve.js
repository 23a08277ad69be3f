// npm run bench:web [-- [--port N] [--isolated]]: serves the repository root over
// HTTP on 127.0.0.1 (port from --port, else PORT, else 8080; 0 picks a free one),
// prints the benchmark page's address and runs until killed. Static files only,
// .wasm as application/wasm (so browsers compile while downloading), no caching.
// No COOP/COEP headers: Chromium runs every build without them (see README);
// --isolated adds them, for browsers that give shared wasm memory only to
// cross-origin isolated pages.
import http from 'node:http';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

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

/** The port a command line and environment ask for. */
export function portOf(argv, env = process.env) {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, isolated: { type: 'boolean', default: false } } });
  const text = values.port ?? env.PORT ?? '8080';
  const port = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || port > 65535) throw new Error(`bad port '${text}': expected 0–65535`);
  return { port, isolated: values.isolated };
}

async function main() {
  let options;
  try {
    options = portOf(process.argv.slice(2));
  } catch (err) {
    console.error(`${err.message}\nusage: npm run bench:web [-- [--port N] [--isolated]]`);
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
