// node bench/web/screenshot.js [out.png]: runs the benchmark page's quick mode in
// headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH) and saves a
// full-page screenshot, by default docs/bench-page.png (the README's picture).
import http from 'node:http';
import path from 'node:path';
import { handler, ROOT, PAGE } from './serve.js';
import { launchChromium } from './chromium.js';

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs/bench-page.png'));

const server = http.createServer(handler(ROOT));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}${PAGE}?quick`);
  await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.body.dataset.state), null, { timeout: 60_000 });
  const status = await page.locator('#status').textContent();
  await page.screenshot({ path: out, fullPage: true });
  console.log(`${status}\nwrote ${out}${errors.length ? `\npage errors: ${errors.join('; ')}` : ''}`);
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
}
