import { backend_util, Conv3DBackpropInputV2 } from '@tensorflow/tfjs-core';
import type {
  Conv3DBackpropInputV2Attrs, Conv3DBackpropInputV2Inputs, KernelConfig, KernelFunc, TensorInfo,
} from '@tensorflow/tfjs-core';
import { gemmDims } from './conv3d_gemm_webgpu.js';
import { replacedKernel } from './replaced.js';
import { MIN_GEMM_ROWS, reshape, runConv3dGemm, runKernel } from './run_gemm.js';
import type { WebGpuBackendLike } from './run_gemm.js';

/**
 * Conv3D input gradient on webgpu as a tiled implicit GEMM: dx[m, ci] =
 * sum over (kd, kh, kw, co) of dy at the output position that tap reaches
 * (stride-divisible only) times W[kd, kh, kw, ci, co]; W is first transposed
 * to [kd, kh, kw, co, ci] so B loads are contiguous.
 */
export function conv3DBackpropInputV2(args: {
  inputs: Conv3DBackpropInputV2Inputs;
  backend: WebGpuBackendLike;
  attrs: Conv3DBackpropInputV2Attrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const inputShape = attrs.inputShape as [number, number, number, number, number];
  const info = backend_util.computeConv3DInfo(
    inputShape,
    filter.shape as [number, number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
  );
  const fallback = replacedKernel(Conv3DBackpropInputV2);
  if (fallback != null && gemmDims('backpropInput', info).M < MIN_GEMM_ROWS) {
    return fallback.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  const fvol = info.filterDepth * info.filterHeight * info.filterWidth;
  const dy2 = reshape(dy, [info.batchSize * info.outDepth * info.outHeight * info.outWidth, info.outChannels], backend);
  const w3 = reshape(filter, [fvol, info.inChannels, info.outChannels], backend);
  const wt = runKernel('Transpose', { x: w3 }, { perm: [0, 2, 1] }, backend);
  const wt2 = reshape(wt, [fvol * info.outChannels, info.inChannels], backend);
  try {
    return runConv3dGemm('backpropInput', info, dy2, wt2, [...inputShape], backend);
  } finally {
    for (const t of [dy2, w3, wt, wt2]) backend.disposeData(t.dataId);
  }
}

/** Kernel registration of {@link conv3DBackpropInputV2}. */
export const conv3DBackpropInputV2Config: KernelConfig = {
  kernelName: Conv3DBackpropInputV2,
  backendName: 'webgpu',
  kernelFunc: conv3DBackpropInputV2 as unknown as KernelFunc,
};
