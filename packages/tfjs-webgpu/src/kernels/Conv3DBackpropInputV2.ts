import { Conv3DBackpropInputV2 } from '@tensorflow/tfjs-core';
import type {
  Conv3DBackpropInputV2Attrs, Conv3DBackpropInputV2Inputs, KernelConfig, KernelFunc, TensorInfo,
} from '@tensorflow/tfjs-core';
import { conv3dInfo, outputRows, reshape, runKernel } from './backend_ops.js';
import type { WebGpuBackendLike } from './backend_ops.js';
import { gemmDims } from './conv3d_gemm_webgpu.js';
import { replacedKernel } from './replaced.js';
import { MIN_GEMM_ROWS, runConv3dGemmOnViews } from './run_gemm.js';

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
  const { backend } = args;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, inputShape } = args.attrs;
  const info = conv3dInfo(inputShape, filter.shape, strides, 1, pad);
  const fallback = replacedKernel(Conv3DBackpropInputV2);
  if (fallback != null && gemmDims('backpropInput', info).M < MIN_GEMM_ROWS) {
    return fallback.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  const fvol = info.filterDepth * info.filterHeight * info.filterWidth;
  const w3 = reshape(filter, [fvol, info.inChannels, info.outChannels], backend);
  const wt = runKernel('Transpose', { x: w3 }, { perm: [0, 2, 1] }, backend);
  try {
    return runConv3dGemmOnViews(
      'backpropInput', info, dy, [outputRows(info), info.outChannels], wt, [fvol * info.outChannels, info.inChannels], [...inputShape], backend,
    );
  } finally {
    for (const t of [w3, wt]) backend.disposeData(t.dataId);
  }
}

/** Kernel registration of {@link conv3DBackpropInputV2}. */
export const conv3DBackpropInputV2Config: KernelConfig = {
  kernelName: Conv3DBackpropInputV2,
  backendName: 'webgpu',
  kernelFunc: conv3DBackpropInputV2 as unknown as KernelFunc,
};
