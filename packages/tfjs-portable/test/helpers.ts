import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { registerPortableBackend, type PortableBackendOptions } from '@byolmed3d/tfjs-portable';

/** Name of the backend the portable kernels run on (after {@link setup}). */
export let portable = 'wasm';

/** Registers the cpu backend (reference) and the portable kernels. */
export async function setup(options: PortableBackendOptions = {}): Promise<void> {
  await useBackend('cpu');
  portable = await registerPortableBackend(options);
}

/** Seeded uniform values in [lo, hi) (xorshift32). */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return a;
}

/** Product of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Runs `fn` (in `tf.tidy`, inputs made inside from plain arrays) on the cpu
 * backend and on the portable one and returns both results as flat arrays,
 * checking that neither run leaks tensors.
 */
export async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; ours: Float32Array[]; shapes: number[][] }> {
  const run = async (backend: string): Promise<{ vals: Float32Array[]; shapes: number[][] }> => {
    await tf.setBackend(backend);
    return expectNoLeaks(() => {
      const out = tf.tidy(fn);
      const list = Array.isArray(out) ? out : [out];
      const vals = list.map((t) => Float32Array.from(t.dataSync()));
      const shapes = list.map((t) => t.shape);
      tf.dispose(list);
      return { vals, shapes };
    });
  };
  const cpu = await run('cpu');
  const ours = await run(portable);
  await tf.setBackend('cpu');
  return { cpu: cpu.vals, ours: ours.vals, shapes: cpu.shapes };
}

/** Largest |a - b| relative to max(1, max |a|); Infinity on a length or NaN mismatch. */
export function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number, y = b[i] as number;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
    if (Number.isNaN(x) || x === y) continue;
    m = Math.max(m, Math.abs(x - y));
    s = Math.max(s, Math.abs(x));
  }
  return m / s;
}
