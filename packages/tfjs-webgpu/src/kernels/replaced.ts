import type { KernelConfig } from '@tensorflow/tfjs-core';

/** tfjs's own webgpu kernels that this package replaced, by kernel name. */
export const replaced = new Map<string, KernelConfig | null>();

/**
 * tfjs's own webgpu kernel that `registerWebGpuKernels` replaced (the GEMM
 * kernels fall back to it where a 64-row tile would be mostly empty).
 */
export function replacedKernel(name: string): KernelConfig | null {
  return replaced.get(name) ?? null;
}
