import { glyph, GLYPH_ROWS, GLYPH_W } from './font.js';

/** An RGB colour, components 0..255. @internal */
export type Rgb = [number, number, number];

/** Parses `#rrggbb` or `#rgb`. @internal */
export function parseColor(c: string): Rgb {
  const m = /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(c.trim());
  if (!m) return [0, 0, 0];
  let h = m[1] as string;
  if (h.length === 3) h = h.replace(/./g, (x) => x + x);
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/**
 * A small RGBA software rasteriser: anti-aliased thick polylines (coverage
 * from the distance to each segment), discs, rectangles and bitmap text.
 * @internal
 */
export class Raster {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
  private readonly mask: Float32Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    this.width = width;
    this.height = height;
    this.data = new Uint8ClampedArray(width * height * 4);
    this.mask = new Float32Array(width * height);
    for (let i = 0; i < width * height; i++) {
      this.data[4 * i] = background[0];
      this.data[4 * i + 1] = background[1];
      this.data[4 * i + 2] = background[2];
      this.data[4 * i + 3] = 255;
    }
  }

  /** Blends `color` with coverage `a` (0..1) into pixel (x, y). */
  blend(x: number, y: number, color: Rgb, a: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || a <= 0) return;
    const i = 4 * (y * this.width + x);
    const b = Math.min(1, a);
    this.data[i] = (this.data[i] as number) * (1 - b) + color[0] * b;
    this.data[i + 1] = (this.data[i + 1] as number) * (1 - b) + color[1] * b;
    this.data[i + 2] = (this.data[i + 2] as number) * (1 - b) + color[2] * b;
  }

  /** Fills an axis-aligned rectangle (pixel units, rounded). */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.blend(xx, yy, color, alpha);
  }

  /**
   * Draws a polyline of width `lineWidth` with anti-aliased edges. Points
   * are in pixel coordinates (pixel centres at +0.5). `dash` = [on, off]
   * lengths in pixels. `clip` limits drawing to a rectangle [x0, y0, x1, y1].
   */
  polyline(xs: ArrayLike<number>, ys: ArrayLike<number>, color: Rgb, lineWidth: number, dash?: [number, number], clip?: [number, number, number, number]): void {
    const hw = lineWidth / 2;
    const W = this.width;
    const mask = this.mask;
    let bx0 = W;
    let by0 = this.height;
    let bx1 = -1;
    let by1 = -1;
    const cx0 = clip ? Math.max(0, Math.floor(clip[0])) : 0;
    const cy0 = clip ? Math.max(0, Math.floor(clip[1])) : 0;
    const cx1 = clip ? Math.min(W - 1, Math.ceil(clip[2])) : W - 1;
    const cy1 = clip ? Math.min(this.height - 1, Math.ceil(clip[3])) : this.height - 1;
    const seg = (ax: number, ay: number, bx: number, by: number): void => {
      const x0 = Math.max(cx0, Math.floor(Math.min(ax, bx) - hw - 1));
      const x1 = Math.min(cx1, Math.ceil(Math.max(ax, bx) + hw + 1));
      const y0 = Math.max(cy0, Math.floor(Math.min(ay, by) - hw - 1));
      const y1 = Math.min(cy1, Math.ceil(Math.max(ay, by) + hw + 1));
      if (x0 > x1 || y0 > y1) return;
      bx0 = Math.min(bx0, x0);
      by0 = Math.min(by0, y0);
      bx1 = Math.max(bx1, x1);
      by1 = Math.max(by1, y1);
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      for (let y = y0; y <= y1; y++) {
        const py = y + 0.5;
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5;
          let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ex = px - (ax + t * dx);
          const ey = py - (ay + t * dy);
          const cov = hw + 0.5 - Math.sqrt(ex * ex + ey * ey);
          if (cov > 0) {
            const k = y * W + x;
            const c = cov > 1 ? 1 : cov;
            if (c > (mask[k] as number)) mask[k] = c;
          }
        }
      }
    };
    let dashPos = 0;
    for (let i = 0; i + 1 < xs.length; i++) {
      const ax = xs[i] as number;
      const ay = ys[i] as number;
      const bx = xs[i + 1] as number;
      const by = ys[i + 1] as number;
      if (![ax, ay, bx, by].every(Number.isFinite)) continue;
      if (!dash) {
        seg(ax, ay, bx, by);
        continue;
      }
      const len = Math.hypot(bx - ax, by - ay);
      const period = dash[0] + dash[1];
      let s = 0;
      while (s < len) {
        const phase = dashPos % period;
        const inOn = phase < dash[0];
        const step = Math.min(len - s, inOn ? dash[0] - phase : period - phase);
        if (inOn && len > 0) {
          const t0 = s / len;
          const t1 = (s + step) / len;
          seg(ax + t0 * (bx - ax), ay + t0 * (by - ay), ax + t1 * (bx - ax), ay + t1 * (by - ay));
        }
        s += step;
        dashPos += step;
      }
    }
    this.flushMask(bx0, by0, bx1, by1, color);
  }

  /** Draws a filled anti-aliased disc. */
  disc(cx: number, cy: number, r: number, color: Rgb): void {
    const x0 = Math.max(0, Math.floor(cx - r - 1));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + r + 1));
    const y0 = Math.max(0, Math.floor(cy - r - 1));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + r + 1));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const cov = r + 0.5 - Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        if (cov > 0) this.blend(x, y, color, Math.min(1, cov));
      }
    }
  }

  private flushMask(x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
    const W = this.width;
    for (let y = Math.max(0, y0); y <= Math.min(this.height - 1, y1); y++) {
      for (let x = Math.max(0, x0); x <= Math.min(W - 1, x1); x++) {
        const k = y * W + x;
        const a = this.mask[k] as number;
        if (a > 0) {
          this.blend(x, y, color, a);
          this.mask[k] = 0;
        }
      }
    }
  }

  /**
   * Draws `text` with the 5x7 bitmap font at integer `scale`; (x, y) is the
   * top-left corner. `rotate` draws bottom-to-top (for a y-axis label), with
   * (x, y) the bottom-left corner of the rotated text.
   */
  text(str: string, x: number, y: number, scale: number, color: Rgb, rotate = false): void {
    const x0 = Math.round(x);
    const y0 = Math.round(y);
    for (let c = 0; c < str.length; c++) {
      const bm = glyph(str[c] as string);
      const off = c * (GLYPH_W + 1) * scale;
      for (let gy = 0; gy < GLYPH_ROWS; gy++) {
        for (let gx = 0; gx < GLYPH_W; gx++) {
          if (!bm[gy * GLYPH_W + gx]) continue;
          if (!rotate) this.fillRect(x0 + off + gx * scale, y0 + gy * scale, scale, scale, color);
          else this.fillRect(x0 + gy * scale, y0 - off - (gx + 1) * scale, scale, scale, color);
        }
      }
    }
  }
}
