import { backend_util, util, type TensorInfo } from '@tensorflow/tfjs-core';

/** A 5D shape (`[n, d, h, w, c]` or a filter `[kd, kh, kw, ci, co]`). @internal */
export type Shape5 = [number, number, number, number, number];
/** Per-axis strides `[d, h, w]`. @internal */
export type Triple = [number, number, number];

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

/**
 * The convolution behind a Conv3D backprop kernel (`kernel` names it in
 * errors): checks that both inputs are float32 and that `dy` has the conv's
 * output shape, and returns its geometry with the column matrix's rows `M`,
 * columns `K` and the output channels `C`. @internal
 */
export function backpropGeom(kernel: string, inputs: [TensorInfo, TensorInfo], xShape: Shape5, wShape: Shape5, strides: Triple | number, pad: 'valid' | 'same', dy: TensorInfo): { g: ConvGeom; M: number; K: number; C: number } {
  const [a, b] = inputs;
  util.assert(a.dtype === 'float32' && b.dtype === 'float32', () => `${kernel} (tfjs-portable): float32 only, got ${a.dtype} and ${b.dtype}`);
  const info = backend_util.computeConv3DInfo(xShape, wShape, strides, 1, pad);
  util.assert(util.arraysEqual(dy.shape, info.outShape), () => `${kernel} (tfjs-portable): dy shape [${dy.shape}] is not the conv output shape [${info.outShape}]`);
  const g = geomOf(info);
  return { g, M: rowsOf(g), K: colsOf(g), C: g.co };
}
