import { encodePng } from './png.js';
import { GLYPH_H, textWidth } from './font.js';
import { parseColor, Raster } from './raster.js';
import { layoutChart, legendBox, PALETTE, seriesPoints, validateChart, type Chart } from './chart.js';

const SVG_FONT = 14;
const SVG_CHAR = 7.8; // average advance of 14 px sans-serif, for layout
const SVG_TEXT_H = 14;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/**
 * Renders a chart as a standalone SVG document (a string). Each series is
 * one `<path>` with `class="series"` and `data-label` set to its legend text.
 * @throws {@link MetricsError} on an invalid chart (empty or non-finite series)
 */
export function renderSvg(chart: Chart): string {
  validateChart(chart);
  const measure = (s: string): number => s.length * SVG_CHAR;
  const L = layoutChart(chart, measure, SVG_TEXT_H);
  const out: string[] = [];
  const W = L.width;
  const H = L.height;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="${SVG_FONT}">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<defs><clipPath id="plot-area"><rect x="${n(L.left)}" y="${n(L.top)}" width="${n(L.right - L.left)}" height="${n(L.bottom - L.top)}"/></clipPath></defs>`);
  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of L.xTicks) out.push(`<line x1="${n(L.px(t.v))}" y1="${n(L.top)}" x2="${n(L.px(t.v))}" y2="${n(L.bottom)}"/>`);
  for (const t of L.yTicks) out.push(`<line x1="${n(L.left)}" y1="${n(L.py(t.v))}" x2="${n(L.right)}" y2="${n(L.py(t.v))}"/>`);
  out.push('</g>');
  out.push('<g class="ticks" fill="#333333">');
  for (const t of L.xTicks) {
    out.push(`<line x1="${n(L.px(t.v))}" y1="${n(L.bottom)}" x2="${n(L.px(t.v))}" y2="${n(L.bottom + 5)}" stroke="#333333"/>`);
    out.push(`<text x="${n(L.px(t.v))}" y="${n(L.bottom + 8 + SVG_TEXT_H)}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  for (const t of L.yTicks) {
    out.push(`<line x1="${n(L.left - 5)}" y1="${n(L.py(t.v))}" x2="${n(L.left)}" y2="${n(L.py(t.v))}" stroke="#333333"/>`);
    out.push(`<text x="${n(L.left - 8)}" y="${n(L.py(t.v) + SVG_TEXT_H * 0.35)}" text-anchor="end">${esc(t.label)}</text>`);
  }
  out.push('</g>');
  out.push('<g class="series-group" clip-path="url(#plot-area)" fill="none" stroke-linejoin="round" stroke-linecap="round">');
  chart.series.forEach((s, i) => {
    const color = s.color ?? (PALETTE[i % PALETTE.length] as string);
    const { xs, ys } = seriesPoints(s, L);
    const d = xs.map((x, k) => `${k === 0 ? 'M' : 'L'}${n(x)},${n(ys[k] as number)}`).join('');
    const dash = s.dashed ? ' stroke-dasharray="7 5"' : '';
    const label = s.label ? ` data-label="${esc(s.label)}"` : '';
    out.push(`<path class="series"${label} d="${d}" stroke="${esc(color)}" stroke-width="${s.width ?? 2.5}"${dash}/>`);
    if (s.markers) {
      for (let k = 0; k < s.x.length; k++) {
        out.push(`<circle cx="${n(L.px(s.x[k] as number))}" cy="${n(L.py(s.y[k] as number))}" r="4" fill="${esc(color)}" stroke="none"/>`);
      }
    }
  });
  out.push('</g>');
  out.push(`<rect class="frame" x="${n(L.left)}" y="${n(L.top)}" width="${n(L.right - L.left)}" height="${n(L.bottom - L.top)}" fill="none" stroke="#333333" stroke-width="1"/>`);
  if (chart.title) out.push(`<text class="title" x="${n((L.left + L.right) / 2)}" y="${n(SVG_TEXT_H + 12)}" text-anchor="middle" font-size="${SVG_FONT + 3}" font-weight="bold">${esc(chart.title)}</text>`);
  if (chart.xLabel) out.push(`<text class="xlabel" x="${n((L.left + L.right) / 2)}" y="${n(H - 12)}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  if (chart.yLabel) {
    const cx = 12 + SVG_TEXT_H;
    const cy = (L.top + L.bottom) / 2;
    out.push(`<text class="ylabel" x="${n(cx)}" y="${n(cy)}" text-anchor="middle" transform="rotate(-90 ${n(cx)} ${n(cy)})">${esc(chart.yLabel)}</text>`);
  }
  const lg = legendBox(chart, L, measure, SVG_TEXT_H);
  if (lg) {
    out.push(`<g class="legend"><rect x="${n(lg.x)}" y="${n(lg.y)}" width="${n(lg.w)}" height="${n(lg.h)}" fill="#ffffff" fill-opacity="0.9" stroke="#cccccc"/>`);
    for (const r of lg.rows) {
      const dash = r.s.dashed ? ' stroke-dasharray="7 5"' : '';
      out.push(`<line x1="${n(lg.x + 10)}" y1="${n(r.y)}" x2="${n(lg.x + 38)}" y2="${n(r.y)}" stroke="${esc(r.color)}" stroke-width="${r.s.width ?? 2.5}"${dash}/>`);
      out.push(`<text x="${n(lg.x + 46)}" y="${n(r.y + SVG_TEXT_H * 0.35)}">${esc(r.s.label as string)}</text>`);
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Options of {@link renderPng}. */
export interface PngOptions {
  /** Integer scale of the built-in 5x7 bitmap font (2 gives 10x14-pixel glyphs). Default `2`. */
  fontScale?: number;
}

/**
 * Rasterises a chart (anti-aliased lines, bitmap-font labels) and encodes it
 * as PNG bytes. Pure JS: works in browsers and Node alike.
 * @throws {@link MetricsError} on an invalid chart (empty or non-finite series)
 */
export function renderPng(chart: Chart, options: PngOptions = {}): Uint8Array {
  const img = rasterizeChart(chart, options);
  return encodePng(img.data, img.width, img.height);
}

/** An 8-bit RGBA image. */
export interface RgbaImage {
  /** Row-major RGBA bytes, `width * height * 4`. */
  data: Uint8ClampedArray;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/**
 * Rasterises a chart into RGBA pixels (`width * height * 4` bytes), e.g. to
 * draw into a canvas `ImageData`.
 * @throws {@link MetricsError} on an invalid chart
 */
export function rasterizeChart(chart: Chart, options: PngOptions = {}): RgbaImage {
  validateChart(chart);
  const fs = Math.max(1, Math.round(options.fontScale ?? 2));
  const th = GLYPH_H * fs;
  const measure = (s: string): number => textWidth(s, fs);
  const L = layoutChart(chart, measure, th);
  const R = new Raster(L.width, L.height);
  const grid = parseColor('#e6e6e6');
  const ink = parseColor('#333333');
  for (const t of L.xTicks) R.fillRect(Math.round(L.px(t.v)), L.top, 1, L.bottom - L.top, grid);
  for (const t of L.yTicks) R.fillRect(L.left, Math.round(L.py(t.v)), L.right - L.left, 1, grid);
  const clip: [number, number, number, number] = [L.left, L.top, L.right, L.bottom];
  chart.series.forEach((s, i) => {
    const color = parseColor(s.color ?? (PALETTE[i % PALETTE.length] as string));
    const { xs, ys } = seriesPoints(s, L);
    if (xs.length === 1) R.disc(xs[0] as number, ys[0] as number, (s.width ?? 2.5) / 2 + 1, color);
    else R.polyline(xs, ys, color, s.width ?? 2.5, s.dashed ? [7, 5] : undefined, clip);
    if (s.markers) for (let k = 0; k < s.x.length; k++) R.disc(L.px(s.x[k] as number), L.py(s.y[k] as number), 4, color);
  });
  // Frame, ticks and labels.
  const l = Math.round(L.left);
  const t = Math.round(L.top);
  const r = Math.round(L.right);
  const b = Math.round(L.bottom);
  R.fillRect(l, t, r - l + 1, 1, ink);
  R.fillRect(l, b, r - l + 1, 1, ink);
  R.fillRect(l, t, 1, b - t + 1, ink);
  R.fillRect(r, t, 1, b - t + 1, ink);
  for (const tk of L.xTicks) {
    const x = Math.round(L.px(tk.v));
    R.fillRect(x, b, 1, 5, ink);
    R.text(tk.label, x - measure(tk.label) / 2, b + 8, fs, ink);
  }
  for (const tk of L.yTicks) {
    const y = Math.round(L.py(tk.v));
    R.fillRect(l - 5, y, 5, 1, ink);
    R.text(tk.label, l - 8 - measure(tk.label), y - th / 2, fs, ink);
  }
  if (chart.title) R.text(chart.title, (L.left + L.right) / 2 - measure(chart.title) / 2, 10, fs, parseColor('#000000'));
  if (chart.xLabel) R.text(chart.xLabel, (L.left + L.right) / 2 - measure(chart.xLabel) / 2, L.height - 12 - th, fs, ink);
  if (chart.yLabel) R.text(chart.yLabel, 12, (L.top + L.bottom) / 2 + measure(chart.yLabel) / 2, fs, ink, true);
  const lg = legendBox(chart, L, measure, th);
  if (lg) {
    R.fillRect(lg.x, lg.y, lg.w, lg.h, [255, 255, 255], 0.9);
    const edge = parseColor('#cccccc');
    R.fillRect(lg.x, lg.y, lg.w, 1, edge);
    R.fillRect(lg.x, lg.y + lg.h - 1, lg.w, 1, edge);
    R.fillRect(lg.x, lg.y, 1, lg.h, edge);
    R.fillRect(lg.x + lg.w - 1, lg.y, 1, lg.h, edge);
    for (const row of lg.rows) {
      const c = parseColor(row.color);
      R.polyline([lg.x + 10, lg.x + 38], [row.y, row.y], c, row.s.width ?? 2.5, row.s.dashed ? [7, 5] : undefined);
      R.text(row.s.label as string, lg.x + 46, row.y - th / 2, fs, ink);
    }
  }
  return { data: R.data, width: L.width, height: L.height };
}
