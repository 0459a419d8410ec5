import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  calibrationChart,
  encodePng,
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
  it('encodes a decodable PNG with the right header, size and pixels', () => {
    const rgba = new Uint8Array(3 * 2 * 4);
    for (let i = 0; i < 6; i++) rgba.set([i * 40, 255 - i * 40, 7, 255], i * 4);
    const png = encodePng(rgba, 3, 2);
    const d = decodePng(png);
    expect([d.width, d.height, d.channels]).toEqual([3, 2, 3]);
    for (let i = 0; i < 6; i++) expect(Array.from(d.pixels.subarray(i * 3, i * 3 + 3))).toEqual([i * 40, 255 - i * 40, 7]);
    rgba[3] = 100;
    const d2 = decodePng(encodePng(rgba, 3, 2));
    expect(d2.channels).toBe(4);
    expect(d2.pixels[3]).toBe(100);
  });

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
      const i = (y * d.width + x) * 3;
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
        const i = (y * d.width + x) * 3;
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
    expect(dark).toBeGreaterThan(3000); // frame, ticks, labels
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
