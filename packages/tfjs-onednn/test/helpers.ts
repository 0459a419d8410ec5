import * as tf from '@tensorflow/tfjs-core';
import { onBackends, useBackend } from '@byolmed3d/test-utils';
import { getOneDnnInfo, isOneDnnAvailable, oneDnnUnavailableReason, registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';

/** Whether the native addon is built here; tests of native kernels skip otherwise. */
export const available = isOneDnnAvailable();
if (!available) console.warn(`tfjs-onednn tests of native kernels SKIPPED: ${oneDnnUnavailableReason() ?? ''}`);
/** Whether oneDNN can run bf16 kernels on this CPU (oneDNN 2.x: avx512_core or newer); the bf16 tests skip where it cannot. */
export const bf16Supported = available && getOneDnnInfo().bf16Supported;
if (available && !bf16Supported) console.warn(`tfjs-onednn bf16 tests SKIPPED: oneDNN cannot run bf16 kernels on this CPU (ISA ${getOneDnnInfo().isa})`);

/** Name of the registered oneDNN backend (after {@link setup}). */
export let onednn = 'onednn';

/**
 * Registers the cpu backend (reference, gradients) and the oneDNN backend,
 * in fp32 unless asked (the fp32 tests compare to the cpu backend at 1e-5;
 * the default `'auto'` would pick bf16 on CPUs with native bf16).
 */
export async function setup(threads = 2, precision: 'fp32' | 'bf16' | 'auto' = 'fp32'): Promise<void> {
  await useBackend('cpu');
  if (available) onednn = await registerOneDnnBackend({ threads, precision });
}

export { numel, rand, relErr } from '@byolmed3d/test-utils';

/**
 * Runs `fn` (in `tf.tidy`, inputs made inside from plain arrays) on the cpu
 * backend and on the onednn one and returns both results as flat arrays,
 * checking that neither run leaks tensors.
 */
export async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; dnn: Float32Array[]; shapes: number[][] }> {
  const r = await onBackends('cpu', onednn, fn);
  return { cpu: r.ref, dnn: r.other, shapes: r.shapes };
}
