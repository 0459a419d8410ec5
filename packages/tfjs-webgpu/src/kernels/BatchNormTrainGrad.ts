import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { reshape } from './backend_ops.js';
import type { WebGpuBackendLike } from './backend_ops.js';
import { runBatchNormPasses } from './batchnorm_run.js';

/** Name of the gradient kernel of `OneDnnBatchNormTrain` (inputs `dy`, `x`, `mean`, `variance`, `gamma`, attr `eps`; outputs dx, dgamma, dbeta). */
export const BATCH_NORM_TRAIN_GRAD = 'OneDnnBatchNormTrainGrad';

/**
 * Gradient of the training batch norm on webgpu in three dispatches:
 * per-slice `sum(dy)` and `sum(dy * (x - mean))` with a workgroup-shared
 * merge, a per-channel merge giving dbeta, dgamma and the coefficients of
 * `dx = gamma * inv * (dy - dbeta / M - xhat * dgamma / M)`, and one
 * elementwise pass for dx.
 */
export function batchNormTrainGrad(args: {
  inputs: { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; variance: TensorInfo; gamma: TensorInfo };
  backend: WebGpuBackendLike;
  attrs: NamedAttrMap;
}): TensorInfo[] {
  const { inputs, backend } = args;
  const { dy, x, mean, variance, gamma } = inputs;
  const eps = (args.attrs as unknown as { eps: number }).eps;
  util.assert([dy, x, mean, variance, gamma].every((t) => t.dtype === 'float32'), () => `${BATCH_NORM_TRAIN_GRAD} (tfjs-webgpu): float32 only`);
  util.assert(util.arraysEqual(dy.shape, x.shape), () => `${BATCH_NORM_TRAIN_GRAD} (tfjs-webgpu): dy [${dy.shape}] and x [${x.shape}] differ`);
  const C = x.shape[x.shape.length - 1] as number;
  const M = util.sizeFromShape(x.shape) / C;
  util.assert([mean, variance, gamma].every((t) => util.sizeFromShape(t.shape) === C), () => `${BATCH_NORM_TRAIN_GRAD} (tfjs-webgpu): x has ${C} channels, mean [${mean.shape}], variance [${variance.shape}], gamma [${gamma.shape}]`);
  const x2 = reshape(x, [M, C], backend);
  const dy2 = reshape(dy, [M, C], backend);
  try {
    // Finalize rows: dbeta, dgamma, a, k, b; the kernel returns dx, dgamma, dbeta.
    const io = { reduce: [dy2, x2, mean], finalize: [variance, gamma], apply: [dy2, x2, mean], rows: [1, 0] as [number, number] };
    return runBatchNormPasses('grad', M, C, eps, io, [...x.shape], backend);
  } finally {
    backend.disposeData(x2.dataId);
    backend.disposeData(dy2.dataId);
  }
}

/** Kernel registration of {@link batchNormTrainGrad}. */
export const batchNormTrainGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN_GRAD,
  backendName: 'webgpu',
  kernelFunc: batchNormTrainGrad as unknown as KernelFunc,
};
