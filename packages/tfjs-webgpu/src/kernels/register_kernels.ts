import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { batchNormTrainConfig } from './BatchNormTrain.js';
import { batchNormTrainGradConfig } from './BatchNormTrainGrad.js';
import { conv3dConfig } from './Conv3D.js';
import { conv3DBackpropFilterV2Config } from './Conv3DBackpropFilterV2.js';
import { conv3DBackpropInputV2Config } from './Conv3DBackpropInputV2.js';
import { replaced } from './replaced.js';

/**
 * This package's webgpu kernels: the implicit-GEMM Conv3D and its gradients
 * (replacing tfjs's naive ones of the same names) and the fused training
 * batch norm and its gradient (`OneDnnBatchNormTrain`,
 * `OneDnnBatchNormTrainGrad`, which `@byolmed3d/resnet3d` runs on when
 * registered).
 */
export const WEBGPU_KERNELS: readonly KernelConfig[] = [
  conv3dConfig, conv3DBackpropInputV2Config, conv3DBackpropFilterV2Config, batchNormTrainConfig, batchNormTrainGradConfig,
];

/**
 * Registers {@link WEBGPU_KERNELS} for the webgpu backend, keeping tfjs's
 * originals so {@link unregisterWebGpuKernels} can restore them. Idempotent.
 */
export function registerWebGpuKernels(): void {
  for (const config of WEBGPU_KERNELS) {
    if (replaced.has(config.kernelName)) continue;
    const original = getKernel(config.kernelName, 'webgpu') ?? null;
    replaced.set(config.kernelName, original);
    if (original != null) unregisterKernel(config.kernelName, 'webgpu');
    registerKernel(config);
  }
}

/** Restores tfjs's own webgpu kernels (e.g. to compare against them). */
export function unregisterWebGpuKernels(): void {
  for (const [name, original] of replaced) {
    unregisterKernel(name, 'webgpu');
    if (original != null) registerKernel(original);
  }
  replaced.clear();
}
