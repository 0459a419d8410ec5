import { MetricsError } from '../errors.js';
import { rocCurve, prCurve } from '../auc.js';
import { calibrationCurve, type CalibrationOptions } from '../calibration.js';
import type { BinaryLabels, Scores } from '../validate.js';
import { fitText, textWidth, wrapText } from './font.js';

/** One line of a chart. */
export interface Series {
  /** Legend text (omitted series get no legend row). */
  label?: string;
  /** x values. */
  x: ArrayLike<number>;
  /** y values (same length as x). */
  y: ArrayLike<number>;
  /** CSS hex colour `#rrggbb`; default from the palette by series index. */
  color?: string;
  /** Line width in pixels. Default `2.5`. */
  width?: number;
  /** Dashed line. Default `false`. */
  dashed?: boolean;
  /** Draw a dot at every point. Default `false`. */
  markers?: boolean;
  /** Draw as a step function that holds each y until the next x (matplotlib's `steps-post`). Default `false`. */
  step?: boolean;
}

/**
 * Where the legend goes: a corner inside the plot area, `'below'` the plot
 * (under the x-axis label, labels wrapped to the canvas width), or `'auto'`:
 * the corner whose legend box covers the fewest data points and line
 * segments, tried in the order upper right, upper left, lower right, lower
 * left (the first wins a tie), and below the plot when every corner covers
 * some data. A corner legend that would cover more than half the plot, or
 * not fit its width, moves below by itself.
 */
export type LegendPosition = 'lower right' | 'lower left' | 'upper right' | 'upper left' | 'auto' | 'below' | 'none';

/** A legend corner inside the plot. */
type Corner = 'upper right' | 'upper left' | 'lower right' | 'lower left';
/** The corners `'auto'` tries, in order of preference. */
const AUTO_CORNERS: Corner[] = ['upper right', 'upper left', 'lower right', 'lower left'];

/** An axis-aligned box in pixels. @internal */
export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether the segment (ax, ay)-(bx, by) meets `box` (Liang-Barsky clipping). */
function segmentMeetsBox(ax: number, ay: number, bx: number, by: number, box: PixelBox): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = bx - ax;
  const dy = by - ay;
  // Each pair: the edge's inward normal step p and the distance q to it.
  const edges: [number, number][] = [[-dx, ax - box.x], [dx, box.x + box.w - ax], [-dy, ay - box.y], [dy, box.y + box.h - ay]];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
  }
  return t0 <= t1;
}

/**
 * How much data a legend box at `box` would hide: the number of points of
 * the series (pixel coordinates, as drawn; step series expanded) inside the
 * box plus the number of line segments between consecutive points that
 * cross it. The box is grown by `margin` pixels on each side, for line
 * widths and markers. @internal
 */
export function legendCoverage(box: PixelBox, series: { xs: ArrayLike<number>; ys: ArrayLike<number> }[], margin = 5): number {
  const b = { x: box.x - margin, y: box.y - margin, w: box.w + 2 * margin, h: box.h + 2 * margin };
  let n = 0;
  for (const { xs, ys } of series) {
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as number;
      const y = ys[i] as number;
      if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) n++;
      if (i > 0 && segmentMeetsBox(xs[i - 1] as number, ys[i - 1] as number, x, y, b)) n++;
    }
  }
  return n;
}

/** A line chart: everything a renderer needs, as plain data. */
export interface Chart {
  /** Title above the plot. */
  title?: string;
  /** x-axis label. */
  xLabel?: string;
  /** y-axis label. */
  yLabel?: string;
  /** x range; default from the data. */
  xRange?: [number, number];
  /** y range; default from the data. */
  yRange?: [number, number];
  /** `'log'` for a base-10 logarithmic y axis (all y > 0). Default `'linear'`. */
  yScale?: 'linear' | 'log';
  /** The lines. */
  series: Series[];
  /** Legend position. Default `'upper right'`. */
  legend?: LegendPosition;
  /** Canvas width in pixels. Default `720`. */
  width?: number;
  /** Canvas height in pixels. Default `540`. */
  height?: number;
}

/** The default colour cycle (matplotlib's tab10). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Options shared by the chart builders. */
export interface ChartOptions {
  /** Title. Default depends on the chart (e.g. `'ROC curve'`). */
  title?: string;
  /** Canvas width in pixels. Default `720`. */
  width?: number;
  /** Canvas height in pixels. Default `540`. */
  height?: number;
  /** Legend position (default depends on the chart). */
  legend?: LegendPosition;
}

/** A chart on the unit square (both axes [0, 1]): the options' title, legend and size over the chart's defaults. */
function unitSquareChart(series: Series[], options: ChartOptions, d: { title: string; xLabel: string; yLabel: string; legend: LegendPosition }): Chart {
  return { title: options.title ?? d.title, xLabel: d.xLabel, yLabel: d.yLabel, xRange: [0, 1], yRange: [0, 1], series, legend: options.legend ?? d.legend, width: options.width ?? 720, height: options.height ?? 540 };
}

/** A model's predictions for the ROC/PR/calibration charts. */
export interface ModelScores {
  /** Name shown in the legend. */
  name: string;
  /** 0/1 labels. */
  labels: BinaryLabels;
  /** Scores (probabilities for the calibration plot). */
  scores: Scores;
  /** Colour `#rrggbb`; default from the palette. */
  color?: string;
}

function fmt(v: number, digits = 3): string {
  return v.toFixed(digits);
}

/**
 * ROC curves of one or more models on one chart, each legend entry with its
 * AUC (`name (AUC 0.912)`), and the chance diagonal.
 * @throws {@link MetricsError} on invalid scores (as {@link rocCurve})
 */
export function rocChart(models: ModelScores[], options: ChartOptions = {}): Chart {
  if (models.length === 0) throw new MetricsError('rocChart', 'empty', 'no models');
  const series: Series[] = models.map((m, i) => {
    const r = rocCurve(m.labels, m.scores);
    return { label: `${m.name} (AUC ${fmt(r.auc)})`, x: r.fpr, y: r.tpr, color: m.color ?? (PALETTE[i % PALETTE.length] as string) };
  });
  series.push({ x: [0, 1], y: [0, 1], color: '#999999', width: 1.5, dashed: true });
  return unitSquareChart(series, options, { title: 'ROC curve', xLabel: 'False positive rate (1 - specificity)', yLabel: 'True positive rate (sensitivity)', legend: 'lower right' });
}

/**
 * Precision-recall curves (step plots) of one or more models, each legend
 * entry with its average precision, and the prevalence of the first model's
 * labels as the chance line.
 * @throws {@link MetricsError} on invalid scores (as {@link prCurve})
 */
export function prChart(models: ModelScores[], options: ChartOptions = {}): Chart {
  if (models.length === 0) throw new MetricsError('prChart', 'empty', 'no models');
  const series: Series[] = models.map((m, i) => {
    const p = prCurve(m.labels, m.scores);
    return { label: `${m.name} (AP ${fmt(p.averagePrecision)})`, x: p.recall, y: p.precision, step: true, color: m.color ?? (PALETTE[i % PALETTE.length] as string) };
  });
  const l0 = models[0]?.labels as BinaryLabels;
  let pos = 0;
  for (let i = 0; i < l0.length; i++) pos += l0[i] ? 1 : 0;
  const prev = pos / l0.length;
  series.push({ label: `chance (prevalence ${fmt(prev, 2)})`, x: [0, 1], y: [prev, prev], color: '#999999', width: 1.5, dashed: true });
  return unitSquareChart(series, options, { title: 'Precision-recall curve', xLabel: 'Recall (sensitivity)', yLabel: 'Precision (PPV)', legend: 'upper right' });
}

/**
 * Calibration (reliability) diagram: fraction of positives vs mean predicted
 * probability per bin for each model (dots joined by lines), and the
 * diagonal of perfect calibration.
 * @throws {@link MetricsError} when scores are not probabilities
 */
export function calibrationChart(models: ModelScores[], options: ChartOptions & CalibrationOptions = {}): Chart {
  if (models.length === 0) throw new MetricsError('calibrationChart', 'empty', 'no models');
  const series: Series[] = [{ label: 'perfectly calibrated', x: [0, 1], y: [0, 1], color: '#999999', width: 1.5, dashed: true }];
  models.forEach((m, i) => {
    const c = calibrationCurve(m.labels, m.scores, options);
    series.push({ label: m.name, x: c.probPred, y: c.probTrue, markers: true, color: m.color ?? (PALETTE[i % PALETTE.length] as string) });
  });
  return unitSquareChart(series, options, { title: 'Calibration', xLabel: 'Mean predicted probability', yLabel: 'Fraction of positives', legend: 'upper left' });
}

/** Options of {@link lineChart}. */
export interface LineChartOptions extends ChartOptions {
  /** x-axis label. Default `'step'`. */
  xLabel?: string;
  /** y-axis label. Default `'loss'`. */
  yLabel?: string;
  /** `'log'` for a logarithmic y axis. Default `'linear'`. */
  yScale?: 'linear' | 'log';
}

/**
 * A generic line chart, e.g. training and validation loss per step:
 * `lineChart([{ label: 'train', x: steps, y: loss }], { yScale: 'log' })`.
 * @throws {@link MetricsError} on mismatched x/y lengths, empty or non-finite series
 */
export function lineChart(series: Series[], options: LineChartOptions = {}): Chart {
  if (series.length === 0) throw new MetricsError('lineChart', 'empty', 'no series');
  const chart: Chart = {
    title: options.title ?? '',
    xLabel: options.xLabel ?? 'step',
    yLabel: options.yLabel ?? 'loss',
    yScale: options.yScale ?? 'linear',
    series: series.map((s, i) => ({ ...s, color: s.color ?? (PALETTE[i % PALETTE.length] as string) })),
    legend: options.legend ?? 'upper right',
    width: options.width ?? 720,
    height: options.height ?? 540,
  };
  validateChart(chart);
  return chart;
}

/** Checks a chart's series. @internal */
export function validateChart(chart: Chart): void {
  const fn = 'renderChart';
  if (!chart || !Array.isArray(chart.series) || chart.series.length === 0) throw new MetricsError(fn, 'empty', 'chart has no series');
  chart.series.forEach((s, k) => {
    if (s.x.length !== s.y.length) throw new MetricsError(fn, 'length-mismatch', `series ${k} has ${s.x.length} x and ${s.y.length} y values`);
    if (s.x.length === 0) throw new MetricsError(fn, 'empty', `series ${k} is empty`);
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.x[i] as number) || !Number.isFinite(s.y[i] as number)) {
        throw new MetricsError(fn, 'not-finite', `series ${k} point ${i} is not finite (${s.x[i]}, ${s.y[i]})`);
      }
      if (chart.yScale === 'log' && !((s.y[i] as number) > 0)) {
        throw new MetricsError(fn, 'invalid-argument', `series ${k} point ${i}: y = ${s.y[i]} on a log axis`);
      }
    }
  });
  const w = chart.width ?? 720;
  const h = chart.height ?? 540;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 120 || h < 100 || w > 8192 || h > 8192) {
    throw new MetricsError(fn, 'invalid-argument', `canvas must be 120..8192 x 100..8192 integer pixels, got ${w} x ${h}`);
  }
}

/** Font size (px) of tick labels, axis labels and legend entries. @internal */
export const FONT_SIZE = 14;
/** Font size (px) of titles. @internal */
export const TITLE_SIZE = 17;
/** Line height as a multiple of the font size. @internal */
export const LINE = 1.3;

/** A legend entry laid out: its series, colour, wrapped lines and the centre y of its first line. @internal */
export interface LegendRow {
  s: Series;
  color: string;
  lines: string[];
  y: number;
}

/** The legend box and its rows. @internal */
export interface LegendLayout {
  x: number;
  y: number;
  w: number;
  h: number;
  /** `true` when placed below the plot rather than inside it. */
  below: boolean;
  /** Where it went (`'auto'` resolved to a corner or `'below'`). */
  position: Exclude<LegendPosition, 'auto' | 'none'>;
  rows: LegendRow[];
}

/** Computed geometry of one chart. @internal */
export interface Layout {
  width: number;
  height: number;
  /** Plot area in pixels. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** Data → pixel. */
  px(x: number): number;
  py(y: number): number;
  xTicks: { v: number; label: string }[];
  yTicks: { v: number; label: string }[];
  /** Title lines (wrapped to the canvas width). */
  titleLines: string[];
  /** x-axis label lines (wrapped to the plot width). */
  xLabelLines: string[];
  /** y-axis label, cut to the plot height. */
  yLabel: string;
  /** Baseline of the x tick labels. */
  xTickBaseline: number;
  /** Baseline of the first x-axis label line. */
  xLabelBaseline: number;
  legend: LegendLayout | null;
}

function niceStep(span: number, target: number): number {
  const raw = span / target;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  // The nice step nearest the raw one (1, 2, 5 or 10 times a power of ten).
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

/** Formats a tick value compactly. @internal */
export function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    return `${Number((v / Math.pow(10, e)).toFixed(2))}e${e}`;
  }
  const dec = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(dec);
}

function ticks(lo: number, hi: number, target: number, integer = false): { v: number; label: string }[] {
  const step = integer ? Math.max(1, niceStep(hi - lo, target)) : niceStep(hi - lo, target);
  const out: { v: number; label: string }[] = [];
  const start = Math.ceil(lo / step - 1e-9);
  for (let k = start; k * step <= hi + step * 1e-9; k++) {
    const v = k * step;
    out.push({ v: Math.abs(v) < step * 1e-9 ? 0 : v, label: tickLabel(Math.abs(v) < step * 1e-9 ? 0 : v, step) });
  }
  return out;
}

function dataRange(chart: Chart, axis: 'x' | 'y'): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of chart.series) {
    const a = axis === 'x' ? s.x : s.y;
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  return [lo, hi];
}

/** Legend geometry constants: padding, sample line length and gap before the text. */
const LG_PAD = 10;
const LG_LINE = 28;
const LG_GAP = 8;

function legendItems(chart: Chart): { s: Series; color: string }[] {
  return chart.series.map((s, i) => ({ s, color: s.color ?? (PALETTE[i % PALETTE.length] as string) })).filter((r) => r.s.label);
}

/**
 * Computes the plot geometry, measuring text with the plot font's metrics:
 * titles and axis labels wrap, and the legend goes inside the plot only when
 * it fits (else below it, wrapped). @internal
 */
export function layoutChart(chart: Chart): Layout {
  const measure = textWidth;
  const wrap = wrapText;
  const fit = fitText;
  const width = chart.width ?? 720;
  const height = chart.height ?? 540;
  const lh = FONT_SIZE * LINE;
  const logY = chart.yScale === 'log';
  let [x0, x1] = chart.xRange ?? dataRange(chart, 'x');
  let [y0, y1] = chart.yRange ?? dataRange(chart, 'y');
  // Integer x data (epochs, steps) gets integer ticks only.
  const intX = chart.series.every((s) => Array.prototype.every.call(s.x, (v: number) => Number.isInteger(v)));
  let xTicks = ticks(x0, x1, 6, intX);
  let yTicks: { v: number; label: string }[];
  if (logY) {
    y0 = Math.log10(y0);
    y1 = Math.log10(y1);
    if (y1 - y0 < 1e-9) {
      y0 -= 0.5;
      y1 += 0.5;
    }
    if (y1 - y0 >= 1) {
      yTicks = [];
      const step = Math.max(1, Math.round(niceStep(y1 - y0, 6)));
      const mult = y1 - y0 < 2.5 ? [1, 2, 5] : [1];
      for (let e = Math.floor(y0) - 1; e <= y1 + 1e-9; e += step) {
        for (const m of mult) {
          const v = Math.log10(m) + e;
          if (v >= y0 - 1e-9 && v <= y1 + 1e-9) yTicks.push({ v, label: tickLabel(m * Math.pow(10, e), Math.pow(10, e)) });
        }
      }
    } else {
      yTicks = ticks(Math.pow(10, y0), Math.pow(10, y1), 5).map((t) => ({ v: Math.log10(t.v), label: t.label })).filter((t) => Number.isFinite(t.v));
    }
  } else {
    yTicks = ticks(y0, y1, 6);
  }
  // Without explicit ranges, extend the axes to the outer ticks (matplotlib-like, with a margin).
  if (!chart.xRange) {
    const pad = (x1 - x0) * 0.03;
    x0 -= pad;
    x1 += pad;
    // Ticks over the padded range, so that a tick just beyond the data still shows.
    xTicks = ticks(x0, x1, 6, intX).filter((t) => t.v >= x0 && t.v <= x1);
  } else {
    const pad = (x1 - x0) * 0.02;
    x0 -= pad;
    x1 += pad;
  }
  {
    const pad = (y1 - y0) * (chart.yRange ? 0.02 : 0.05);
    y0 -= pad;
    y1 += pad;
    if (!logY) yTicks = ticks(y0, y1, 6);
    yTicks = yTicks.filter((t) => t.v >= y0 && t.v <= y1);
  }
  const titleLines = chart.title ? wrap(chart.title, width - 24, TITLE_SIZE) : [];
  const top = titleLines.length ? 10 + titleLines.length * TITLE_SIZE * LINE + 8 : 16;
  const yTickW = Math.max(0, ...yTicks.map((t) => measure(t.label, FONT_SIZE)));
  const left = Math.ceil(12 + (chart.yLabel ? lh + 6 : 0) + yTickW + 10);
  // The last x tick label is centred on the right edge of the plot: keep it on the canvas.
  const lastX = xTicks[xTicks.length - 1];
  const right = Math.floor(width - Math.max(24, lastX ? measure(lastX.label, FONT_SIZE) / 2 + 8 : 0));
  const plotW = right - left;
  const xLabelLines = chart.xLabel ? wrap(chart.xLabel, plotW, FONT_SIZE) : [];
  // Below the plot: tick labels, x label lines, then (maybe) the legend.
  const underPlot = 6 + FONT_SIZE + (xLabelLines.length ? 8 + xLabelLines.length * lh : 0) + 10;
  const items = legendItems(chart);
  const pos = chart.legend ?? 'upper right';
  let legend: LegendLayout | null = null;
  let bottom = height - underPlot;
  if (pos !== 'none' && items.length > 0) {
    const textW = Math.max(...items.map((r) => measure(r.s.label as string, FONT_SIZE)));
    const w = LG_PAD + LG_LINE + LG_GAP + textW + LG_PAD;
    const h = 2 * (LG_PAD / 2) + items.length * lh;
    const m = 12;
    const cornerBox = (c: Corner): PixelBox => ({ x: c.endsWith('right') ? right - m - w : left + m, y: c.startsWith('lower') ? bottom - m - h : top + m, w, h });
    let corner: Corner | null = pos === 'below' || pos === 'auto' ? null : pos;
    const fitsInside = pos !== 'below' && w <= plotW - 2 * m && h <= (bottom - top) / 2;
    if (fitsInside && pos === 'auto') {
      // The data in pixels as they would be drawn with the legend inside (the plot keeps its full height).
      const b = Math.floor(bottom);
      const sx = (right - left) / (x1 - x0);
      const sy = (b - top) / (y1 - y0);
      const at = { px: (x: number) => left + (x - x0) * sx, py: (y: number) => b - ((logY ? Math.log10(y) : y) - y0) * sy };
      const pts = chart.series.map((s) => seriesPoints(s, at));
      let best = Infinity;
      for (const c of AUTO_CORNERS) {
        const n = legendCoverage(cornerBox(c), pts);
        if (n < best) {
          best = n;
          corner = c;
        }
      }
      if (best > 0) corner = null;
    }
    if (fitsInside && corner) {
      const { x, y } = cornerBox(corner);
      legend = { x, y, w, h, below: false, position: corner, rows: items.map((r, k) => ({ ...r, lines: [r.s.label as string], y: y + LG_PAD / 2 + k * lh + lh / 2 })) };
    } else {
      // Below the plot, across the canvas; long labels wrap.
      const maxText = width - 24 - (LG_PAD + LG_LINE + LG_GAP + LG_PAD);
      const wrapped = items.map((r) => ({ ...r, lines: wrap(r.s.label as string, maxText, FONT_SIZE) }));
      const lines = wrapped.reduce((a, r) => a + r.lines.length, 0);
      const bh = LG_PAD + lines * lh + (wrapped.length - 1) * 4;
      const bw = Math.min(width - 24, LG_PAD + LG_LINE + LG_GAP + Math.max(...wrapped.flatMap((r) => r.lines.map((l) => measure(l, FONT_SIZE)))) + LG_PAD);
      bottom = height - underPlot - bh - 4;
      const x = Math.max(12, Math.min(width - 12 - bw, (left + right) / 2 - bw / 2));
      const y = bottom + underPlot - 4;
      let yy = y + LG_PAD / 2;
      const rows = wrapped.map((r) => {
        const row = { ...r, y: yy + lh / 2 };
        yy += r.lines.length * lh + 4;
        return row;
      });
      legend = { x, y, w: bw, h: bh, below: true, position: 'below', rows };
    }
  }
  bottom = Math.floor(bottom);
  if (bottom - top < 40) throw new MetricsError('renderChart', 'invalid-argument', `canvas ${width}x${height} leaves no room for the plot (titles, labels and legend take ${Math.round(height - (bottom - top))} px)`);
  const sx = (right - left) / (x1 - x0);
  const sy = (bottom - top) / (y1 - y0);
  return {
    width,
    height,
    left,
    top,
    right,
    bottom,
    px: (x: number) => left + (x - x0) * sx,
    py: (y: number) => bottom - ((logY ? Math.log10(y) : y) - y0) * sy,
    xTicks,
    yTicks: yTicks.map((t) => ({ v: logY ? Math.pow(10, t.v) : t.v, label: t.label })),
    titleLines,
    xLabelLines,
    yLabel: chart.yLabel ? fit(chart.yLabel, bottom - top, FONT_SIZE) : '',
    xTickBaseline: bottom + 6 + FONT_SIZE * 0.8 + 2,
    xLabelBaseline: bottom + 6 + FONT_SIZE + 8 + FONT_SIZE * 0.8,
    legend,
  };
}

/** Pixel points of a series (step series expanded). @internal */
export function seriesPoints(s: Series, L: Pick<Layout, 'px' | 'py'>): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < s.x.length; i++) {
    const x = L.px(s.x[i] as number);
    const y = L.py(s.y[i] as number);
    if (s.step && i > 0) {
      xs.push(x);
      ys.push(ys[ys.length - 1] as number);
    }
    xs.push(x);
    ys.push(y);
  }
  return { xs, ys };
}

/** Several charts side by side (or in a grid) on one canvas, e.g. pretraining and fine-tuning losses. */
export interface Figure {
  /** Title above all panels. */
  title?: string;
  /** The panels, left to right, then top to bottom. */
  panels: Chart[];
  /** Panels per row. Default: all in one row. */
  columns?: number;
  /** Canvas width in pixels. Default `720` per column. */
  width?: number;
  /** Canvas height in pixels. Default `540` per row. */
  height?: number;
}

/** Options of {@link figure}. */
export interface FigureOptions {
  /** Title above all panels. Default: none. */
  title?: string;
  /** Panels per row. Default: all in one row. */
  columns?: number;
  /** Canvas width in pixels. Default `720` per column. */
  width?: number;
  /** Canvas height in pixels. Default `540` per row. */
  height?: number;
}

/**
 * Puts charts into panels of one figure (one canvas, one SVG or PNG). Each
 * panel keeps its own axes, title and legend; its `width`/`height` are set
 * from the figure's grid.
 * @throws {@link MetricsError} when there are no panels or a panel is invalid
 */
export function figure(panels: Chart[], options: FigureOptions = {}): Figure {
  if (panels.length === 0) throw new MetricsError('figure', 'empty', 'no panels');
  const columns = options.columns ?? panels.length;
  if (!Number.isInteger(columns) || columns < 1) throw new MetricsError('figure', 'invalid-argument', `columns must be a positive integer, got ${columns}`);
  const rows = Math.ceil(panels.length / columns);
  const f: Figure = { panels, columns, width: options.width ?? 720 * Math.min(columns, panels.length), height: options.height ?? 540 * rows };
  if (options.title !== undefined) f.title = options.title;
  figureLayout(f).forEach((p) => validateChart(p.chart));
  return f;
}

/** Whether `x` is a {@link Figure} (has panels) rather than a single chart. @internal */
export function isFigure(x: Chart | Figure): x is Figure {
  return Array.isArray((x as Figure).panels);
}

/** Panel rectangles of a figure, each with its chart sized to fit. @internal */
export function figureLayout(f: Figure): { x: number; y: number; chart: Chart; titleLines: string[] }[] {
  const columns = Math.max(1, f.columns ?? f.panels.length);
  const rows = Math.ceil(f.panels.length / columns);
  const width = f.width ?? 720 * Math.min(columns, f.panels.length);
  const height = f.height ?? 540 * rows;
  const titleLines = f.title ? wrapText(f.title, width - 24, TITLE_SIZE + 2) : [];
  const top = titleLines.length ? 10 + titleLines.length * (TITLE_SIZE + 2) * LINE + 4 : 0;
  const pw = Math.floor(width / columns);
  const ph = Math.floor((height - top) / rows);
  return f.panels.map((c, k) => ({ x: (k % columns) * pw, y: top + Math.floor(k / columns) * ph, chart: { ...c, width: pw, height: ph }, titleLines }));
}
