import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { reshape } from './backend_ops.js';
import type { WebGpuBackendLike } from './backend_ops.js';
import { runBatchNormPasses } from './batchnorm_run.js';

/**
 * Name of the fused training batch-norm kernel (inputs `x`, `gamma`, `beta`,
 * attr `eps`; outputs y, batch mean, biased batch variance) that
 * `@byolmed3d/resnet3d`'s `batchNormTrain` runs on when the active backend
 * registers it (its `FUSED_BATCH_NORM_TRAIN`; the name comes from the oneDNN
 * package, which registered it first).
 */
export const BATCH_NORM_TRAIN = 'OneDnnBatchNormTrain';

/**
 * Training batch norm over every axis but the last, on webgpu in three
 * dispatches: per-slice shifted sums with a workgroup-shared merge, a
 * per-channel merge that also derives the scale, and one elementwise
 * `y = (x - mean) * scale + beta`. Returns y, the batch mean and the biased variance.
 */
export function batchNormTrain(args: { inputs: { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo }; backend: WebGpuBackendLike; attrs: NamedAttrMap }): TensorInfo[] {
  const { inputs, backend } = args;
  const { x, gamma, beta } = inputs;
  const eps = (args.attrs as unknown as { eps: number }).eps;
  util.assert([x, gamma, beta].every((t) => t.dtype === 'float32'), () => `${BATCH_NORM_TRAIN} (tfjs-webgpu): float32 only`);
  const C = x.shape[x.shape.length - 1] as number;
  const M = util.sizeFromShape(x.shape) / C;
  util.assert(gamma.shape[0] === C && beta.shape[0] === C, () => `${BATCH_NORM_TRAIN} (tfjs-webgpu): x has ${C} channels, gamma [${gamma.shape}], beta [${beta.shape}]`);
  util.assert(M > 0, () => `${BATCH_NORM_TRAIN} (tfjs-webgpu): empty input [${x.shape}]`);
  const x2 = reshape(x, [M, C], backend);
  try {
    return runBatchNormPasses('stats', M, C, eps, { reduce: [x2], finalize: [gamma, beta, x2], apply: [x2], rows: [0, 1] }, [...x.shape], backend);
  } finally {
    backend.disposeData(x2.dataId);
  }
}

/** Kernel registration of {@link batchNormTrain}. */
export const batchNormTrainConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN,
  backendName: 'webgpu',
  kernelFunc: batchNormTrain as unknown as KernelFunc,
};
