import { describe, expect, it } from 'vitest';
import { loadAddon } from '../src/addon.js';
import { available, rand, relErr } from './helpers.js';

type Triple = [number, number, number];
interface Geo {
  name: string;
  n: number;
  in: Triple;
  ci: number;
  co: number;
  k: Triple;
  s: Triple;
  d?: Triple;
  pad: Triple; // front/top/left; back/bottom/right chosen so the output size is floor-divided
}

// Geometry layout of the addon: N D H W Ci | oD oH oW Co | kD kH kW | sD sH sW | dD dH dW | pF pT pL | pBk pBo pR
function geometry(g: Geo): number[] {
  const d = g.d ?? [1, 1, 1];
  const out = [0, 1, 2].map((i) => Math.floor((g.in[i]! + 2 * g.pad[i]! - d[i]! * (g.k[i]! - 1) - 1) / g.s[i]!) + 1);
  const back = [0, 1, 2].map((i) => (out[i]! - 1) * g.s[i]! + d[i]! * (g.k[i]! - 1) + 1 - g.in[i]! - g.pad[i]!);
  return [g.n, ...g.in, g.ci, ...out, g.co, ...g.k, ...g.s, ...d, ...g.pad, ...back];
}

const geos: Geo[] = [
  { name: '3x3x3 stride 1 pad 1, 5->7', n: 2, in: [3, 5, 6], ci: 5, co: 7, k: [3, 3, 3], s: [1, 1, 1], pad: [1, 1, 1] },
  { name: '3x3x3 stride 2 pad 1, odd sizes, 6->11', n: 1, in: [5, 9, 7], ci: 6, co: 11, k: [3, 3, 3], s: [2, 2, 2], pad: [1, 1, 1] },
  { name: 'stem 3x7x7 stride [1,2,2] pad [1,3,3], 3->9', n: 2, in: [4, 13, 12], ci: 3, co: 9, k: [3, 7, 7], s: [1, 2, 2], pad: [1, 3, 3] },
  { name: '1x1x1 stride 2 shortcut, 13->17', n: 2, in: [4, 7, 6], ci: 13, co: 17, k: [1, 1, 1], s: [2, 2, 2], pad: [0, 0, 0] },
  { name: '1x1x1 stride 1, 1 channel', n: 3, in: [2, 3, 4], ci: 1, co: 1, k: [1, 1, 1], s: [1, 1, 1], pad: [0, 0, 0] },
  { name: '[3,1,1] stride [2,1,1] no pad', n: 1, in: [7, 4, 5], ci: 5, co: 4, k: [3, 1, 1], s: [2, 1, 1], pad: [0, 0, 0] },
  { name: 'dilation 2, pad 2', n: 1, in: [6, 7, 8], ci: 4, co: 6, k: [3, 3, 3], s: [1, 1, 1], d: [2, 2, 2], pad: [2, 2, 2] },
  // K = 27*64 = 1728, so the im2col buffer holds ~4854 rows: 2*4*30*30 = 7200 output rows take two chunks.
  { name: 'several im2col chunks, 64->24', n: 2, in: [4, 30, 30], ci: 64, co: 24, k: [3, 3, 3], s: [1, 1, 1], pad: [1, 1, 1] },
];

/** Reference dW by the definition, in float64. */
function reference(g: Geo, v: number[], x: Float32Array, dy: Float32Array): Float64Array {
  const [N, D, H, W, Ci, oD, oH, oW, Co, kD, kH, kW, sD, sH, sW, dD, dH, dW, pF, pT, pL] = v as [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const out = new Float64Array(kD * kH * kW * Ci * Co);
  for (let n = 0; n < N; n++)
    for (let od = 0; od < oD; od++)
      for (let oh = 0; oh < oH; oh++)
        for (let ow = 0; ow < oW; ow++)
          for (let a = 0; a < kD; a++)
            for (let b = 0; b < kH; b++)
              for (let c = 0; c < kW; c++) {
                const id = od * sD - pF + a * dD, ih = oh * sH - pT + b * dH, iw = ow * sW - pL + c * dW;
                if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const xo = (((n * D + id) * H + ih) * W + iw) * Ci, yo = (((n * oD + od) * oH + oh) * oW + ow) * Co;
                const wo = ((a * kH + b) * kW + c) * Ci * Co;
                for (let i = 0; i < Ci; i++) for (let o = 0; o < Co; o++) out[wo + i * Co + o]! += x[xo + i]! * dy[yo + o]!;
              }
  void g;
  return out;
}

/** Element counts of x, y and the filter of a 24-integer geometry. */
function sizes(v: number[]): { nx: number; ny: number; nw: number } {
  return { nx: v[0]! * v[1]! * v[2]! * v[3]! * v[4]!, ny: v[0]! * v[5]! * v[6]! * v[7]! * v[8]!, nw: v[9]! * v[10]! * v[11]! * v[4]! * v[8]! };
}

describe.skipIf(!available)('Conv3DBackpropFilterV2: im2col + GEMM path against the oneDNN primitive and the definition', () => {
  for (const g of geos) {
    it(g.name, () => {
      const addon = loadAddon();
      const v = geometry(g);
      const { nx, ny, nw } = sizes(v);
      const x = rand(nx, 41), dy = rand(ny, 42);
      const viaGemm = new Float32Array(nw).fill(Number.NaN), viaOneDnn = new Float32Array(nw).fill(Number.NaN);
      addon.conv3dBackwardWeights(x, dy, viaGemm, v, 'gemm');
      addon.conv3dBackwardWeights(x, dy, viaOneDnn, v, 'onednn');
      expect(relErr(viaOneDnn, viaGemm)).toBeLessThan(1e-5);
      if (nx * nw < 5e7) expect(relErr(Float32Array.from(reference(g, v, x, dy)), viaGemm)).toBeLessThan(1e-5);
    });
  }
});

describe.skipIf(!available)('Conv3D forward: im2col + GEMM path against the oneDNN primitive', () => {
  for (const g of geos) {
    it(g.name, () => {
      const addon = loadAddon();
      const v = geometry(g);
      const { nx, ny, nw } = sizes(v);
      const x = rand(nx, 51), w = rand(nw, 52);
      const viaGemm = new Float32Array(ny).fill(Number.NaN), viaOneDnn = new Float32Array(ny).fill(Number.NaN), viaAuto = new Float32Array(ny).fill(Number.NaN);
      addon.conv3dForward(x, w, viaGemm, v, 'gemm');
      addon.conv3dForward(x, w, viaOneDnn, v, 'onednn');
      addon.conv3dForward(x, w, viaAuto, v);
      expect(relErr(viaOneDnn, viaGemm)).toBeLessThan(1e-5);
      expect(relErr(viaOneDnn, viaAuto)).toBeLessThan(1e-5);
    });
  }
  it('a strided layer large enough for the automatic GEMM choice (1x1x1 and 3x3x3 stride 2)', () => {
    const addon = loadAddon();
    for (const k of [1, 3] as const) {
      const v = geometry({ name: '', n: 2, in: [8, 24, 24], ci: 9, co: 10, k: [k, k, k], s: [2, 2, 2], pad: [(k - 1) / 2, (k - 1) / 2, (k - 1) / 2] });
      const { nx, ny, nw } = sizes(v);
      expect(v[0]! * v[5]! * v[6]! * v[7]!).toBeGreaterThanOrEqual(1024);
      const x = rand(nx, 61), w = rand(nw, 62);
      const viaAuto = new Float32Array(ny).fill(Number.NaN), viaOneDnn = new Float32Array(ny).fill(Number.NaN);
      addon.conv3dForward(x, w, viaAuto, v);
      addon.conv3dForward(x, w, viaOneDnn, v, 'onednn');
      expect(relErr(viaOneDnn, viaAuto)).toBeLessThan(1e-5);
    }
  });
});
