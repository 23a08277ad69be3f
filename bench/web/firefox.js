// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (no browser
// download: the package's own), headless, a fresh profile per launch; the
// driver interface of browsers.js.
import { FIREFOX } from './browsers.js';

export async function launch() {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX,
    headless: true,
    timeout: 30_000,
  });
  return {
    version: (await browser.version()).replace(/^firefox\//, ''),
    async newPage(url) {
      const page = await browser.newPage();
      await page.goto(url);
      return { run: (expression) => page.evaluate(expression), close: () => page.close() };
    },
    close: () => browser.close(),
  };
}
