import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

const originals = new Map<string, KernelConfig>();

/**
 * Re-registers kernel `name` of `backendName` with `wrap(original)`, keeping
 * the original for {@link unwrapKernel}. Does nothing when already wrapped or
 * when the kernel is not registered.
 */
export function wrapKernel(name: string, backendName: string, wrap: (inner: KernelFunc) => KernelFunc): void {
  const key = `${backendName}_${name}`;
  if (originals.has(key)) return;
  const config = getKernel(name, backendName);
  if (config == null) return;
  originals.set(key, config);
  unregisterKernel(name, backendName);
  registerKernel({ ...config, kernelFunc: wrap(config.kernelFunc) });
}

/** Restores a kernel wrapped by {@link wrapKernel}. */
export function unwrapKernel(name: string, backendName: string): void {
  const key = `${backendName}_${name}`;
  const config = originals.get(key);
  if (config == null) return;
  unregisterKernel(name, backendName);
  registerKernel(config);
  originals.delete(key);
}
