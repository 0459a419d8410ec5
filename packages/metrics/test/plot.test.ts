import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  calibrationChart,
  figure,
  lineChart,
  MetricsError,
  prChart,
  rasterizeChart,
  renderPng,
  renderSvg,
  rocAuc,
  rocChart,
  rocCurve,
  writeChart,
  type Chart,
} from '@byolmed3d/metrics';
import { textWidth } from '../src/plot/font.js';
import { layoutChart, legendCoverage, seriesPoints } from '../src/plot/chart.js';
import { fx } from './fixtures.js';
import { decodePng } from './png-decode.js';

/** Checks XML well-formedness (tags nest and close, attributes quoted); returns the element names. */
function parseXml(s: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    const between = s.slice(last, m.index);
    if (/[<>]/.test(between)) throw new Error(`stray markup near ${JSON.stringify(between.slice(0, 40))}`);
    if (/&(?!amp;|lt;|gt;|quot;|apos;|#\d+;)/.test(between)) throw new Error('bad entity');
    last = re.lastIndex;
    if (!m[2]) continue;
    const [, close, name, , selfClose] = m;
    if (close) {
      if (stack.pop() !== name) throw new Error(`mismatched </${name}>`);
    } else {
      names.push(name as string);
      if (!selfClose) stack.push(name as string);
    }
  }
  if (/[<>]/.test(s.slice(last))) throw new Error('trailing markup');
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return names;
}

const c = fx.cases[2]!;
const models = [
  { name: 'model A', labels: c.labels, scores: c.probs },
  { name: 'model B', labels: c.labels, scores: c.probs2 },
];

describe('SVG', () => {
  it('ROC chart is well-formed SVG with one path per model, AUCs in the legend', () => {
    const svg = renderSvg(rocChart(models));
    const names = parseXml(svg);
    expect(names[0]).toBe('svg');
    const paths = [...svg.matchAll(/<path class="series"( data-label="([^"]*)")? d="([^"]*)"/g)];
    expect(paths).toHaveLength(3); // two models + chance diagonal
    expect(paths[0]![2]).toBe(`model A (AUC ${rocAuc(c.labels, c.probs).toFixed(3)})`);
    expect(paths[1]![2]).toBe(`model B (AUC ${rocAuc(c.labels, c.probs2).toFixed(3)})`);
    // The path has one vertex per ROC point and runs from (0,0) (bottom left) to (1,1) (top right).
    const pts = paths[0]![3]!.split(/[ML]/).filter(Boolean).map((p) => p.split(',').map(Number) as [number, number]);
    expect(pts).toHaveLength(rocCurve(c.labels, c.probs).fpr.length);
    const [x0, y0] = pts[0]!;
    const [x1, y1] = pts[pts.length - 1]!;
    expect(x1).toBeGreaterThan(x0 + 400);
    expect(y0).toBeGreaterThan(y1 + 300);
    expect(svg).toContain('>ROC curve</text>');
    expect(svg).toContain('model A (AUC');
  });

  it('escapes text and renders PR, calibration and line charts', () => {
    for (const chart of [
      prChart(models),
      calibrationChart([{ name: 'a <b> & "c"', labels: c.labels, scores: c.probs }]),
      lineChart([{ label: 'train', x: [0, 1, 2, 3], y: [2, 1, 0.5, 0.3] }], { yScale: 'log', title: 'loss' }),
    ]) {
      const svg = renderSvg(chart);
      expect(() => parseXml(svg)).not.toThrow();
    }
    expect(renderSvg(calibrationChart([{ name: 'a <b> & "c"', labels: c.labels, scores: c.probs }]))).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(renderSvg(prChart(models))).toMatch(/model A \(AP 0\.\d{3}\)/);
  });
});

describe('PNG', () => {
  it('draws a known line where it should be, anti-aliased', () => {
    const chart: Chart = {
      series: [{ x: [0, 1], y: [0, 1], color: '#ff0000', width: 3 }],
      xRange: [0, 1],
      yRange: [0, 1],
      legend: 'none',
      width: 400,
      height: 300,
    };
    const d = decodePng(renderPng(chart));
    expect([d.width, d.height]).toEqual([400, 300]);
    const isRed = (x: number, y: number): boolean => {
      const i = (y * d.width + x) * d.channels;
      return (d.pixels[i] as number) > 200 && (d.pixels[i + 1] as number) < 90 && (d.pixels[i + 2] as number) < 90;
    };
    // Row centroid of red pixels per column: must lie on a straight falling line.
    const cols: number[] = [];
    const rows: number[] = [];
    let partial = 0;
    for (let x = 140; x <= 320; x += 5) {
      let sum = 0;
      let cnt = 0;
      for (let y = 0; y < d.height; y++) {
        if (isRed(x, y)) {
          sum += y;
          cnt++;
        }
        const i = (y * d.width + x) * d.channels;
        const r = d.pixels[i] as number;
        const g = d.pixels[i + 1] as number;
        if (r > 240 && g > 100 && g < 230) partial++; // blended edge pixels
      }
      expect(cnt, `column ${x}`).toBeGreaterThanOrEqual(2);
      expect(cnt, `column ${x}`).toBeLessThanOrEqual(6);
      cols.push(x);
      rows.push(sum / cnt);
    }
    expect(partial).toBeGreaterThan(10);
    const n = cols.length;
    const mx = cols.reduce((a, b) => a + b) / n;
    const my = rows.reduce((a, b) => a + b) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    cols.forEach((x, k) => {
      sxy += (x - mx) * (rows[k]! - my);
      sxx += (x - mx) ** 2;
      syy += (rows[k]! - my) ** 2;
    });
    const slope = sxy / sxx;
    expect(slope).toBeLessThan(0);
    expect((sxy * sxy) / (sxx * syy)).toBeGreaterThan(0.999);
    // A data range of 1 maps to a plot area smaller than the canvas.
    expect(-slope).toBeGreaterThan(0.4);
    expect(-slope).toBeLessThan(1.2);
    // Nothing red far from the line: the top-left corner of the plot is background.
    expect(isRed(130, 60)).toBe(false);
  });

  it('renders a ROC chart whose model colours and text ink are present', () => {
    const img = rasterizeChart(rocChart(models));
    expect([img.width, img.height]).toEqual([720, 540]);
    let blue = 0;
    let orange = 0;
    let dark = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      const r = img.data[4 * i]!;
      const g = img.data[4 * i + 1]!;
      const b = img.data[4 * i + 2]!;
      if (Math.abs(r - 0x1f) < 8 && Math.abs(g - 0x77) < 8 && Math.abs(b - 0xb4) < 8) blue++;
      if (Math.abs(r - 0xff) < 8 && Math.abs(g - 0x7f) < 8 && Math.abs(b - 0x0e) < 8) orange++;
      if (r < 70 && g < 70 && b < 70) dark++;
    }
    expect(blue).toBeGreaterThan(500);
    expect(orange).toBeGreaterThan(500);
    expect(dark).toBeGreaterThan(1000); // frame, ticks, labels (anti-aliased 14 px text)
    const png = renderPng(rocChart(models));
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const d = decodePng(png);
    expect([d.width, d.height]).toEqual([720, 540]);
  });

  it('writeChart writes SVG and PNG files by extension', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-plot-'));
    const chart = lineChart([{ label: 'loss', x: [1, 2, 3], y: [3, 2, 1.5] }]);
    await writeChart(join(dir, 'sub', 'loss.png'), chart);
    await writeChart(join(dir, 'loss.svg'), chart);
    expect(decodePng(new Uint8Array(readFileSync(join(dir, 'sub', 'loss.png')))).width).toBe(720);
    expect(readFileSync(join(dir, 'loss.svg'), 'utf8')).toContain('<svg');
    await expect(writeChart(join(dir, 'x.jpg'), chart)).rejects.toThrow(MetricsError);
  });

  it('rejects invalid charts', () => {
    expect(() => renderPng(lineChart([{ x: [1, 2], y: [1] }]))).toThrow(/length-mismatch|2 x and 1 y/);
    expect(() => lineChart([{ x: [1, 2], y: [1, NaN] }])).toThrow(MetricsError);
    expect(() => lineChart([{ x: [1, 2], y: [1, 0] }], { yScale: 'log' })).toThrow(/log axis/);
    expect(() => lineChart([])).toThrow(/no series/);
    expect(() => rocChart([])).toThrow(MetricsError);
  });
});

/** Columns and rows of non-white pixels (the ink) of a decoded PNG within a box. */
function inkBox(d: { width: number; height: number; channels: number; pixels: Uint8Array }, x0 = 0, y0 = 0, x1 = d.width, y1 = d.height): { minX: number; maxX: number; minY: number; maxY: number } | null {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * d.width + x) * d.channels;
      if (d.pixels[i]! < 160 || d.pixels[i + 1]! < 160 || d.pixels[i + 2]! < 160) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  return minX === Infinity ? null : { minX, maxX, minY, maxY };
}

const longLabel = 'pretrain byol, accumulation 2 [quickstart] (per micro-batch, smoothed)';

describe('text that fits', () => {
  it('measured text widths match what resvg draws with the shipped font (within 3%)', () => {
    for (const text of ['fine-tune byol (per epoch)', 'WWWWW iiiii', 'Ünïcödé μ±σ → Δ AUC', '0.125']) {
      const chart: Chart = { title: text, series: [{ x: [0, 1], y: [0, 1], color: '#ffffff' }], legend: 'none', width: 720, height: 200 };
      const d = decodePng(renderPng(chart));
      const box = inkBox(d, 0, 0, d.width, 34)!;
      const drawn = box.maxX - box.minX + 1;
      expect(renderSvg(chart)).toContain(`>${text}</text>`);
      // Titles are 17 px; ink is a little narrower than the advance sum (side bearings): allow 3% + 3 px.
      const est = textWidth(text, 17);
      expect(Math.abs(drawn - est), `${text}: drawn ${drawn} px, measured ${est.toFixed(1)} px`).toBeLessThan(0.03 * est + 3);
    }
  });

  it('a legend too wide for the plot goes below it, wrapped, inside the canvas', () => {
    const xs = [1, 2, 3, 4, 5];
    const chart = lineChart(
      [
        { label: longLabel, x: xs, y: [5, 3, 2, 1.5, 1.2] },
        { label: `${longLabel} and a second, even longer description of the same run that must wrap onto another line`, x: xs, y: [4, 3, 2.5, 2, 1.8] },
      ],
      { title: 'loss', width: 480, height: 420 },
    );
    const svg = renderSvg(chart);
    expect(svg).toContain('class="legend legend-below"');
    const rect = /<g class="legend[^"]*"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg)!;
    const [x, y, w, h] = rect.slice(1).map(Number) as [number, number, number, number];
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x + w).toBeLessThanOrEqual(480);
    expect(y + h).toBeLessThanOrEqual(420);
    // Below the frame.
    const frame = /<rect class="frame" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/.exec(svg)!;
    expect(y).toBeGreaterThan(Number(frame[1]) + Number(frame[2]));
    // The second label wrapped onto more lines; no line ends up wider than the box.
    const lines = [...svg.slice(svg.indexOf('class="legend')).matchAll(/<text x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)];
    expect(lines.length).toBeGreaterThan(2);
    // Rendered: all legend ink is inside the canvas with a margin (nothing cut at an edge).
    const d = decodePng(renderPng(chart));
    const ink = inkBox(d, 0, Math.round(y), d.width, d.height)!;
    expect(ink.minX).toBeGreaterThan(2);
    expect(ink.maxX).toBeLessThan(d.width - 3);
    expect(ink.maxY).toBeLessThan(d.height - 3);
  });

  it('a legend that fits stays inside the plot, in its corner, sized to its text', () => {
    const svg = renderSvg(rocChart(models));
    expect(svg).toContain('<g class="legend">');
    const rect = /<g class="legend"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"/.exec(svg)!;
    const w = Number(rect[3]);
    // 10 + 28 + 8 px of sample line and padding, 10 px after the text: the rest is the widest label (~14 px DejaVu Sans).
    expect(w - 56).toBeGreaterThan(130);
    expect(w - 56).toBeLessThan(190);
  });

  it("legend 'auto' takes the first corner in order (upper right, upper left, lower right, lower left) whose box covers no data", () => {
    const xs = Array.from({ length: 21 }, (_, i) => i / 20);
    const cover = (chart: Chart): number => {
      const L = layoutChart(chart);
      return legendCoverage(L.legend!, chart.series.map((s) => seriesPoints(s, L)));
    };
    // A rising line with markers through the lower left and upper right corners.
    const rising = lineChart([{ label: 'BYOL + accumulation', x: xs, y: xs, markers: true }, { label: 'SimCLR', x: xs, y: xs.map((x) => 0.9 * x + 0.05) }], { legend: 'auto', width: 560, height: 420 });
    expect(cover({ ...rising, legend: 'upper right' })).toBeGreaterThan(0);
    expect(layoutChart(rising).legend!.position).toBe('upper left');
    expect(cover(rising)).toBe(0);
    expect(renderSvg(rising)).toContain('<g class="legend">');
    // Falling: upper left and lower right covered; with a flat line high up, lower left is the only free corner.
    const falling = lineChart([{ label: 'a', x: xs, y: xs.map((x) => 1 - x) }, { label: 'b', x: xs, y: xs.map(() => 0.95) }], { legend: 'auto' });
    expect(layoutChart(falling).legend!.position).toBe('lower left');
    // Flat high up and a short low line on the left: lower right.
    const low = lineChart([{ label: 'a', x: xs, y: xs.map(() => 0.95) }, { label: 'b', x: [0, 0.2, 0.4], y: [0.05, 0.05, 0.05] }], { legend: 'auto' });
    expect(layoutChart(low).legend!.position).toBe('lower right');
    // An X through all four corners: below the plot, and the plot shorter for it.
    const cross = lineChart([{ label: 'up', x: xs, y: xs }, { label: 'down', x: xs, y: xs.map((x) => 1 - x) }], { legend: 'auto' });
    const L = layoutChart(cross);
    expect(L.legend!.position).toBe('below');
    expect(L.legend!.below).toBe(true);
    expect(L.bottom).toBeLessThan(layoutChart({ ...cross, legend: 'upper right' }).bottom);
    expect(renderSvg(cross)).toContain('class="legend legend-below"');
    // A named corner stays where it was asked for, data or not.
    expect(layoutChart({ ...cross, legend: 'lower right' }).legend!.position).toBe('lower right');
  });

  it('legendCoverage counts points inside the box and segments crossing it', () => {
    const box = { x: 10, y: 10, w: 20, h: 10 };
    expect(legendCoverage(box, [{ xs: [15], ys: [15] }], 0)).toBe(1);
    // A segment crossing the box with both ends outside.
    expect(legendCoverage(box, [{ xs: [0, 40], ys: [15, 15] }], 0)).toBe(1);
    // A segment passing by, and a point just outside that the margin catches.
    expect(legendCoverage(box, [{ xs: [0, 40], ys: [30, 30] }], 0)).toBe(0);
    expect(legendCoverage(box, [{ xs: [0, 9], ys: [0, 30] }], 0)).toBe(0);
    expect(legendCoverage(box, [{ xs: [33], ys: [15] }], 0)).toBe(0);
    expect(legendCoverage(box, [{ xs: [33], ys: [15] }], 5)).toBe(1);
    // A diagonal through the box's corner region, both ends outside.
    expect(legendCoverage(box, [{ xs: [5, 35], ys: [25, 5] }], 0)).toBe(1);
  });

  it('non-ASCII text is kept (no "?" substitutes) and drawn', () => {
    const chart = lineChart([{ label: 'Verlust α=0.5, β→∞ (Übung)', x: [0, 1, 2], y: [1, 0.5, 0.2] }], { title: 'Perte — 損失', xLabel: 'époque' });
    const svg = renderSvg(chart);
    expect(svg).toContain('Verlust α=0.5, β→∞ (Übung)');
    expect(svg).toContain('époque');
    expect(svg).not.toMatch(/\?/);
    const d = decodePng(renderPng(chart));
    expect(inkBox(d, 0, 0, d.width, 30)).not.toBeNull();
  });

  it('a figure puts charts into separate panels, each with its own axes and legend', () => {
    const a = lineChart([{ label: 'pretrain', x: [1, 2, 3], y: [3, 2, 1] }], { title: 'pretraining', xLabel: 'micro-batch' });
    const b = lineChart([{ label: 'fine-tune', x: [1, 2], y: [0.7, 0.6] }], { title: 'fine-tuning', xLabel: 'epoch' });
    const f = figure([a, b], { title: 'training loss', width: 1000, height: 400 });
    const svg = renderSvg(f);
    expect(() => parseXml(svg)).not.toThrow();
    expect(svg.match(/class="panel"/g)).toHaveLength(2);
    expect(svg.match(/class="frame"/g)).toHaveLength(2);
    expect(svg).toContain('id="plot-area-0"');
    expect(svg).toContain('id="plot-area-1"');
    expect(svg).toContain('>training loss</text>');
    const d = decodePng(renderPng(f));
    expect([d.width, d.height]).toEqual([1000, 400]);
    // Ink in both halves.
    expect(inkBox(d, 0, 60, 500, 400)).not.toBeNull();
    expect(inkBox(d, 500, 60, 1000, 400)).not.toBeNull();
    expect(() => figure([])).toThrow(MetricsError);
  });

  it('scale renders more pixels of the same picture', () => {
    const chart = lineChart([{ label: 'x', x: [0, 1], y: [0, 1] }], { width: 300, height: 200 });
    const d = decodePng(renderPng(chart, { scale: 2 }));
    expect([d.width, d.height]).toEqual([600, 400]);
    expect(() => renderPng(chart, { scale: 0 })).toThrow(MetricsError);
  });
});

describe('axes', () => {
  it('integer x data (epochs) gets integer ticks only; fractional data keeps fractional ticks', () => {
    const tickLabels = (svg: string): string[] => [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1]!);
    const epochs = tickLabels(renderSvg(lineChart([{ label: 'ft', x: [1, 2, 3, 4], y: [0.7, 0.6, 0.65, 0.5] }])));
    expect(epochs).toEqual(['1', '2', '3', '4']);
    const frac = tickLabels(renderSvg(lineChart([{ label: 'ft', x: [1, 1.5, 2], y: [0.7, 0.6, 0.5] }])));
    expect(frac.some((l) => l.includes('.'))).toBe(true);
  });
});
