import * as tf from '@tensorflow/tfjs-core';
import { useBackend, expectNoLeaks } from '@byolmed3d/test-utils';
import { isOneDnnAvailable, oneDnnUnavailableReason, registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';

/** Whether the native addon is built here; tests of native kernels skip otherwise. */
export const available = isOneDnnAvailable();
if (!available) console.warn(`tfjs-onednn tests of native kernels SKIPPED: ${oneDnnUnavailableReason() ?? ''}`);

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

/** Seeded uniform values in [lo, hi). */
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
 * Runs `fn` on the cpu backend and on the oneDNN backend (same inputs, made
 * inside `fn` from plain arrays; `fn` runs in `tf.tidy`) and returns both results as flat arrays,
 * checking that neither run leaks tensors.
 */
export async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; dnn: Float32Array[]; shapes: number[][] }> {
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
  const dnn = await run(onednn);
  await tf.setBackend('cpu');
  return { cpu: cpu.vals, dnn: dnn.vals, shapes: cpu.shapes };
}

/** Largest |a - b| relative to max(1, max |a|). */
export function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number, y = b[i] as number;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
    if (Number.isNaN(x)) continue;
    if (x === y) continue;
    m = Math.max(m, Math.abs(x - y));
    s = Math.max(s, Math.abs(x));
  }
  return m / s;
}
