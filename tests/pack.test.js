// The package as a user gets it: `npm pack` (of the dist/ that npm test has
// just built), the tarball's file list, then `npm install <tarball>` into a
// fresh temporary project (offline: simdloss has no runtime dependencies) and
// the README's own examples run there — its first ```js block in Node as ESM,
// the same with require() where this Node can require ES modules, its types
// through tsc, and its ```html page in Chromium, served from the project with
// the import map pointing into node_modules. The README read is the one in
// the tarball.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const LOSS = /^(relaxed-simd|simd|scalar) 1\.1446\d*$/; // F.cross_entropy of the README's example; any wasm build
/** What the tarball may hold: the build, the package's documents, the images the README shows. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^CHANGELOG\.md$/,
  /^dist\/[\w-]+\.(js|d\.ts)$/,
  /^dist\/wasm\/simdloss-(relaxed-simd|simd|scalar)\.wasm$/,
  /^docs\/[\w-]+\.png$/,
  // the simdloss-bench command (bench/bin.js) and simdloss/bench
  /^bench\/[\w-]+\.js$/,
  /^bench\/peers\/[\w.-]+\.js$/,
  /^bench\/web\/[\w.-]+\.(js|html|css)$/,
];
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/types.d.ts',
  'dist/load-node.js',
  'dist/worker.js',
  'bench/bin.js',
  'bench/index.js',
  ...['relaxed-simd', 'simd', 'scalar'].map((b) => `dist/wasm/simdloss-${b}.wasm`),
];

/** npm itself: the one running `npm test` where there is one, else npm from PATH. */
function npm(args, cwd, env) {
  const [cmd, pre] = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  const r = spawnSync(cmd, [...pre, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.is(r.status, 0, `npm ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function node(args, cwd) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  assert.is(r.status, 0, `node ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '').trim(); // console.log colours numbers where a parent forced colour
  return { out: plain(r.stdout), err: plain(r.stderr) };
}

/** The first fenced block of a language in a Markdown text. */
function firstBlock(markdown, lang) {
  const m = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'm').exec(markdown);
  assert.ok(m, `the README has a \`\`\`${lang} block`);
  return m[1];
}

let dir, project, files, readme;

test.before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'simdloss-pack-'));
  project = path.join(dir, 'project');
  const npmEnv = { npm_config_cache: path.join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };
  // --ignore-scripts: `prepare` would build again; npm test's pretest has just built dist/.
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT, npmEnv));
  files = packed.files.map((f) => f.path).sort();
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'try-simdloss', version: '1.0.0', private: true }));
  npm(['install', '--offline', '--no-audit', '--no-fund', path.join(dir, packed.filename)], project, npmEnv);
  readme = await readFile(path.join(project, 'node_modules/simdloss/README.md'), 'utf8');
});

test.after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the tarball holds dist/ (js, d.ts, wasm), README, LICENSE, CHANGELOG and the README's images, nothing else", () => {
  const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
  assert.equal(stray, [], 'files that do not belong in the package');
  for (const f of REQUIRED) assert.ok(files.includes(f), `${f} is missing`);
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((src) => !/^[a-z]+:/i.test(src));
  assert.ok(images.length > 0, 'the README shows an image');
  for (const src of images) assert.ok(files.includes(src), `the README shows ${src}, which the tarball lacks`);
});

test("installed: the README's first example runs in Node as ESM", async () => {
  await writeFile(path.join(project, 'example.mjs'), firstBlock(readme, 'js'));
  const { out, err } = node(['example.mjs'], project);
  assert.match(out, LOSS, `the example printed ${JSON.stringify(out)}`);
  assert.is(err, '', 'stderr');
});

test("installed: the README's first example runs with require() where Node can require ES modules", async () => {
  if (!process.features.require_module) {
    console.log(
      `\npack.test.js: require('simdloss') skipped: Node ${process.version} cannot require ES modules (it can from 20.19 / 22.12)`,
    );
    return;
  }
  const code = firstBlock(readme, 'js');
  const imported = "import { init } from 'simdloss';\n";
  assert.ok(code.startsWith(imported), 'the first example starts by importing init');
  const cjs = `const { init } = require('simdloss');\n(async () => {\n${code.slice(imported.length)}})();\n`;
  await writeFile(path.join(project, 'example.cjs'), cjs);
  const { out, err } = node(['example.cjs'], project);
  assert.match(out, LOSS, `the example printed ${JSON.stringify(out)}`);
  // Node 20.19+ may warn that require(esm) is experimental; nothing else belongs on stderr.
  assert.is(err.replace(/^.*ExperimentalWarning.*$|^\(Use `node --trace-warnings.*$/gm, '').trim(), '', 'stderr');
});

test("installed: the types resolve and the README's first example compiles under tsc --strict", async () => {
  await writeFile(path.join(project, 'example.mts'), firstBlock(readme, 'js'));
  await writeFile(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ['example.mts'],
    }),
  );
  node([TSC, '-p', 'tsconfig.json'], project);
});

/** The project directory on 127.0.0.1, .wasm as application/wasm; every request logged. */
async function serve(root) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };
  const log = [];
  const server = http.createServer(async (req, res) => {
    let pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.join(root, pathname);
    const body = file.startsWith(root) ? await readFile(file).catch(() => null) : null;
    log.push({ path: pathname, status: body ? 200 : 404 });
    res.writeHead(body ? 200 : 404, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, log, close: () => new Promise((r) => server.close(r)) };
}

test("installed: the README's page (an import map into node_modules) runs in Chromium", async () => {
  await writeFile(
    path.join(project, 'index.html'),
    `<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<title>simdloss</title>\n${firstBlock(readme, 'html')}`,
  );
  const server = await serve(project);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.origin}/`);
    try {
      await page.waitForFunction(() => /\d/.test(document.body.textContent), null, { timeout: 15_000 });
    } catch {
      assert.unreachable(`the page shows nothing: ${errors.join('; ')}`);
    }
    assert.match((await page.textContent('body')).trim(), /^relaxed-simd: 1\.1446\d*$/);
    assert.equal(errors, [], 'page errors');
    assert.ok(
      server.log.some((r) => r.path === '/node_modules/simdloss/dist/wasm/simdloss-relaxed-simd.wasm'),
      'the build came from the installed package',
    );
    assert.equal(
      server.log.filter((r) => r.status !== 200),
      [],
      'requests that failed',
    );
  } finally {
    await browser.close();
    await server.close();
  }
});

test.run();
