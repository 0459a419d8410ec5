import { backend_util, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { colsOf, geomOf, isPointwise, rowsOf } from '../geometry.js';
import { alias, alloc, dropAlias, free, heapF32, matMul, offsetOf, type Wasm } from '../heap.js';
import { im2col } from '../im2col.js';
import { rowsPerChunk } from '../chunk.js';

type Triple = [number, number, number];
type Shape5 = [number, number, number, number, number];

/**
 * Conv3D (channels last) as im2col + XNNPACK matmul, in chunks of output
 * rows so that the column matrix stays small: `y[m, :] = col[m, :] x w[K, co]`
 * with `K = kd * kh * kw * ci`. A 1x1x1 stride-1 unpadded conv is one matmul
 * over the input as is.
 */
export const conv3d: KernelFunc = (args) => {
  const backend = args.backend as Wasm;
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const { strides, pad, dilations, dataFormat } = args.attrs as NamedAttrMap as unknown as { strides: Triple | number; pad: 'valid' | 'same'; dilations: Triple | number; dataFormat?: string };
  util.assert(x.dtype === 'float32' && filter.dtype === 'float32', () => `Conv3D (tfjs-portable): float32 only, got ${x.dtype} and ${filter.dtype}`);
  util.assert(dataFormat === undefined || dataFormat === 'NDHWC', () => `Conv3D (tfjs-portable): only NDHWC, got ${String(dataFormat)}`);
  const info = backend_util.computeConv3DInfo(x.shape as Shape5, filter.shape as Shape5, strides, dilations, pad);
  const g = geomOf(info);
  const M = rowsOf(g), K = colsOf(g), C = g.co;
  const w = { dataId: filter.dataId, shape: [1, K, C], dtype: 'float32' } as TensorInfo;
  if (M === 0) return alloc(backend, info.outShape);
  if (isPointwise(g)) {
    const y = matMul(backend, { dataId: x.dataId, shape: [1, M, K], dtype: 'float32' }, w);
    return { ...y, shape: info.outShape };
  }
  const rows = rowsPerChunk(M, K);
  if (rows === M) {
    const col = alloc(backend, [1, M, K]);
    im2col(heapF32(backend), offsetOf(backend, x), offsetOf(backend, col), g, 0, M);
    const y = matMul(backend, col, w);
    free(backend, col);
    return { ...y, shape: info.outShape };
  }
  const out = alloc(backend, info.outShape);
  const col = alloc(backend, [1, rows, K]);
  for (let r0 = 0; r0 < M; r0 += rows) {
    const n = Math.min(rows, M - r0);
    im2col(heapF32(backend), offsetOf(backend, x), offsetOf(backend, col), g, r0, r0 + n);
    const a = alias(backend, offsetOf(backend, col), [1, n, K]);
    const y = matMul(backend, a, w);
    dropAlias(backend, a);
    const yo = offsetOf(backend, y);
    heapF32(backend).copyWithin(offsetOf(backend, out) + r0 * C, yo, yo + n * C);
    free(backend, y);
  }
  free(backend, col);
  return out;
};

/** Kernel config of {@link conv3d} for `backendName`. @internal */
export const conv3dConfig = (backendName: string): KernelConfig => ({ kernelName: 'Conv3D', backendName, kernelFunc: conv3d });
