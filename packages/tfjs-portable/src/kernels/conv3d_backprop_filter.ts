import { type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { backpropGeom, colsOf, isPointwise, rowsOf, type ConvGeom, type Shape5, type Triple } from '../geometry.js';
import { alias, alloc, dropAlias, free, heapF32, matMul, offsetOf, type Wasm } from '../heap.js';
import { im2col, transpose } from '../im2col.js';
import { rowsPerChunk } from '../chunk.js';

/**
 * Conv3DBackpropFilterV2 as `dw^T [co, K] = sum over chunks of dy^T [co, rows] x col [rows, K]`
 * (XNNPACK's fast untransposed case; each chunk's column matrix is a fresh
 * tensor, as XNNPACK packs its right operand under its id), summed in JS and
 * written out as `dw [kd, kh, kw, ci, co]`.
 */
export const conv3dBackpropFilter: KernelFunc = (args) => {
  const backend = args.backend as Wasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, filterShape } = args.attrs as NamedAttrMap as unknown as { strides: Triple | number; pad: 'valid' | 'same'; filterShape: Shape5 };
  const { g, M, K, C } = backpropGeom('Conv3DBackpropFilterV2', [x, dy], x.shape as Shape5, filterShape, strides, pad, dy);
  // Few output positions, and the whole column matrix fits one chunk.
  if (M > 0 && M < K && rowsPerChunk(M, K) === M) return viaTransposed(backend, x, dy, g, filterShape);
  const pointwise = isPointwise(g);
  const rows = rowsPerChunk(M, K);
  let acc: Float32Array | undefined;
  let single: TensorInfo | undefined;
  for (let r0 = 0; r0 < M; r0 += rows) {
    const n = Math.min(rows, M - r0);
    const dyT = alloc(backend, [1, C, n]);
    transpose(heapF32(backend), offsetOf(backend, dy) + r0 * C, offsetOf(backend, dyT), n, C);
    let b: TensorInfo;
    if (pointwise) {
      b = alias(backend, offsetOf(backend, x) + r0 * K, [1, n, K]);
    } else {
      b = alloc(backend, [1, n, K]);
      im2col(heapF32(backend), offsetOf(backend, x), offsetOf(backend, b), g, r0, r0 + n);
    }
    const p = matMul(backend, dyT, b);
    if (pointwise) dropAlias(backend, b);
    else free(backend, b);
    free(backend, dyT);
    if (M <= rows) {
      single = p;
      break;
    }
    const h = heapF32(backend), po = offsetOf(backend, p);
    if (acc === undefined) acc = h.slice(po, po + C * K);
    else for (let i = 0; i < C * K; i++) acc[i] = (acc[i] as number) + (h[po + i] as number);
    free(backend, p);
  }
  const dw = alloc(backend, [...filterShape]);
  const h = heapF32(backend), dwo = offsetOf(backend, dw);
  if (single !== undefined) {
    transpose(h, offsetOf(backend, single), dwo, C, K);
    free(backend, single);
  } else if (acc !== undefined) {
    // acc is dw^T [co, K]; dw is [K, co].
    for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) h[dwo + k * C + c] = acc[c * K + k] as number;
  } else {
    h.fill(0, dwo, dwo + C * K);
  }
  return dw;
};

/**
 * Few output positions: `dw [K, co] = col^T [K, M] x dy [M, co]` in one
 * matmul, so XNNPACK packs the small `dy` and the result needs no transpose.
 */
function viaTransposed(backend: Wasm, x: TensorInfo, dy: TensorInfo, g: ConvGeom, filterShape: Shape5): TensorInfo {
  const M = rowsOf(g), K = colsOf(g), C = g.co;
  const col = alloc(backend, [1, M, K]);
  const colT = alloc(backend, [1, K, M]);
  im2col(heapF32(backend), offsetOf(backend, x), offsetOf(backend, col), g, 0, M);
  transpose(heapF32(backend), offsetOf(backend, col), offsetOf(backend, colT), M, K);
  free(backend, col);
  const b = alias(backend, offsetOf(backend, dy), [1, M, C]);
  const dw = matMul(backend, colT, b);
  dropAlias(backend, b);
  free(backend, colT);
  return { ...dw, shape: [...filterShape] };
}

/** Kernel config of {@link conv3dBackpropFilter} for `backendName`. @internal */
export const conv3dBackpropFilterConfig = (backendName: string): KernelConfig => ({ kernelName: 'Conv3DBackpropFilterV2', backendName, kernelFunc: conv3dBackpropFilter });
