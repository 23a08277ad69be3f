// The page's chart: throughput per backend and shape, as inline SVG text.
// One panel per op (shapes along x, Mlogits/s on a log y axis spanning that
// op's decades), one series per backend drawn across all panels
// (<g class="series" data-backend=…>), a legend and axis labels. Pure: rows in,
// markup out, so the page can redraw it after every row.

/** The series: simdloss's copy path on each backend (plain arrays in, result out) and the baseline. */
export const SERIES = [
  { backend: 'relaxed-simd', mode: 'copy', label: 'relaxed-simd', color: '#0072b2' },
  { backend: 'simd', mode: 'copy', label: 'simd', color: '#009e73' },
  { backend: 'scalar', mode: 'copy', label: 'scalar', color: '#d55e00' },
  { backend: 'js', mode: 'copy', label: 'js', color: '#cc79a7' },
  { backend: 'baseline', mode: 'loops', label: 'plain-JS baseline', color: '#555555', dash: '6 4' },
];

const PLOT = { left: 46, right: 16, top: 24, height: 170 }; // inside a panel
const PANEL_H = PLOT.top + PLOT.height + 44;
const AXIS_W = 22,
  LEGEND_H = 34,
  XLABEL_H = 26,
  MAX_COLS = 4;

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const fmt = (v) => (v >= 1e6 ? `${+(v / 1e6).toPrecision(3)}M` : v >= 1000 ? `${+(v / 1000).toPrecision(3)}k` : String(+v.toPrecision(3)));
const r1 = (v) => Math.round(v * 10) / 10;

/** Log ticks from lo to hi (powers of ten): decades, plus 2× and 5× where there are few decades. */
function ticks(lo, hi) {
  const decades = Math.round(Math.log10(hi / lo));
  const steps = decades <= 2 ? [1, 2, 5] : [1];
  const out = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) for (const m of steps) if (d * m <= hi * 1.0001) out.push(d * m);
  return out;
}

/**
 * The chart for rows ({ op, shape, backend, mode, mlogits } as the harness makes them)
 * of these ops and shapes (names, in order). Rows without mlogits (failed) leave gaps.
 */
export function chartSvg(rows, ops, shapes) {
  const value = new Map(rows.filter((r) => r.mlogits > 0).map((r) => [`${r.op}|${r.shape}|${r.backend}|${r.mode}`, r.mlogits]));
  const series = SERIES.filter((s) => rows.some((r) => r.backend === s.backend && r.mode === s.mode));
  // each panel's y range: the decades its charted values span (ops differ by 1000× — nllLoss reads one value per row)
  const range = ops.map((op) => {
    const values = series.flatMap((s) => shapes.map((shape) => value.get(`${op}|${shape}|${s.backend}|${s.mode}`)).filter(Boolean));
    const lo = 10 ** Math.floor(Math.log10(values.length ? Math.min(...values) : 10));
    const hi = 10 ** Math.ceil(Math.log10(values.length ? Math.max(...values) : 1000));
    return { lo, hi: hi > lo ? hi : lo * 10 };
  });
  // up to 4 ops in a row; more in rows of 3 or 4, whichever leaves fewer empty cells (9 ops: 3 × 3)
  const n = Math.max(1, ops.length);
  const cols = n <= MAX_COLS ? n : [MAX_COLS, MAX_COLS - 1].sort((a, b) => (((-n % a) + a) % a) - (((-n % b) + b) % b))[0];
  const panelRows = Math.ceil(n / cols);
  const PANEL_W = cols <= 3 ? 400 : 320; // about 1.2k wide either way
  const width = AXIS_W + cols * PANEL_W + 8,
    height = LEGEND_H + panelRows * PANEL_H + XLABEL_H;
  const plotW = PANEL_W - PLOT.left - PLOT.right;
  const origin = (i) => [AXIS_W + (i % cols) * PANEL_W, LEGEND_H + Math.floor(i / cols) * PANEL_H];
  const y = (i, v) => origin(i)[1] + PLOT.top + PLOT.height * (1 - Math.log10(v / range[i].lo) / Math.log10(range[i].hi / range[i].lo));
  const x = (i, j) => origin(i)[0] + PLOT.left + ((j + 0.5) * plotW) / shapes.length;

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
      `role="img" aria-labelledby="chart-title" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">`,
    `<title id="chart-title">Throughput in million logits per second per backend and shape, log scale</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  // legend
  out.push('<g class="legend">');
  let lx = AXIS_W + PLOT.left;
  for (const s of series) {
    out.push(
      `<g class="legend-item" data-backend="${esc(s.backend)}">` +
        `<line x1="${lx}" y1="16" x2="${lx + 24}" y2="16" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>` +
        `<circle cx="${lx + 12}" cy="16" r="3.5" fill="${s.color}"/>` +
        `<text x="${lx + 30}" y="20" font-size="12">${esc(s.label)}</text></g>`,
    );
    lx += 30 + 7.2 * s.label.length + 22;
  }
  out.push('</g>');
  // axis labels
  const midY = LEGEND_H + (panelRows * PANEL_H) / 2;
  out.push(
    `<text class="axis-label" x="14" y="${midY}" transform="rotate(-90 14 ${midY})" text-anchor="middle" font-size="12">` +
      'million logits per second (log scale)</text>',
  );
  out.push(
    `<text class="axis-label" x="${AXIS_W + (cols * PANEL_W) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">` +
      'shape: rows × classes — simdloss with plain arrays in and out (copy) on each backend, and the plain-JS loops</text>',
  );
  // panels: frame, grid, ticks, title
  ops.forEach((op, i) => {
    const [ox, oy] = origin(i);
    const left = ox + PLOT.left,
      top = oy + PLOT.top;
    out.push(`<g class="panel" data-op="${esc(op)}">`);
    out.push(`<text x="${left + plotW / 2}" y="${oy + 15}" text-anchor="middle" font-size="13" font-weight="600">${esc(op)}</text>`);
    for (const t of ticks(range[i].lo, range[i].hi)) {
      const ty = r1(y(i, t)),
        major = Math.abs(Math.log10(t) % 1) < 1e-9;
      out.push(
        `<line x1="${left}" y1="${ty}" x2="${left + plotW}" y2="${ty}" stroke="${major ? '#ccc' : '#eee'}"/>` +
          `<text x="${left - 5}" y="${ty + 3.5}" text-anchor="end" fill="#444">${fmt(t)}</text>`,
      );
    }
    out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${PLOT.height}" fill="none" stroke="#888"/>`);
    shapes.forEach((name, j) => {
      const [rowsText, classes] = name.split('x');
      const tx = r1(x(i, j)),
        by = top + PLOT.height;
      out.push(
        `<line x1="${tx}" y1="${by}" x2="${tx}" y2="${by + 4}" stroke="#888"/>` +
          `<text x="${tx}" y="${by + 16}" text-anchor="middle" fill="#444">${esc(rowsText)}</text>` +
          `<text x="${tx}" y="${by + 28}" text-anchor="middle" fill="#444">×${esc(classes)}</text>`,
      );
    });
    out.push('</g>');
  });
  // series, each across every panel: lines through consecutive measured shapes, and points
  for (const s of series) {
    out.push(`<g class="series" data-backend="${esc(s.backend)}" data-mode="${esc(s.mode)}">`);
    ops.forEach((op, i) => {
      const points = shapes.map((shape, j) => {
        const v = value.get(`${op}|${shape}|${s.backend}|${s.mode}`);
        return v ? { px: r1(x(i, j)), py: r1(y(i, v)), v, shape } : null;
      });
      let run = [];
      for (const p of [...points, null]) {
        if (p) {
          run.push(p);
          continue;
        }
        if (run.length > 1) {
          out.push(
            `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} ` +
              `points="${run.map((q) => `${q.px},${q.py}`).join(' ')}"/>`,
          );
        }
        run = [];
      }
      for (const p of points.filter(Boolean)) {
        out.push(
          `<circle cx="${p.px}" cy="${p.py}" r="3.5" fill="${s.color}"><title>${esc(
            `${s.label}, ${op} ` + `${p.shape.replace('x', '×')}: ${+p.v.toPrecision(3)} Mlogits/s`,
          )}</title></circle>`,
        );
      }
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}
