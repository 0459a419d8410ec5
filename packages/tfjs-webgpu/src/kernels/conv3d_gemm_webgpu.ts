import type { backend_util } from '@tensorflow/tfjs-core';

/** Element type of the implicit GEMM's workgroup tiles (accumulation is always f32). */
export type GemmPrecision = 'fp32' | 'f16';

/** Which product of a 3D convolution the implicit GEMM computes. */
export type Conv3dGemmKind = 'forward' | 'backpropInput' | 'backpropFilter';

/** Tile of the output per workgroup (rows x cols) and depth of the K step. */
export const TILE_M = 64;
export const TILE_N = 64;
export const TILE_K = 16;

const UNIFORM_NAMES = [
  'M', 'N', 'K', 'tilesN', 'splits', 'kPerSplit',
  'batch', 'inD', 'inH', 'inW', 'inC', 'outD', 'outH', 'outW', 'outC',
  'fD', 'fH', 'fW', 'sD', 'sH', 'sW', 'dD', 'dH', 'dW', 'pD', 'pH', 'pW',
] as const;

/** The GEMM view of a convolution product: C[M, N] = sum_k A[m, k] B[k, n]. */
export interface GemmDims {
  /** Output rows. */
  M: number;
  /** Output columns. */
  N: number;
  /** Reduction length. */
  K: number;
}

/** GEMM sizes of `kind` for a convolution described by `info`. */
export function gemmDims(kind: Conv3dGemmKind, info: backend_util.Conv3DInfo): GemmDims {
  const fvol = info.filterDepth * info.filterHeight * info.filterWidth;
  const outRows = info.batchSize * info.outDepth * info.outHeight * info.outWidth;
  const inRows = info.batchSize * info.inDepth * info.inHeight * info.inWidth;
  switch (kind) {
    case 'forward':
      return { M: outRows, N: info.outChannels, K: fvol * info.inChannels };
    case 'backpropInput':
      return { M: inRows, N: info.inChannels, K: fvol * info.outChannels };
    case 'backpropFilter':
      return { M: fvol * info.inChannels, N: info.outChannels, K: outRows };
  }
}

/**
 * How many slices the K range is split into (split-K: each slice writes its
 * own partial [M, N], summed afterwards). Only when the output has few tiles
 * and K is long, e.g. the filter gradient, whose K is batch x output volume.
 */
export function chooseSplits(dims: GemmDims, targetWorkgroups = 256): number {
  const tiles = Math.ceil(dims.M / TILE_M) * Math.ceil(dims.N / TILE_N);
  const kTiles = Math.ceil(dims.K / TILE_K);
  if (tiles >= targetWorkgroups) return 1;
  const maxByK = Math.floor(kTiles / 16);
  return Math.max(1, Math.min(Math.ceil(targetWorkgroups / tiles), maxByK, 64));
}

/**
 * Tiled implicit-GEMM 3D convolution for tfjs's webgpu backend (NDHWC input,
 * [fD, fH, fW, Cin, Cout] filter). A workgroup of 16 x 8 threads computes a
 * 64 x 64 output tile, each thread 8 rows x one vec4 of columns; A and B
 * tiles of depth 16 are staged in workgroup memory and loaded as vec4 along
 * whichever operand axis is contiguous (channels) when it is a multiple of 4,
 * else element by element. The patch gather (im2col) is done on the fly in
 * the A (or, for the filter gradient, A along M) loader; nothing is
 * materialised.
 *
 * Inputs are 2-D views: forward A = x [N*D*H*W, Cin], B = W [K, Cout];
 * input gradient A = dy [N*OD*OH*OW, Cout], B = W transposed to
 * [fD*fH*fW*Cout, Cin]; filter gradient A = x, B = dy. The output is
 * [splits * M, N].
 *
 * With precision `f16` (a device with `shader-f16`) the tiles hold f16: each
 * operand is rounded to f16 once as it is staged, halving workgroup-memory
 * traffic, and every product is formed and accumulated in f32 (the
 * accumulators and the output stay f32), as tensor-core GEMMs do.
 */
export class Conv3dGemmProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['A', 'B'];
  variableComponents: number[];
  outputComponent: number;
  workgroupSize: [number, number, number] = [16, 8, 1];
  uniforms: string;
  readonly kind: Conv3dGemmKind;
  readonly dims: GemmDims;
  readonly splits: number;
  readonly kPerSplit: number;
  private readonly vecA: boolean;
  private readonly vecB: boolean;
  private readonly vecOut: boolean;
  private readonly info: backend_util.Conv3DInfo;

  /** Element type of the workgroup tiles: `fp32`, or `f16` (operands rounded to f16, products accumulated in f32). */
  readonly precision: GemmPrecision;

  /**
   * @param kind which product
   * @param info the convolution
   * @param splits K slices (default {@link chooseSplits})
   * @param precision tile element type; `f16` needs a device with `shader-f16`
   */
  constructor(kind: Conv3dGemmKind, info: backend_util.Conv3DInfo, splits?: number, precision: GemmPrecision = 'fp32') {
    this.kind = kind;
    this.precision = precision;
    this.info = info;
    this.dims = gemmDims(kind, info);
    const s = splits ?? chooseSplits(this.dims);
    const kTiles = Math.ceil(this.dims.K / TILE_K);
    this.kPerSplit = Math.ceil(kTiles / s) * TILE_K;
    this.splits = Math.ceil(this.dims.K / this.kPerSplit);
    const contiguousA = kind === 'backpropInput' ? info.outChannels : info.inChannels;
    this.vecA = contiguousA % 4 === 0;
    this.vecB = this.dims.N % 4 === 0;
    this.vecOut = this.dims.N % 4 === 0;
    this.variableComponents = [this.vecA ? 4 : 1, this.vecB ? 4 : 1];
    this.outputComponent = this.vecOut ? 4 : 1;
    this.outputShape = [this.splits * this.dims.M, this.dims.N];
    this.dispatchLayout = { x: [0, 1] };
    const tiles = Math.ceil(this.dims.M / TILE_M) * Math.ceil(this.dims.N / TILE_N);
    this.dispatch = [tiles * this.splits, 1, 1];
    this.uniforms = UNIFORM_NAMES.map((n) => `${n} : i32,`).join(' ');
    this.shaderKey = `conv3dGemm_${kind}_${this.vecA}_${this.vecB}_${this.vecOut}_${precision}`;
  }

  /** Values for {@link uniforms}, in order. */
  uniformData(): { type: 'int32'; data: number[] }[] {
    const i = this.info;
    const p = i.padInfo;
    const v: Record<(typeof UNIFORM_NAMES)[number], number> = {
      M: this.dims.M, N: this.dims.N, K: this.dims.K,
      tilesN: Math.ceil(this.dims.N / TILE_N), splits: this.splits, kPerSplit: this.kPerSplit,
      batch: i.batchSize, inD: i.inDepth, inH: i.inHeight, inW: i.inWidth, inC: i.inChannels,
      outD: i.outDepth, outH: i.outHeight, outW: i.outWidth, outC: i.outChannels,
      fD: i.filterDepth, fH: i.filterHeight, fW: i.filterWidth,
      sD: i.strideDepth, sH: i.strideHeight, sW: i.strideWidth,
      dD: i.dilationDepth, dH: i.dilationHeight, dW: i.dilationWidth,
      pD: p.front, pH: p.top, pW: p.left,
    };
    return UNIFORM_NAMES.map((n) => ({ type: 'int32' as const, data: [v[n]] }));
  }

  getUserCode(): string {
    // tfjs puts its own declarations first; the device wrapper of
    // registerWebGpuBackend moves this directive to the top of the module.
    const enable = this.precision === 'f16' ? 'enable f16;' : '';
    return [enable, this.loaders(), this.mainCode()].join('\n');
  }

  /** WGSL of the operand loaders for this kind. */
  private loaders(): string {
    const u = 'uniforms';
    const readA = (idx: string) => (this.vecA ? `A[(${idx}) / 4]` : `A[${idx}]`);
    const readA1 = (idx: string) => (this.vecA ? `A[(${idx}) / 4][(${idx}) % 4]` : `A[${idx}]`);
    // B is always row-major [K, N].
    const loadB = this.vecB
      ? `fn loadB4(k : i32, n : i32, kEnd : i32) -> vec4<f32> {
           if (k >= kEnd || n >= ${u}.N) { return vec4<f32>(0.0); }
           return B[(k * ${u}.N + n) / 4];
         }`
      : `fn loadB4(k : i32, n : i32, kEnd : i32) -> vec4<f32> {
           var v = vec4<f32>(0.0);
           if (k >= kEnd) { return v; }
           for (var j = 0; j < 4; j++) {
             if (n + j < ${u}.N) { v[j] = B[k * ${u}.N + n + j]; }
           }
           return v;
         }`;
    let loadA: string;
    if (this.kind === 'forward') {
      // row info: (n, id0, ih0, iw0), n = -1 past M.
      loadA = `
        fn rowInfo(m : i32) -> vec4<i32> {
          if (m >= ${u}.M) { return vec4<i32>(-1); }
          let ow = m % ${u}.outW; var q = m / ${u}.outW;
          let oh = q % ${u}.outH; q = q / ${u}.outH;
          let od = q % ${u}.outD; let n = q / ${u}.outD;
          return vec4<i32>(n, od * ${u}.sD - ${u}.pD, oh * ${u}.sH - ${u}.pH, ow * ${u}.sW - ${u}.pW);
        }
        fn aIndex(ri : vec4<i32>, k : i32) -> i32 {
          let ci = k % ${u}.inC; var q = k / ${u}.inC;
          let kw = q % ${u}.fW; q = q / ${u}.fW;
          let kh = q % ${u}.fH; let kd = q / ${u}.fH;
          let id = ri.y + kd * ${u}.dD; let ih = ri.z + kh * ${u}.dH; let iw = ri.w + kw * ${u}.dW;
          if (id < 0 || id >= ${u}.inD || ih < 0 || ih >= ${u}.inH || iw < 0 || iw >= ${u}.inW) { return -1; }
          return (((ri.x * ${u}.inD + id) * ${u}.inH + ih) * ${u}.inW + iw) * ${u}.inC + ci;
        }`;
    } else if (this.kind === 'backpropInput') {
      // row info: (n, d + pD, h + pH, w + pW) of an input position.
      loadA = `
        fn rowInfo(m : i32) -> vec4<i32> {
          if (m >= ${u}.M) { return vec4<i32>(-1); }
          let w = m % ${u}.inW; var q = m / ${u}.inW;
          let h = q % ${u}.inH; q = q / ${u}.inH;
          let d = q % ${u}.inD; let n = q / ${u}.inD;
          return vec4<i32>(n, d + ${u}.pD, h + ${u}.pH, w + ${u}.pW);
        }
        fn aIndex(ri : vec4<i32>, k : i32) -> i32 {
          let co = k % ${u}.outC; var q = k / ${u}.outC;
          let kw = q % ${u}.fW; q = q / ${u}.fW;
          let kh = q % ${u}.fH; let kd = q / ${u}.fH;
          let td = ri.y - kd * ${u}.dD; let th = ri.z - kh * ${u}.dH; let tw = ri.w - kw * ${u}.dW;
          if (td < 0 || th < 0 || tw < 0) { return -1; }
          if (td % ${u}.sD != 0 || th % ${u}.sH != 0 || tw % ${u}.sW != 0) { return -1; }
          let od = td / ${u}.sD; let oh = th / ${u}.sH; let ow = tw / ${u}.sW;
          if (od >= ${u}.outD || oh >= ${u}.outH || ow >= ${u}.outW) { return -1; }
          return (((ri.x * ${u}.outD + od) * ${u}.outH + oh) * ${u}.outW + ow) * ${u}.outC + co;
        }`;
    } else {
      // Filter gradient: rows m = (kd, kh, kw, ci); row info (kd*dD - pD, kh*dH - pH, kw*dW - pW, ci).
      loadA = `
        fn rowInfo(m : i32) -> vec4<i32> {
          if (m >= ${u}.M) { return vec4<i32>(0, 0, 0, -1); }
          let ci = m % ${u}.inC; var q = m / ${u}.inC;
          let kw = q % ${u}.fW; q = q / ${u}.fW;
          let kh = q % ${u}.fH; let kd = q / ${u}.fH;
          return vec4<i32>(kd * ${u}.dD - ${u}.pD, kh * ${u}.dH - ${u}.pH, kw * ${u}.dW - ${u}.pW, ci);
        }
        fn aIndex(ri : vec4<i32>, r : i32) -> i32 {
          if (ri.w < 0) { return -1; }
          let ow = r % ${u}.outW; var q = r / ${u}.outW;
          let oh = q % ${u}.outH; q = q / ${u}.outH;
          let od = q % ${u}.outD; let n = q / ${u}.outD;
          let id = od * ${u}.sD + ri.x; let ih = oh * ${u}.sH + ri.y; let iw = ow * ${u}.sW + ri.z;
          if (id < 0 || id >= ${u}.inD || ih < 0 || ih >= ${u}.inH || iw < 0 || iw >= ${u}.inW) { return -1; }
          return (((n * ${u}.inD + id) * ${u}.inH + ih) * ${u}.inW + iw) * ${u}.inC + ri.w;
        }`;
    }
    let loadA4: string;
    if (this.kind !== 'backpropFilter') {
      // Four consecutive k of one row (contiguous channels when vecA).
      loadA4 = this.vecA
        ? `fn loadA4(ri : vec4<i32>, k : i32, kEnd : i32) -> vec4<f32> {
             if (ri.x < 0 || k >= kEnd) { return vec4<f32>(0.0); }
             let idx = aIndex(ri, k);
             if (idx < 0) { return vec4<f32>(0.0); }
             return ${readA('idx')};
           }`
        : `fn loadA4(ri : vec4<i32>, k : i32, kEnd : i32) -> vec4<f32> {
             var v = vec4<f32>(0.0);
             if (ri.x < 0) { return v; }
             for (var j = 0; j < 4; j++) {
               if (k + j < kEnd) {
                 let idx = aIndex(ri, k + j);
                 if (idx >= 0) { v[j] = ${readA1('idx')}; }
               }
             }
             return v;
           }`;
    } else {
      // Four consecutive rows m (contiguous input channels when vecA) at one k.
      loadA4 = this.vecA
        ? `fn loadA4(m : i32, ri : vec4<i32>, r : i32, kEnd : i32) -> vec4<f32> {
             if (r >= kEnd) { return vec4<f32>(0.0); }
             let idx = aIndex(ri, r);
             if (idx < 0) { return vec4<f32>(0.0); }
             return ${readA('idx')};
           }`
        : `fn loadA4(m : i32, ri : vec4<i32>, r : i32, kEnd : i32) -> vec4<f32> {
             var v = vec4<f32>(0.0);
             if (r >= kEnd) { return v; }
             for (var j = 0; j < 4; j++) {
               let idx = aIndex(rowInfo(m + j), r);
               if (idx >= 0) { v[j] = ${readA1('idx')}; }
             }
             return v;
           }`;
    }
    return [loadB, loadA, loadA4].join('\n');
  }

  private mainCode(): string {
    const u = 'uniforms';
    // Tile element type and the conversions into (h, h4) and out of (w4) it.
    const f16 = this.precision === 'f16';
    const t = f16 ? 'f16' : 'f32';
    const h = f16 ? 'f16' : '';
    const h4 = f16 ? 'vec4<f16>' : '';
    const w4 = f16 ? 'vec4<f32>' : '';
    const fillA =
      this.kind !== 'backpropFilter'
        ? `
          for (var j = 0; j < 2; j++) {
            let v = loadA4(ri[j], k0 + kq * 4, kEnd);
            let r = aRow + 32 * j;
            As[kq * 4 + 0][r / 4][r % 4] = ${h}(v.x);
            As[kq * 4 + 1][r / 4][r % 4] = ${h}(v.y);
            As[kq * 4 + 2][r / 4][r % 4] = ${h}(v.z);
            As[kq * 4 + 3][r / 4][r % 4] = ${h}(v.w);
          }`
        : `
          for (var j = 0; j < 2; j++) {
            let kk = aK + 8 * j;
            As[kk][mq] = ${h4}(loadA4(m0 + mq * 4, ri[0], k0 + kk, kEnd));
          }`;
    const prologueA =
      this.kind !== 'backpropFilter'
        ? `
        let aRow = t / 4;
        let kq = t % 4;
        var ri : array<vec4<i32>, 2>;
        ri[0] = rowInfo(m0 + aRow);
        ri[1] = rowInfo(m0 + aRow + 32);`
        : `
        let aK = t / 16;
        let mq = t % 16;
        var ri : array<vec4<i32>, 1>;
        ri[0] = rowInfo(m0 + mq * 4);`;
    const store = this.vecOut
      ? `if (m < ${u}.M && n < ${u}.N) { result[(base + m * ${u}.N + n) / 4] = acc[i]; }`
      : `if (m < ${u}.M) {
           for (var j = 0; j < 4; j++) {
             if (n + j < ${u}.N) { result[base + m * ${u}.N + n + j] = acc[i][j]; }
           }
         }`;
    return `
      var<workgroup> As : array<array<vec4<${t}>, ${TILE_M / 4}>, ${TILE_K}>;
      var<workgroup> Bs : array<array<vec4<${t}>, ${TILE_N / 4}>, ${TILE_K}>;

      fn main(index : i32) {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let t = ty * 16 + tx;
        let wg = i32(workgroupId.x + workgroupId.y * numWorkgroups.x +
                     workgroupId.z * numWorkgroups.x * numWorkgroups.y);
        let tilesM = (${u}.M + ${TILE_M - 1}) / ${TILE_M};
        let perSplit = tilesM * ${u}.tilesN;
        let split = wg / perSplit;
        // No early return: tfjs keeps builtins in private variables, which
        // WGSL's uniformity analysis treats as non-uniform, so every branch
        // around a barrier must depend on uniforms only.
        let live = split < ${u}.splits;
        let rem = wg - split * perSplit;
        let tileM = rem / ${u}.tilesN;
        let m0 = tileM * ${TILE_M};
        let n0 = (rem - tileM * ${u}.tilesN) * ${TILE_N};
        let kBegin = split * ${u}.kPerSplit;
        let kEnd = min(${u}.K, kBegin + ${u}.kPerSplit);
        ${prologueA}
        let bK = t / 16;
        let nq = t % 16;
        var acc : array<vec4<f32>, 8>;
        let steps = ${u}.kPerSplit / ${TILE_K};
        for (var step = 0; step < steps; step++) {
          let k0 = kBegin + step * ${TILE_K};
          ${fillA}
          Bs[bK][nq] = ${h4}(loadB4(k0 + bK, n0 + nq * 4, kEnd));
          Bs[bK + 8][nq] = ${h4}(loadB4(k0 + bK + 8, n0 + nq * 4, kEnd));
          workgroupBarrier();
          for (var kk = 0; kk < ${TILE_K}; kk++) {
            let b = ${w4}(Bs[kk][tx]);
            let a0 = ${w4}(As[kk][ty * 2]);
            let a1 = ${w4}(As[kk][ty * 2 + 1]);
            acc[0] = fma(vec4<f32>(a0.x), b, acc[0]);
            acc[1] = fma(vec4<f32>(a0.y), b, acc[1]);
            acc[2] = fma(vec4<f32>(a0.z), b, acc[2]);
            acc[3] = fma(vec4<f32>(a0.w), b, acc[3]);
            acc[4] = fma(vec4<f32>(a1.x), b, acc[4]);
            acc[5] = fma(vec4<f32>(a1.y), b, acc[5]);
            acc[6] = fma(vec4<f32>(a1.z), b, acc[6]);
            acc[7] = fma(vec4<f32>(a1.w), b, acc[7]);
          }
          workgroupBarrier();
        }
        let base = split * ${u}.M * ${u}.N;
        let n = n0 + tx * 4;
        for (var i = 0; i < 8; i++) {
          let m = select(${u}.M, m0 + ty * 8 + i, live);
          ${store}
        }
      }
    `;
  }
}
