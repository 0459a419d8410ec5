import { Conv3D } from '@tensorflow/tfjs-core';
import type { Conv3DAttrs, Conv3DInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { conv3dInfo, inputRows } from './backend_ops.js';
import type { WebGpuBackendLike } from './backend_ops.js';
import { gemmDims } from './conv3d_gemm_webgpu.js';
import { replacedKernel } from './replaced.js';
import { MIN_GEMM_ROWS, runConv3dGemmOnViews } from './run_gemm.js';

/** Conv3D forward on webgpu as a tiled implicit GEMM (NDHWC). */
export function conv3d(args: { inputs: Conv3DInputs; backend: WebGpuBackendLike; attrs: Conv3DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const info = conv3dInfo(x.shape, filter.shape, attrs.strides, attrs.dilations, attrs.pad);
  const fallback = replacedKernel(Conv3D);
  if (fallback != null && gemmDims('forward', info).M < MIN_GEMM_ROWS) {
    return fallback.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  const { K, N } = gemmDims('forward', info);
  return runConv3dGemmOnViews('forward', info, x, [inputRows(info), info.inChannels], filter, [K, N], info.outShape, backend);
}

/** Kernel registration of {@link conv3d}. */
export const conv3dConfig: KernelConfig = {
  kernelName: Conv3D,
  backendName: 'webgpu',
  kernelFunc: conv3d as unknown as KernelFunc,
};
