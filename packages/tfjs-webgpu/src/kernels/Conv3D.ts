import { backend_util, Conv3D } from '@tensorflow/tfjs-core';
import type { Conv3DAttrs, Conv3DInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { gemmDims } from './conv3d_gemm_webgpu.js';
import { replacedKernel } from './replaced.js';
import { MIN_GEMM_ROWS, reshape, runConv3dGemm } from './run_gemm.js';
import type { WebGpuBackendLike } from './run_gemm.js';

/** Conv3D forward on webgpu as a tiled implicit GEMM (NDHWC). */
export function conv3d(args: { inputs: Conv3DInputs; backend: WebGpuBackendLike; attrs: Conv3DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const info = backend_util.computeConv3DInfo(
    x.shape as [number, number, number, number, number],
    filter.shape as [number, number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
  );
  const fallback = replacedKernel(Conv3D);
  if (fallback != null && gemmDims('forward', info).M < MIN_GEMM_ROWS) {
    return fallback.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
  }
  const [n, d, h, w, cin] = x.shape as [number, number, number, number, number];
  const x2 = reshape(x, [n * d * h * w, cin], backend);
  const w2 = reshape(filter, [info.filterDepth * info.filterHeight * info.filterWidth * cin, info.outChannels], backend);
  try {
    return runConv3dGemm('forward', info, x2, w2, info.outShape, backend);
  } finally {
    backend.disposeData(x2.dataId);
    backend.disposeData(w2.dataId);
  }
}

/** Kernel registration of {@link conv3d}. */
export const conv3dConfig: KernelConfig = {
  kernelName: Conv3D,
  backendName: 'webgpu',
  kernelFunc: conv3d as unknown as KernelFunc,
};
