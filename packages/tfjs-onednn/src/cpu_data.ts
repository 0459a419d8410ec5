import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BufferPool } from './buffer_pool.js';

/**
 * Zero-copy view of a float32 tensor's storage in the cpu-style backend, or
 * `undefined` when it is not a plain Float32Array (other dtypes). @internal
 */
export function f32Of(backend: MathBackendCPU, t: TensorInfo): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : undefined;
}

/** The process-wide pool of kernel output arrays (cap set by `registerOneDnnBackend`). @internal */
export const outputPool = new BufferPool(1 << 30);

/**
 * A Float32Array of `n` elements that is NOT zero-filled (every native kernel
 * writes all of its output): a recycled one from {@link outputPool} or new
 * memory outside the Buffer pool. @internal
 */
export function allocF32(n: number): Float32Array {
  return outputPool.alloc(n);
}

/** Wraps freshly computed values as a tensor of the backend. @internal */
export function output(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

/** Product of the entries. @internal */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
