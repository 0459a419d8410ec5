import { backend_util, Conv3DBackpropFilterV2 } from '@tensorflow/tfjs-core';
import type {
  Conv3DBackpropFilterV2Attrs, Conv3DBackpropFilterV2Inputs, KernelConfig, KernelFunc, TensorInfo,
} from '@tensorflow/tfjs-core';
import { reshape, runConv3dGemm } from './run_gemm.js';
import type { WebGpuBackendLike } from './run_gemm.js';

/**
 * Conv3D filter gradient on webgpu as a tiled implicit GEMM: dW[(kd, kh, kw,
 * ci), co] = sum over (n, od, oh, ow) of x at the tap times dy; split-K over
 * that long reduction when the filter has few output tiles.
 */
export function conv3DBackpropFilterV2(args: {
  inputs: Conv3DBackpropFilterV2Inputs;
  backend: WebGpuBackendLike;
  attrs: Conv3DBackpropFilterV2Attrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const filterShape = attrs.filterShape as [number, number, number, number, number];
  const info = backend_util.computeConv3DInfo(
    x.shape as [number, number, number, number, number],
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
  );
  const [n, d, h, w, cin] = x.shape as [number, number, number, number, number];
  const x2 = reshape(x, [n * d * h * w, cin], backend);
  const dy2 = reshape(dy, [info.batchSize * info.outDepth * info.outHeight * info.outWidth, info.outChannels], backend);
  try {
    return runConv3dGemm('backpropFilter', info, x2, dy2, [...filterShape], backend);
  } finally {
    backend.disposeData(x2.dataId);
    backend.disposeData(dy2.dataId);
  }
}

/** Kernel registration of {@link conv3DBackpropFilterV2}. */
export const conv3DBackpropFilterV2Config: KernelConfig = {
  kernelName: Conv3DBackpropFilterV2,
  backendName: 'webgpu',
  kernelFunc: conv3DBackpropFilterV2 as unknown as KernelFunc,
};
