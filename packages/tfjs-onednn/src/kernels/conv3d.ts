import { backend_util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { allocF32, f32Of, output, sizeOf } from '../cpu_data.js';

type Triple = [number, number, number];
type Shape5 = [number, number, number, number, number];

/**
 * Trailing padding that makes oneDNN's size check hold: tfjs can produce a
 * negative one (a 1x1x1 stride-2 'same' conv gives -1), which is the same as
 * ignoring the last input rows. Returns undefined when no non-negative
 * padding gives the requested output size.
 */
export function trailingPad(inSize: number, outSize: number, effK: number, stride: number, padFront: number): number | undefined {
  if (padFront < 0) return undefined;
  const pr = Math.max(0, (outSize - 1) * stride + effK - inSize - padFront);
  return Math.floor((inSize + padFront + pr - effK) / stride) + 1 === outSize ? pr : undefined;
}

/** The 24 integers the addon's conv3d entry points take, or undefined when oneDNN cannot express it. @internal */
export function convGeometry(c: backend_util.Conv3DInfo): number[] | undefined {
  if (c.dataFormat !== 'channelsLast') return undefined;
  const p = c.padInfo;
  const pBk = trailingPad(c.inDepth, c.outDepth, c.effectiveFilterDepth, c.strideDepth, p.front);
  const pBo = trailingPad(c.inHeight, c.outHeight, c.effectiveFilterHeight, c.strideHeight, p.top);
  const pR = trailingPad(c.inWidth, c.outWidth, c.effectiveFilterWidth, c.strideWidth, p.left);
  if (pBk === undefined || pBo === undefined || pR === undefined) return undefined;
  if (c.outDepth <= 0 || c.outHeight <= 0 || c.outWidth <= 0 || c.batchSize <= 0 || c.inChannels <= 0 || c.outChannels <= 0) return undefined;
  return [
    c.batchSize, c.inDepth, c.inHeight, c.inWidth, c.inChannels,
    c.outDepth, c.outHeight, c.outWidth, c.outChannels,
    c.filterDepth, c.filterHeight, c.filterWidth,
    c.strideDepth, c.strideHeight, c.strideWidth,
    c.dilationDepth, c.dilationHeight, c.dilationWidth,
    p.front, p.top, p.left, pBk, pBo, pR,
  ];
}

/** Kernels Conv3D, Conv3DBackpropInputV2 and Conv3DBackpropFilterV2 on oneDNN. @internal */
export function convKernels(addon: NativeAddon, backendName: string, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const conv3d: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dilations } = args.attrs as NamedAttrMap as unknown as { strides: Triple; pad: 'valid' | 'same'; dilations: Triple };
    const xv = f32Of(backend, x), wv = f32Of(backend, filter);
    const info = backend_util.computeConv3DInfo(x.shape as Shape5, filter.shape as Shape5, strides, dilations, pad);
    const g = convGeometry(info);
    if (!xv || !wv || !g) return fallback('Conv3D')(args);
    const y = allocF32(sizeOf(info.outShape));
    addon.conv3dForward(xv, wv, y, g);
    return output(backend, info.outShape, y);
  };
  const backpropInput: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, inputShape } = args.attrs as NamedAttrMap as unknown as { strides: Triple; pad: 'valid' | 'same'; inputShape: Shape5 };
    const dyv = f32Of(backend, dy), wv = f32Of(backend, filter);
    const info = backend_util.computeConv3DInfo(inputShape, filter.shape as Shape5, strides, 1, pad);
    const g = convGeometry(info);
    if (!dyv || !wv || !g) return fallback('Conv3DBackpropInputV2')(args);
    const dx = allocF32(sizeOf(inputShape));
    addon.conv3dBackwardData(dyv, wv, dx, g);
    return output(backend, [...inputShape], dx);
  };
  const backpropFilter: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, filterShape } = args.attrs as NamedAttrMap as unknown as { strides: Triple; pad: 'valid' | 'same'; filterShape: Shape5 };
    const xv = f32Of(backend, x), dyv = f32Of(backend, dy);
    const info = backend_util.computeConv3DInfo(x.shape as Shape5, filterShape, strides, 1, pad);
    const g = convGeometry(info);
    if (!xv || !dyv || !g) return fallback('Conv3DBackpropFilterV2')(args);
    const dw = allocF32(sizeOf(filterShape));
    addon.conv3dBackwardWeights(xv, dyv, dw, g);
    return output(backend, [...filterShape], dw);
  };
  return [
    { kernelName: 'Conv3D', backendName, kernelFunc: conv3d },
    { kernelName: 'Conv3DBackpropInputV2', backendName, kernelFunc: backpropInput },
    { kernelName: 'Conv3DBackpropFilterV2', backendName, kernelFunc: backpropFilter },
  ];
}
