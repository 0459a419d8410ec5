import { util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { backpropGeom, colsOf, isPointwise, rowsOf, type ConvGeom, type Shape5, type Triple } from '../geometry.js';
import { alias, alloc, dropAlias, free, heapF32, matMul, offsetOf, type Wasm } from '../heap.js';
import { col2im, transpose } from '../im2col.js';
import { rowsPerChunk } from '../chunk.js';

/**
 * Conv3DBackpropInputV2 as matmul + col2im: the column-matrix gradient
 * `dcol[m, :] = dy[m, :] x w^T [co, K]`, chunk by chunk, scattered and summed
 * into `dx` (the adjoint of the forward's im2col).
 */
export const conv3dBackpropInput: KernelFunc = (args) => {
  const backend = args.backend as Wasm;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, inputShape } = args.attrs as NamedAttrMap as unknown as { strides: Triple | number; pad: 'valid' | 'same'; inputShape: Shape5 };
  const { g, M, K, C } = backpropGeom('Conv3DBackpropInputV2', [dy, filter], inputShape, filter.shape as Shape5, strides, pad, dy);
  // Few output positions, and the whole column matrix fits one chunk.
  if (M > 0 && M < K && rowsPerChunk(M, K) === M) return viaTransposed(backend, dy, filter, g, inputShape);
  // w^T [co, K], a fresh tensor each call (XNNPACK packs it under its id).
  const wT = alloc(backend, [1, C, K]);
  transpose(heapF32(backend), offsetOf(backend, filter), offsetOf(backend, wT), K, C);
  if (isPointwise(g)) {
    const dx = matMul(backend, { dataId: dy.dataId, shape: [1, M, C], dtype: 'float32' }, wT);
    free(backend, wT);
    return { ...dx, shape: [...inputShape] };
  }
  const dx = alloc(backend, [...inputShape]);
  const dxOff = offsetOf(backend, dx);
  heapF32(backend).fill(0, dxOff, dxOff + util.sizeFromShape(inputShape));
  const rows = rowsPerChunk(M, K);
  for (let r0 = 0; r0 < M; r0 += rows) {
    const n = Math.min(rows, M - r0);
    const a = alias(backend, offsetOf(backend, dy) + r0 * C, [1, n, C]);
    const dcol = matMul(backend, a, wT);
    dropAlias(backend, a);
    col2im(heapF32(backend), offsetOf(backend, dcol), offsetOf(backend, dx), g, r0, r0 + n);
    free(backend, dcol);
  }
  free(backend, wT);
  return dx;
};

/**
 * Few output positions (deep layers, small clips): `dcol^T [K, M] = w [K, co] x dy^T [co, M]`,
 * so XNNPACK packs the small `dy^T` instead of the large filter, and the
 * filter needs no transpose.
 */
function viaTransposed(backend: Wasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeom, inputShape: Shape5): TensorInfo {
  const M = rowsOf(g), K = colsOf(g), C = g.co;
  const dyT = alloc(backend, [1, C, M]);
  transpose(heapF32(backend), offsetOf(backend, dy), offsetOf(backend, dyT), M, C);
  const dcolT = matMul(backend, { dataId: filter.dataId, shape: [1, K, C], dtype: 'float32' }, dyT);
  free(backend, dyT);
  const dcol = alloc(backend, [1, M, K]);
  transpose(heapF32(backend), offsetOf(backend, dcolT), offsetOf(backend, dcol), K, M);
  free(backend, dcolT);
  const dx = alloc(backend, [...inputShape]);
  const h = heapF32(backend), dxOff = offsetOf(backend, dx);
  h.fill(0, dxOff, dxOff + util.sizeFromShape(inputShape));
  col2im(h, offsetOf(backend, dcol), dxOff, g, 0, M);
  free(backend, dcol);
  return dx;
}

/** Kernel config of {@link conv3dBackpropInput} for `backendName`. @internal */
export const conv3dBackpropInputConfig = (backendName: string): KernelConfig => ({ kernelName: 'Conv3DBackpropInputV2', backendName, kernelFunc: conv3dBackpropInput });
