import type { ConvGeom } from './geometry.js';

// Runs shorter than this are copied element by element: a typed-array
// copyWithin / fill call costs more than a short loop.
const SHORT = 48;

/** An output position: batch item and output voxel. */
interface Position {
  n: number;
  z: number;
  y: number;
  x: number;
}

/** The output position of column-matrix row `r`. */
function positionOf(r: number, g: ConvGeom): Position {
  const x = r % g.ow;
  let t = (r - x) / g.ow;
  const y = t % g.oh;
  t = (t - y) / g.oh;
  const z = t % g.od;
  return { n: (t - z) / g.od, z, y, x };
}

/** Moves `at` to the output position of the next row of the column matrix. */
function advance(at: Position, g: ConvGeom): void {
  if (++at.x < g.ow) return;
  at.x = 0;
  if (++at.y < g.oh) return;
  at.y = 0;
  if (++at.z < g.od) return;
  at.z = 0;
  at.n++;
}

/**
 * Writes rows `[r0, r1)` of the column matrix of input `x` (at heap offset
 * `xOff`, channels-last `[n, id, ih, iw, ci]`) to `col` (at `colOff`,
 * row-major `[r1 - r0, kd * kh * kw * ci]`, taps in filter order `kd, kh, kw, ci`),
 * zeros where a tap falls in the padding.
 * @internal
 */
export function im2col(h: Float32Array, xOff: number, colOff: number, g: ConvGeom, r0: number, r1: number): void {
  const { id, ih, iw, ci, kd, kh, kw, sd, sh, sw, dd, dh, dw, pf, pt, pl } = g;
  const run = kw * ci;
  let dst = colOff;
  const at = positionOf(r0, g);
  for (let r = r0; r < r1; r++) {
    const n = at.n, z0 = at.z * sd - pf, y0 = at.y * sh - pt, x0 = at.x * sw - pl;
    const contiguous = dw === 1 && x0 >= 0 && x0 + kw <= iw;
    for (let a = 0; a < kd; a++) {
      const zi = z0 + a * dd;
      if (zi < 0 || zi >= id) {
        h.fill(0, dst, dst + kh * run);
        dst += kh * run;
        continue;
      }
      const plane = (n * id + zi) * ih;
      for (let b = 0; b < kh; b++) {
        const yi = y0 + b * dh;
        if (yi < 0 || yi >= ih) {
          if (run < SHORT) for (let i = 0; i < run; i++) h[dst + i] = 0;
          else h.fill(0, dst, dst + run);
          dst += run;
          continue;
        }
        const rowBase = xOff + (plane + yi) * iw * ci;
        if (contiguous) {
          const src = rowBase + x0 * ci;
          if (run < SHORT) for (let i = 0; i < run; i++) h[dst + i] = h[src + i] as number;
          else h.copyWithin(dst, src, src + run);
          dst += run;
          continue;
        }
        for (let c = 0; c < kw; c++) {
          const xi = x0 + c * dw;
          if (xi < 0 || xi >= iw) {
            for (let i = 0; i < ci; i++) h[dst + i] = 0;
          } else {
            const src = rowBase + xi * ci;
            if (ci < SHORT) for (let i = 0; i < ci; i++) h[dst + i] = h[src + i] as number;
            else h.copyWithin(dst, src, src + ci);
          }
          dst += ci;
        }
      }
    }
    advance(at, g);
  }
}

/**
 * The adjoint of {@link im2col}: adds rows `[r0, r1)` of the column matrix at
 * `colOff` into the channels-last input gradient at `dxOff` (which the caller
 * zeroes first); taps in the padding are dropped.
 * @internal
 */
export function col2im(h: Float32Array, colOff: number, dxOff: number, g: ConvGeom, r0: number, r1: number): void {
  const { id, ih, iw, ci, kd, kh, kw, sd, sh, sw, dd, dh, dw, pf, pt, pl } = g;
  const run = kw * ci;
  let src = colOff;
  const at = positionOf(r0, g);
  for (let r = r0; r < r1; r++) {
    const n = at.n, z0 = at.z * sd - pf, y0 = at.y * sh - pt, x0 = at.x * sw - pl;
    const contiguous = dw === 1 && x0 >= 0 && x0 + kw <= iw;
    for (let a = 0; a < kd; a++) {
      const zi = z0 + a * dd;
      if (zi < 0 || zi >= id) {
        src += kh * run;
        continue;
      }
      const plane = (n * id + zi) * ih;
      for (let b = 0; b < kh; b++) {
        const yi = y0 + b * dh;
        if (yi < 0 || yi >= ih) {
          src += run;
          continue;
        }
        const rowBase = dxOff + (plane + yi) * iw * ci;
        if (contiguous) {
          const dst = rowBase + x0 * ci;
          for (let i = 0; i < run; i++) h[dst + i] = (h[dst + i] as number) + (h[src + i] as number);
          src += run;
          continue;
        }
        for (let c = 0; c < kw; c++) {
          const xi = x0 + c * dw;
          if (xi >= 0 && xi < iw) {
            const dst = rowBase + xi * ci;
            for (let i = 0; i < ci; i++) h[dst + i] = (h[dst + i] as number) + (h[src + i] as number);
          }
          src += ci;
        }
      }
    }
    advance(at, g);
  }
}

/** Transposes a row-major `[rows, cols]` block at `src` into `[cols, rows]` at `dst` (no overlap), in cache-sized tiles. @internal */
export function transpose(h: Float32Array, src: number, dst: number, rows: number, cols: number): void {
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) {
        const s = src + r * cols;
        for (let c = c0; c < c1; c++) h[dst + c * rows + r] = h[s + c] as number;
      }
    }
  }
}
