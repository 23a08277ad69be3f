// The Node harness's measuring loop: loop.js's check-then-time loop, timed with
// benchmark.js (measure.js), one progress line per row on stderr.
import { measure } from './measure.js';
import { runRows } from './loop.js';
import { sig } from './rows.js';

const clock = (ms) => `${Math.floor(ms / 60000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

export async function runSuite({ ops, shapes, engines, timing, label = '' }) {
  return runRows({
    ops, shapes, engines, timing, measure,
    onRow(row, { done, total, started }) {
      const outcome = row.error
        ? `FAILED: ${row.error}`
        : `${sig(row.mlogits)} Mlogits/s ±${row.rme.toFixed(1)}%${row.inaccurate ? ` (inaccurate: ${row.inaccurate})` : ''}`;
      console.error(`${label}[${String(done).padStart(3)}/${total} ${clock(Date.now() - started)}] ` +
        `${row.op} ${row.shape} ${row.backend} ${row.mode}: ${outcome}`);
    },
  });
}
