// The three browser engines the tests and `npm run bench:web -- --browser` drive,
// from Debian's packages, each by its own driver module behind one interface:
//
//   launch() → { version, newPage(url) → { run(expression), close() }, close() }
//
// where run(expression) evaluates a JavaScript expression whose value is a
// Promise of a string and resolves to that string. On top of that, openBrowser
// gives every engine the same page methods: evaluate(fn, ...args) runs a
// function in the page (its arguments and result go through JSON) and
// waitFor(fn) polls one until it returns something truthy. What differs between
// engines is the data below, not the code that uses them.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

const minibrowser = () => {
  if (process.env.MINIBROWSER_PATH) return process.env.MINIBROWSER_PATH;
  // Debian puts it in libwebkit2gtk-4.1-0, under the multiarch directory
  const lib = '/usr/lib';
  const arch = existsSync(lib) ? readdirSync(lib).filter((d) => d.endsWith('-linux-gnu')) : [];
  return arch.map((d) => path.join(lib, d, 'webkit2gtk-4.1/MiniBrowser')).find(existsSync) ?? '/usr/lib/<arch>/webkit2gtk-4.1/MiniBrowser';
};

/** Each engine: its name in reports, the files it needs, what installs them, and its driver module. */
export const BROWSERS = {
  chromium: {
    label: 'Chromium',
    needs: () => [CHROMIUM],
    install: 'apt-get install -y chromium',
    driver: './chromium.js',
  },
  firefox: {
    label: 'Firefox ESR',
    needs: () => [FIREFOX],
    install: 'apt-get install -y firefox-esr',
    driver: './firefox.js',
  },
  webkit: {
    label: 'WebKitGTK MiniBrowser',
    needs: () => [minibrowser(), '/usr/bin/WebKitWebDriver', '/usr/bin/Xvfb'],
    install: 'apt-get install -y webkit2gtk-driver xvfb',
    driver: './webkit.js',
  },
};

export const BROWSER_NAMES = Object.keys(BROWSERS);
export const MINIBROWSER = minibrowser;

/** Rejects with what to install where an engine's files are missing: never a silent skip. */
export function checkInstalled(name) {
  const engine = BROWSERS[name];
  if (!engine) throw new Error(`unknown browser '${name}': expected ${BROWSER_NAMES.join(', ')}`);
  const missing = engine.needs().filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`${engine.label} is missing (${missing.join(', ')} not found): ${engine.install}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The expression that calls fn(...args) in the page and settles as JSON text, an error included. */
const call = (fn, args) =>
  `Promise.resolve().then(() => (${fn})(...${JSON.stringify(args)})).then(` +
  '(value) => JSON.stringify({ value }), (e) => JSON.stringify({ error: e?.name + ": " + e?.message }))';

/**
 * A headless browser of one engine: { name, label, version, open(url), close() }.
 * A page from open(url) has evaluate(fn, ...args), waitFor(fn, { timeout, what, args }) and close().
 */
export async function openBrowser(name) {
  checkInstalled(name);
  const engine = BROWSERS[name];
  const driver = await import(engine.driver);
  const browser = await withTimeout(driver.launch(), 60_000, `starting ${engine.label}`);
  return {
    name,
    label: engine.label,
    version: browser.version,
    async open(url, { timeout = 30_000 } = {}) {
      const page = await withTimeout(browser.newPage(url), timeout, `${engine.label} loading ${url}`);
      const evaluate = async (fn, ...args) => {
        const { value, error } = JSON.parse(await page.run(call(fn, args)));
        if (error) throw new Error(`in ${engine.label}: ${error}`);
        return value;
      };
      return {
        evaluate: (fn, ...args) => withTimeout(evaluate(fn, ...args), 120_000, `${engine.label}: ${String(fn).slice(0, 80)}`),
        async waitFor(fn, { timeout = 10_000, what = String(fn), args = [] } = {}) {
          const until = Date.now() + timeout;
          for (;;) {
            const value = await evaluate(fn, ...args);
            if (value) return value;
            if (Date.now() > until) throw new Error(`${engine.label}: ${what}: not within ${timeout / 1000} s`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        },
        close: () => page.close(),
      };
    },
    close: () => browser.close(),
  };
}
