import { backend_util, getKernel, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { Conv3dGemmProgram } from './conv3d_gemm_webgpu.js';
import type { Conv3dGemmKind } from './conv3d_gemm_webgpu.js';

/** The webgpu backend methods these kernels use. */
export interface WebGpuBackendLike extends KernelBackend {
  runWebGPUProgram(
    program: unknown,
    inputs: TensorInfo[],
    outputDtype: 'float32',
    programDefinedUniform?: { type: string; data: number[] }[],
  ): TensorInfo;
}

/** Runs another kernel registered for the webgpu backend. */
export function runKernel(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap, backend: KernelBackend): TensorInfo {
  const k = getKernel(name, 'webgpu');
  util.assert(k != null, () => `tfjs-webgpu: kernel ${name} is not registered for webgpu`);
  return k.kernelFunc({ inputs, attrs, backend }) as TensorInfo;
}

/** A free view of `x` with another shape (reshape is metadata-only on webgpu). */
export function reshape(x: TensorInfo, shape: number[], backend: KernelBackend): TensorInfo {
  return runKernel('Reshape', { x }, { shape }, backend);
}

/**
 * Below this many output rows (e.g. layer4 of r3d_18 on a 2x2 map at batch 1)
 * a 64-row tile is mostly idle while the long K loop runs serially, and
 * tfjs's direct kernel is faster: the GEMM kernels hand such calls back to it.
 */
export const MIN_GEMM_ROWS = 32;

/**
 * Runs the implicit GEMM of `kind` on 2-D views `a` and `b`, sums split-K
 * partials, and returns the result reshaped to `outShape`. Disposes every
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
  const program = new Conv3dGemmProgram(kind, info, splits);
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
