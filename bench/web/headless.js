// npm run bench:web -- --browser NAME [--quick]: the benchmark page run to its
// end in a headless browser of one engine (browsers.js), read back as the page
// shows it: its status, notes, machine line and tables, and its results JSON
// (the download's text).
import { BROWSERS, openBrowser } from './browsers.js';

/** Runs `pageUrl` (the bench page, with its query) in `name`; { browser, state, status, notes, machine, tables, results }. */
export async function runHeadless(name, pageUrl, { quick = false, timeout = quick ? 120_000 : 3_600_000 } = {}) {
  const browser = await openBrowser(name);
  try {
    const page = await browser.open(pageUrl);
    await page
      .waitFor(() => ['done', 'stopped', 'error'].includes(document.body.dataset.state), { timeout, what: 'the benchmark run ended' })
      .catch(async (e) => {
        throw new Error(`${e.message}; the page shows: ${await page.evaluate(() => document.getElementById('status').textContent)}`);
      });
    const shown = await page.evaluate(async () => {
      const link = document.getElementById('download');
      return {
        state: document.body.dataset.state,
        status: document.getElementById('status').textContent,
        notes: [...document.querySelectorAll('#notes li')].map((li) => li.textContent),
        machine: document.getElementById('machine').textContent,
        tables: [...document.querySelectorAll('#tables section')].map((s) => ({
          op: s.dataset.op,
          rows: [...s.querySelectorAll('tr')].map((tr) => [...tr.cells].map((c) => c.textContent)),
        })),
        results: link.href ? await (await fetch(link.href)).text() : null,
      };
    });
    return { browser: `${BROWSERS[name].label} ${browser.version}`, ...shown, results: shown.results && JSON.parse(shown.results) };
  } finally {
    await browser.close();
  }
}

/** The run as text: the browser and status, notes, the machine line, then each op's table. */
export function headlessText(run) {
  const lines = [`${run.browser}: ${run.status}`, ...run.notes.map((n) => `note: ${n}`), run.machine];
  for (const { op, rows } of run.tables) {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    lines.push(
      '',
      op,
      ...rows.map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
