import { Conv3DBackpropFilterV2 } from '@tensorflow/tfjs-core';
import type {
  Conv3DBackpropFilterV2Attrs, Conv3DBackpropFilterV2Inputs, KernelConfig, KernelFunc, TensorInfo,
} from '@tensorflow/tfjs-core';
import { conv3dInfo, inputRows, outputRows } from './backend_ops.js';
import type { WebGpuBackendLike } from './backend_ops.js';
import { runConv3dGemmOnViews } from './run_gemm.js';

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
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, filterShape } = args.attrs;
  const info = conv3dInfo(x.shape, filterShape, strides, 1, pad);
  return runConv3dGemmOnViews(
    'backpropFilter', info, x, [inputRows(info), info.inChannels], dy, [outputRows(info), info.outChannels], [...filterShape], args.backend,
  );
}

/** Kernel registration of {@link conv3DBackpropFilterV2}. */
export const conv3DBackpropFilterV2Config: KernelConfig = {
  kernelName: Conv3DBackpropFilterV2,
  backendName: 'webgpu',
  kernelFunc: conv3DBackpropFilterV2 as unknown as KernelFunc,
};
