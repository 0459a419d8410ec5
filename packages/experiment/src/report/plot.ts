import { deflateSync } from 'node:zlib';

/** One line of a chart. */
export interface Series {
  /** Legend label. */
  label: string;
  /** x values. */
  x: ArrayLike<number>;
  /** y values. */
  y: ArrayLike<number>;
}

/** Options of {@link lineChartSvg} and {@link lineChartPng}. */
export interface ChartOptions {
  /** Title. */
  title: string;
  /** x-axis label. */
  xLabel: string;
  /** y-axis label. */
  yLabel: string;
  /** Fixed axis ranges; default from the data. */
  xRange?: [number, number];
  /** See `xRange`. */
  yRange?: [number, number];
  /** Draw the diagonal (ROC chance line); default false. */
  diagonal?: boolean;
  /** Width in pixels; default 640. */
  width?: number;
  /** Height in pixels; default 480. */
  height?: number;
}

/** Line colours, colour-blind friendly (Okabe-Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

function ranges(series: Series[], o: ChartOptions): { x: [number, number]; y: [number, number] } {
  const all = (k: 'x' | 'y'): number[] => series.flatMap((s) => Array.from(s[k])).filter(Number.isFinite);
  const span = (v: number[]): [number, number] => {
    if (v.length === 0) return [0, 1];
    let lo = Math.min(...v), hi = Math.max(...v);
    if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
    return [lo, hi];
  };
  return { x: o.xRange ?? span(all('x')), y: o.yRange ?? span(all('y')) };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A line chart as a standalone SVG document. */
export function lineChartSvg(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 640, H = o.height ?? 480;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const r = ranges(series, o);
  const px = (v: number): number => m.l + ((v - r.x[0]) / (r.x[1] - r.x[0])) * (W - m.l - m.r);
  const py = (v: number): number => H - m.b - ((v - r.y[0]) / (r.y[1] - r.y[0])) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xv = r.x[0] + ((r.x[1] - r.x[0]) * i) / 4, yv = r.y[0] + ((r.y[1] - r.y[0]) * i) / 4;
    out.push(`<text x="${px(xv)}" y="${H - m.b + 16}" text-anchor="middle">${+xv.toPrecision(3)}</text>`);
    out.push(`<text x="${m.l - 6}" y="${py(yv) + 4}" text-anchor="end">${+yv.toPrecision(3)}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(o.yLabel)}</text>`);
  if (o.diagonal) out.push(`<line x1="${px(r.x[0])}" y1="${py(r.y[0])}" x2="${px(r.x[1])}" y2="${py(r.y[1])}" stroke="#999" stroke-dasharray="4 4"/>`);
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length] as string;
    const pts: string[] = [];
    for (let k = 0; k < s.x.length; k++) if (Number.isFinite(s.y[k] as number)) pts.push(`${px(s.x[k] as number).toFixed(1)},${py(s.y[k] as number).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    out.push(`<rect x="${m.l + 10}" y="${m.t + 8 + i * 16}" width="12" height="3" fill="${c}"/>`);
    out.push(`<text x="${m.l + 28}" y="${m.t + 13 + i * 16}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Encodes an RGB image as PNG bytes. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const raw = new Uint8Array((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  const chunk = (type: string, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(12 + data.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
    out.set(data, 8);
    dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The same chart rasterised to PNG (lines, axes, grid and legend swatches; labels are in the SVG). */
export function lineChartPng(series: Series[], o: ChartOptions): Uint8Array {
  const W = o.width ?? 640, H = o.height ?? 480;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const r = ranges(series, o);
  const img = new Uint8Array(W * H * 3).fill(255);
  const hex = (c: string): [number, number, number] => [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
  const dot = (x: number, y: number, c: [number, number, number], thick = 1): void => {
    for (let dy = -thick + 1; dy < thick; dy++)
      for (let dx = -thick + 1; dx < thick; dx++) {
        const xx = Math.round(x) + dx, yy = Math.round(y) + dy;
        if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
        img.set(c, (yy * W + xx) * 3);
      }
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: [number, number, number], thick = 1, dash = 0): void => {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= n; i++) if (!dash || Math.floor(i / dash) % 2 === 0) dot(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, c, thick);
  };
  const px = (v: number): number => m.l + ((v - r.x[0]) / (r.x[1] - r.x[0])) * (W - m.l - m.r);
  const py = (v: number): number => H - m.b - ((v - r.y[0]) / (r.y[1] - r.y[0])) * (H - m.t - m.b);
  const grey: [number, number, number] = [220, 220, 220];
  for (let i = 1; i < 4; i++) {
    const xv = m.l + ((W - m.l - m.r) * i) / 4, yv = m.t + ((H - m.t - m.b) * i) / 4;
    line(xv, m.t, xv, H - m.b, grey);
    line(m.l, yv, W - m.r, yv, grey);
  }
  const k: [number, number, number] = [50, 50, 50];
  line(m.l, m.t, W - m.r, m.t, k);
  line(m.l, H - m.b, W - m.r, H - m.b, k);
  line(m.l, m.t, m.l, H - m.b, k);
  line(W - m.r, m.t, W - m.r, H - m.b, k);
  if (o.diagonal) line(px(r.x[0]), py(r.y[0]), px(r.x[1]), py(r.y[1]), [150, 150, 150], 1, 4);
  series.forEach((s, i) => {
    const c = hex(PALETTE[i % PALETTE.length] as string);
    for (let j = 1; j < s.x.length; j++) {
      const a = s.y[j - 1] as number, b = s.y[j] as number;
      if (Number.isFinite(a) && Number.isFinite(b)) line(px(s.x[j - 1] as number), py(a), px(s.x[j] as number), py(b), c, 2);
    }
    for (let y = 0; y < 4; y++) line(m.l + 10, m.t + 8 + i * 16 + y, m.l + 22, m.t + 8 + i * 16 + y, c);
  });
  return encodePng(img, W, H);
}
