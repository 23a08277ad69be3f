// Debian's Chromium as the tests, the screenshot script and bench:web start it,
// driven by playwright-core: where it is, the flags this machine needs (a closed
// network: no background traffic), and the driver interface of browsers.js.
import { CHROMIUM, checkInstalled } from './browsers.js';

export { CHROMIUM };
export const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** playwright-core's Browser, headless; every launch gets a fresh user-data-dir. */
export async function launchChromium() {
  checkInstalled('chromium');
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 20_000 });
}

export async function launch() {
  const browser = await launchChromium();
  return {
    version: browser.version(),
    async newPage(url) {
      const page = await browser.newPage();
      await page.goto(url);
      return { run: (expression) => page.evaluate(expression), close: () => page.close() };
    },
    close: () => browser.close(),
  };
}
