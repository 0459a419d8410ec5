import { FONT_FAMILY } from './font.js';
import { FONT_SIZE, LINE, TITLE_SIZE, figureLayout, isFigure, layoutChart, PALETTE, seriesPoints, validateChart, type Chart, type Figure } from './chart.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/** The SVG elements of one chart, with ids made unique by `id`. */
function chartBody(chart: Chart, id: string): string[] {
  validateChart(chart);
  const L = layoutChart(chart);
  const out: string[] = [];
  const clip = `plot-area${id}`;
  out.push(`<defs><clipPath id="${clip}"><rect x="${n(L.left)}" y="${n(L.top)}" width="${n(L.right - L.left)}" height="${n(L.bottom - L.top)}"/></clipPath></defs>`);
  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of L.xTicks) out.push(`<line x1="${n(L.px(t.v))}" y1="${n(L.top)}" x2="${n(L.px(t.v))}" y2="${n(L.bottom)}"/>`);
  for (const t of L.yTicks) out.push(`<line x1="${n(L.left)}" y1="${n(L.py(t.v))}" x2="${n(L.right)}" y2="${n(L.py(t.v))}"/>`);
  out.push('</g>');
  out.push('<g class="ticks" fill="#333333">');
  for (const t of L.xTicks) {
    out.push(`<line x1="${n(L.px(t.v))}" y1="${n(L.bottom)}" x2="${n(L.px(t.v))}" y2="${n(L.bottom + 5)}" stroke="#333333"/>`);
    out.push(`<text x="${n(L.px(t.v))}" y="${n(L.xTickBaseline)}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  for (const t of L.yTicks) {
    out.push(`<line x1="${n(L.left - 5)}" y1="${n(L.py(t.v))}" x2="${n(L.left)}" y2="${n(L.py(t.v))}" stroke="#333333"/>`);
    out.push(`<text x="${n(L.left - 8)}" y="${n(L.py(t.v) + FONT_SIZE * 0.36)}" text-anchor="end">${esc(t.label)}</text>`);
  }
  out.push('</g>');
  out.push(`<g class="series-group" clip-path="url(#${clip})" fill="none" stroke-linejoin="round" stroke-linecap="round">`);
  chart.series.forEach((s, i) => {
    const color = s.color ?? (PALETTE[i % PALETTE.length] as string);
    const { xs, ys } = seriesPoints(s, L);
    const d = xs.map((x, k) => `${k === 0 ? 'M' : 'L'}${n(x)},${n(ys[k] as number)}`).join('');
    const dash = s.dashed ? ' stroke-dasharray="7 5"' : '';
    const label = s.label ? ` data-label="${esc(s.label)}"` : '';
    out.push(`<path class="series"${label} d="${d}" stroke="${esc(color)}" stroke-width="${s.width ?? 2.5}"${dash}/>`);
    if (s.markers || xs.length === 1) {
      const r = s.markers ? 4 : (s.width ?? 2.5) / 2 + 1;
      for (let k = 0; k < s.x.length; k++) {
        out.push(`<circle cx="${n(L.px(s.x[k] as number))}" cy="${n(L.py(s.y[k] as number))}" r="${r}" fill="${esc(color)}" stroke="none"/>`);
      }
    }
  });
  out.push('</g>');
  out.push(`<rect class="frame" x="${n(L.left)}" y="${n(L.top)}" width="${n(L.right - L.left)}" height="${n(L.bottom - L.top)}" fill="none" stroke="#333333" stroke-width="1"/>`);
  L.titleLines.forEach((line, k) => {
    out.push(`<text class="title" x="${n(L.width / 2)}" y="${n(10 + TITLE_SIZE * 0.9 + k * TITLE_SIZE * LINE)}" text-anchor="middle" font-size="${TITLE_SIZE}" fill="#000000">${esc(line)}</text>`);
  });
  L.xLabelLines.forEach((line, k) => {
    out.push(`<text class="xlabel" x="${n((L.left + L.right) / 2)}" y="${n(L.xLabelBaseline + k * FONT_SIZE * LINE)}" text-anchor="middle" fill="#333333">${esc(line)}</text>`);
  });
  if (L.yLabel) {
    const cx = 12 + FONT_SIZE * 0.8;
    const cy = (L.top + L.bottom) / 2;
    out.push(`<text class="ylabel" x="${n(cx)}" y="${n(cy)}" text-anchor="middle" fill="#333333" transform="rotate(-90 ${n(cx)} ${n(cy)})">${esc(L.yLabel)}</text>`);
  }
  const lg = L.legend;
  if (lg) {
    out.push(`<g class="legend${lg.below ? ' legend-below' : ''}"><rect x="${n(lg.x)}" y="${n(lg.y)}" width="${n(lg.w)}" height="${n(lg.h)}" fill="#ffffff" fill-opacity="0.9" stroke="#cccccc"/>`);
    for (const r of lg.rows) {
      const dash = r.s.dashed ? ' stroke-dasharray="7 5"' : '';
      out.push(`<line x1="${n(lg.x + 10)}" y1="${n(r.y)}" x2="${n(lg.x + 38)}" y2="${n(r.y)}" stroke="${esc(r.color)}" stroke-width="${r.s.width ?? 2.5}"${dash}/>`);
      r.lines.forEach((line, k) => {
        out.push(`<text x="${n(lg.x + 46)}" y="${n(r.y + FONT_SIZE * 0.36 + k * FONT_SIZE * LINE)}" fill="#222222">${esc(line)}</text>`);
      });
    }
    out.push('</g>');
  }
  return out;
}

/**
 * Renders a chart, or a {@link Figure} of several chart panels, as a
 * standalone SVG document (a string). Each series is one `<path>` with
 * `class="series"` and `data-label` set to its legend text. Text is laid out
 * with the metrics of DejaVu Sans (the font the PNG renderer embeds), so
 * legends and labels fit; any Unicode text is fine.
 * @throws {@link MetricsError} on an invalid chart (empty or non-finite series)
 */
export function renderSvg(chart: Chart | Figure): string {
  const parts = isFigure(chart) ? figureLayout(chart) : [{ x: 0, y: 0, chart, titleLines: [] as string[] }];
  if (!isFigure(chart)) validateChart(chart);
  const W = isFigure(chart) ? (chart.width ?? 720 * Math.min(chart.columns ?? chart.panels.length, chart.panels.length)) : (chart.width ?? 720);
  const H = isFigure(chart) ? (chart.height ?? 540 * Math.ceil(chart.panels.length / (chart.columns ?? chart.panels.length))) : (chart.height ?? 540);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${esc(FONT_FAMILY)}" font-size="${FONT_SIZE}">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  const titleLines = parts[0]?.titleLines ?? [];
  titleLines.forEach((line, k) => {
    out.push(`<text class="figure-title" x="${n(W / 2)}" y="${n(10 + (TITLE_SIZE + 2) * 0.9 + k * (TITLE_SIZE + 2) * LINE)}" text-anchor="middle" font-size="${TITLE_SIZE + 2}" fill="#000000">${esc(line)}</text>`);
  });
  parts.forEach((p, k) => {
    const body = chartBody(p.chart, parts.length > 1 ? `-${k}` : '');
    if (parts.length > 1 || p.x !== 0 || p.y !== 0) out.push(`<g class="panel" transform="translate(${p.x} ${n(p.y)})">`, ...body, '</g>');
    else out.push(...body);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
