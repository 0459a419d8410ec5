import * as tf from '@tensorflow/tfjs-core';
import { onBackends, useBackend } from '@byolmed3d/test-utils';
import { registerPortableBackend, type PortableBackendOptions } from '@byolmed3d/tfjs-portable';

/** Name of the backend the portable kernels run on (after {@link setup}). */
export let portable = 'wasm';

/** Registers the cpu backend (reference) and the portable kernels. */
export async function setup(options: PortableBackendOptions = {}): Promise<void> {
  await useBackend('cpu');
  portable = await registerPortableBackend(options);
}

export { numel, rand, relErr } from '@byolmed3d/test-utils';

/**
 * Runs `fn` (in `tf.tidy`, inputs made inside from plain arrays) on the cpu
 * backend and on the portable one and returns both results as flat arrays,
 * checking that neither run leaks tensors.
 */
export async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; ours: Float32Array[]; shapes: number[][] }> {
  const r = await onBackends('cpu', portable, fn);
  return { cpu: r.ref, ours: r.other, shapes: r.shapes };
}
