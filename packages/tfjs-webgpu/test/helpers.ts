import * as tf from '@tensorflow/tfjs-core';
import '@byolmed3d/test-utils';
import { registerWebGpuBackend, WebGpuUnavailableError } from '../src/index.js';
import type { WebGpuBackendInfo } from '../src/index.js';

/** The webgpu backend of this machine (llvmpipe in CI), or why there is none. */
export const gpu: { info: WebGpuBackendInfo | null; reason: string } = await (async () => {
  try {
    const info = await registerWebGpuBackend({ setBackend: false });
    return { info, reason: '' };
  } catch (e) {
    if (e instanceof WebGpuUnavailableError) return { info: null, reason: e.message };
    throw e;
  }
})();

/** Title suffix saying why a webgpu suite is skipped. */
export const skipReason = gpu.info == null ? ` (SKIPPED: no WebGPU adapter: ${gpu.reason})` : ` on ${gpu.info.adapter.name}`;

/** Deterministic values in [-1, 1) (mulberry32). */
export function randomValues(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Runs `fn` in a tidy on `backend` and reads every output asynchronously. */
export async function runOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outs);
  return values;
}

/** Max |a - b| / max(|b|, 5% of max |b|): relative error against the reference `b`. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i] as number));
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number)) / Math.max(Math.abs(b[i] as number), 0.05 * scale, 1e-30);
    m = Math.max(m, Number.isNaN(d) ? Infinity : d);
  }
  return m;
}
