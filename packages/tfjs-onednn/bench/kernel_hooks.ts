// Re-registers every kernel of a backend wrapped by a hook (timers, memory
// probes). For the bench's probes only.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

/** Replaces each kernel of `backendName` by `wrap(kernelName, kernelFunc)`. */
export function wrapKernels(backendName: string, wrap: (kernelName: string, inner: KernelFunc) => KernelFunc): void {
  for (const k of tf.getKernelsForBackend(backendName)) {
    const kernelFunc = wrap(k.kernelName, k.kernelFunc);
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({ ...k, kernelFunc } as KernelConfig);
  }
}
