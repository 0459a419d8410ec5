import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { reshape, runKernel } from './backend_ops.js';
import type { WebGpuBackendLike } from './backend_ops.js';
import { Conv3dGemmProgram } from './conv3d_gemm_webgpu.js';
import type { Conv3dGemmKind } from './conv3d_gemm_webgpu.js';
import { kernelPrecision } from './precision.js';

/**
 * Below this many output rows (e.g. layer4 of r3d_18 on a 2x2 map at batch 1)
 * a 64-row tile is mostly idle while the long K loop runs serially, and
 * tfjs's direct kernel is faster: the GEMM kernels hand such calls back to it.
 */
export const MIN_GEMM_ROWS = 32;

/**
 * Runs the implicit GEMM of `kind` on 2-D views `a` and `b` (in the
 * precision set by `registerWebGpuBackend`), sums split-K partials, and returns the result reshaped to `outShape`. Disposes every
 * intermediate.
 */
export function runConv3dGemm(
  kind: Conv3dGemmKind,
  info: backend_util.Conv3DInfo,
  a: TensorInfo,
  b: TensorInfo,
  outShape: number[],
  backend: WebGpuBackendLike,
  splits?: number,
): TensorInfo {
  const program = new Conv3dGemmProgram(kind, info, splits, kernelPrecision());
  const raw = backend.runWebGPUProgram(program, [a, b], 'float32', program.uniformData());
  if (program.splits === 1) {
    const out = reshape(raw, outShape, backend);
    backend.disposeData(raw.dataId);
    return out;
  }
  const parts = reshape(raw, [program.splits, program.dims.M * program.dims.N], backend);
  backend.disposeData(raw.dataId);
  const summed = runKernel('Sum', { x: parts }, { axis: [0], keepDims: false }, backend);
  backend.disposeData(parts.dataId);
  const out = reshape(summed, outShape, backend);
  backend.disposeData(summed.dataId);
  return out;
}

/**
 * Runs the implicit GEMM of `kind` on 2-D views of `a` (`[aRows, last dim]`)
 * and `b` (`bShape`), returning the result in `outShape`; the views are
 * disposed.
 */
export function runConv3dGemmOnViews(
  kind: Conv3dGemmKind,
  info: backend_util.Conv3DInfo,
  a: TensorInfo,
  aShape: number[],
  b: TensorInfo,
  bShape: number[],
  outShape: number[],
  backend: WebGpuBackendLike,
): TensorInfo {
  const a2 = reshape(a, aShape, backend);
  const b2 = reshape(b, bShape, backend);
  try {
    return runConv3dGemm(kind, info, a2, b2, outShape, backend);
  } finally {
    backend.disposeData(a2.dataId);
    backend.disposeData(b2.dataId);
  }
}
