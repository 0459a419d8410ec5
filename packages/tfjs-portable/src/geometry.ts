import type { backend_util } from '@tensorflow/tfjs-core';

/** Geometry of a channels-last 3D convolution, as the im2col loops read it. @internal */
export interface ConvGeom {
  n: number; id: number; ih: number; iw: number; ci: number;
  od: number; oh: number; ow: number; co: number;
  kd: number; kh: number; kw: number;
  sd: number; sh: number; sw: number;
  dd: number; dh: number; dw: number;
  /** Leading zero padding (may be negative: tfjs gives -1 for a 1x1x1 stride-2 'same' conv). */
  pf: number; pt: number; pl: number;
}

/** {@link ConvGeom} of a tfjs `Conv3DInfo`. @internal */
export function geomOf(c: backend_util.Conv3DInfo): ConvGeom {
  return {
    n: c.batchSize, id: c.inDepth, ih: c.inHeight, iw: c.inWidth, ci: c.inChannels,
    od: c.outDepth, oh: c.outHeight, ow: c.outWidth, co: c.outChannels,
    kd: c.filterDepth, kh: c.filterHeight, kw: c.filterWidth,
    sd: c.strideDepth, sh: c.strideHeight, sw: c.strideWidth,
    dd: c.dilationDepth, dh: c.dilationHeight, dw: c.dilationWidth,
    pf: c.padInfo.front, pt: c.padInfo.top, pl: c.padInfo.left,
  };
}

/** Rows of the column matrix: output positions `n * od * oh * ow`. @internal */
export const rowsOf = (g: ConvGeom): number => g.n * g.od * g.oh * g.ow;
/** Columns of the column matrix: `kd * kh * kw * ci`. @internal */
export const colsOf = (g: ConvGeom): number => g.kd * g.kh * g.kw * g.ci;

/** Whether the conv is a plain matmul over the input as is (1x1x1, stride 1, no padding). @internal */
export function isPointwise(g: ConvGeom): boolean {
  return g.kd === 1 && g.kh === 1 && g.kw === 1 && g.sd === 1 && g.sh === 1 && g.sw === 1 && g.pf === 0 && g.pt === 0 && g.pl === 0 &&
    g.od === g.id && g.oh === g.ih && g.ow === g.iw;
}
