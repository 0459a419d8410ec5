import { backend_util, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { allocF32, f32Of, output, sizeOf } from '../cpu_data.js';
import { trailingPad } from './conv3d.js';

type Triple = [number, number, number];
type Shape5 = [number, number, number, number, number];

interface PoolAttrs {
  filterSize: number | Triple;
  strides: number | Triple;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NDHWC' | 'NCDHW';
}

/** The 21 integers of the addon's pooling entry points, or undefined. @internal */
export function poolGeometry(c: backend_util.Conv3DInfo, isMax: boolean): number[] | undefined {
  if (c.dataFormat !== 'channelsLast' || c.dilationDepth !== 1 || c.dilationHeight !== 1 || c.dilationWidth !== 1) return undefined;
  const p = c.padInfo;
  const pBk = trailingPad(c.inDepth, c.outDepth, c.filterDepth, c.strideDepth, p.front);
  const pBo = trailingPad(c.inHeight, c.outHeight, c.filterHeight, c.strideHeight, p.top);
  const pR = trailingPad(c.inWidth, c.outWidth, c.filterWidth, c.strideWidth, p.left);
  if (pBk === undefined || pBo === undefined || pR === undefined) return undefined;
  // oneDNN asks that a pooling window never lies entirely in the padding.
  if (p.front >= c.filterDepth || p.top >= c.filterHeight || p.left >= c.filterWidth) return undefined;
  if (pBk >= c.filterDepth || pBo >= c.filterHeight || pR >= c.filterWidth) return undefined;
  if (sizeOf(c.outShape) === 0 || sizeOf(c.inShape) === 0) return undefined;
  return [
    c.batchSize, c.inDepth, c.inHeight, c.inWidth, c.inChannels,
    c.outDepth, c.outHeight, c.outWidth,
    c.filterDepth, c.filterHeight, c.filterWidth,
    c.strideDepth, c.strideHeight, c.strideWidth,
    p.front, p.top, p.left, pBk, pBo, pR,
    isMax ? 1 : 0,
  ];
}

function poolInfo(xShape: readonly number[], a: PoolAttrs): backend_util.Conv3DInfo {
  return backend_util.computePool3DInfo(xShape as Shape5, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode, a.dataFormat ?? 'NDHWC');
}

/** BatchMatMul, MaxPool3D, AvgPool3D and their pooling gradients. @internal */
export function matmulPoolKernels(addon: NativeAddon, backendName: string, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const batchMatMul: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as NamedAttrMap as unknown as { transposeA: boolean; transposeB: boolean };
    const av = f32Of(backend, a), bv = f32Of(backend, b);
    const ra = a.shape.length, rb = b.shape.length;
    if (!av || !bv || ra < 2 || rb < 2) return fallback('BatchMatMul')(args);
    const M = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
    const K = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
    const K2 = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
    const N = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
    const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
    const Ba = sizeOf(outerA), Bb = sizeOf(outerB);
    let outer: number[] | undefined;
    if (Ba === Bb && util.arraysEqual(outerA, outerB)) outer = outerA;
    else if (Bb === 1 && outerB.length <= outerA.length) outer = outerA;
    else if (Ba === 1 && outerA.length <= outerB.length) outer = outerB;
    if (outer === undefined || K !== K2 || M * N * K === 0 || Ba * Bb === 0) return fallback('BatchMatMul')(args);
    const y = allocF32(Math.max(Ba, Bb) * M * N);
    addon.matmul(av, bv, y, [Ba, Bb, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0]);
    return output(backend, [...outer, M, N], y);
  };
  const poolFwd = (name: 'MaxPool3D' | 'AvgPool3D'): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x } = args.inputs as { x: TensorInfo };
    const info = poolInfo(x.shape, args.attrs as NamedAttrMap as unknown as PoolAttrs);
    const xv = f32Of(backend, x);
    const g = poolGeometry(info, name === 'MaxPool3D');
    if (!xv || !g) return fallback(name)(args);
    const y = allocF32(sizeOf(info.outShape));
    addon.pool3dForward(xv, y, g);
    return output(backend, info.outShape, y);
  };
  const poolBwd = (name: 'MaxPool3DGrad' | 'AvgPool3DGrad'): KernelFunc => (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const info = poolInfo(input.shape, args.attrs as NamedAttrMap as unknown as PoolAttrs);
    const xv = f32Of(backend, input), dyv = f32Of(backend, dy);
    const g = poolGeometry(info, name === 'MaxPool3DGrad');
    if (!xv || !dyv || !g) return fallback(name)(args);
    const dx = allocF32(xv.length);
    addon.pool3dBackward(xv, dyv, dx, g);
    return output(backend, [...input.shape], dx);
  };
  return [
    { kernelName: 'BatchMatMul', backendName, kernelFunc: batchMatMul },
    { kernelName: 'MaxPool3D', backendName, kernelFunc: poolFwd('MaxPool3D') },
    { kernelName: 'AvgPool3D', backendName, kernelFunc: poolFwd('AvgPool3D') },
    { kernelName: 'MaxPool3DGrad', backendName, kernelFunc: poolBwd('MaxPool3DGrad') },
    { kernelName: 'AvgPool3DGrad', backendName, kernelFunc: poolBwd('AvgPool3DGrad') },
  ];
}
