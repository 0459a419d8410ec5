import { MetricsError } from '../errors.js';
import { rocCurve, prCurve } from '../auc.js';
import { calibrationCurve, type CalibrationOptions } from '../calibration.js';
import type { BinaryLabels, Scores } from '../validate.js';

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

/** Where the legend box goes inside the plot area. */
export type LegendPosition = 'lower right' | 'lower left' | 'upper right' | 'upper left' | 'none';

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
  return {
    title: options.title ?? 'ROC curve',
    xLabel: 'False positive rate (1 - specificity)',
    yLabel: 'True positive rate (sensitivity)',
    xRange: [0, 1],
    yRange: [0, 1],
    series,
    legend: options.legend ?? 'lower right',
    width: options.width ?? 720,
    height: options.height ?? 540,
  };
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
  return {
    title: options.title ?? 'Precision-recall curve',
    xLabel: 'Recall (sensitivity)',
    yLabel: 'Precision (PPV)',
    xRange: [0, 1],
    yRange: [0, 1],
    series,
    legend: options.legend ?? 'upper right',
    width: options.width ?? 720,
    height: options.height ?? 540,
  };
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
  return {
    title: options.title ?? 'Calibration',
    xLabel: 'Mean predicted probability',
    yLabel: 'Fraction of positives',
    xRange: [0, 1],
    yRange: [0, 1],
    series,
    legend: options.legend ?? 'upper left',
    width: options.width ?? 720,
    height: options.height ?? 540,
  };
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

/** Computed geometry shared by the SVG and PNG renderers. @internal */
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
}

function niceStep(span: number, target: number): number {
  const raw = span / target;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
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

function ticks(lo: number, hi: number, target: number): { v: number; label: string }[] {
  const step = niceStep(hi - lo, target);
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

/**
 * Computes the plot geometry for a text measure (`measure(text)` in pixels)
 * and text height. @internal
 */
export function layoutChart(chart: Chart, measure: (s: string) => number, textH: number): Layout {
  const width = chart.width ?? 720;
  const height = chart.height ?? 540;
  const logY = chart.yScale === 'log';
  let [x0, x1] = chart.xRange ?? dataRange(chart, 'x');
  let [y0, y1] = chart.yRange ?? dataRange(chart, 'y');
  let xTicks = ticks(x0, x1, 6);
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
    xTicks = xTicks.filter((t) => t.v >= x0 && t.v <= x1);
  } else {
    const pad = (x1 - x0) * 0.02;
    x0 -= pad;
    x1 += pad;
  }
  {
    const pad = (y1 - y0) * (chart.yRange ? 0.02 : 0.05);
    y0 -= pad;
    y1 += pad;
    yTicks = yTicks.filter((t) => t.v >= y0 && t.v <= y1);
  }
  const yTickW = Math.max(0, ...yTicks.map((t) => measure(t.label)));
  const left = 12 + (chart.yLabel ? textH + 12 : 0) + yTickW + 10;
  const top = chart.title ? textH * 2 + 14 : 16;
  const right = width - 24;
  const bottom = height - (12 + textH + 10 + (chart.xLabel ? textH + 12 : 0));
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
  };
}

/** Pixel points of a series (step series expanded). @internal */
export function seriesPoints(s: Series, L: Layout): { xs: number[]; ys: number[] } {
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

/** Legend rows and box. @internal */
export function legendBox(chart: Chart, L: Layout, measure: (s: string) => number, textH: number): { x: number; y: number; w: number; h: number; rows: { s: Series; color: string; y: number }[] } | null {
  const pos = chart.legend ?? 'upper right';
  const items = chart.series.map((s, i) => ({ s, color: s.color ?? (PALETTE[i % PALETTE.length] as string) })).filter((r) => r.s.label);
  if (pos === 'none' || items.length === 0) return null;
  const rowH = textH + 10;
  const w = 16 + 28 + 8 + Math.max(...items.map((r) => measure(r.s.label as string)));
  const h = 10 + items.length * rowH;
  const m = 12;
  const x = pos.endsWith('right') ? L.right - m - w : L.left + m;
  const y = pos.startsWith('lower') ? L.bottom - m - h : L.top + m;
  return { x, y, w, h, rows: items.map((r, k) => ({ ...r, y: y + 5 + k * rowH + rowH / 2 })) };
}
