import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/**
 * Zero-copy view of a float32 tensor's storage in the cpu-style backend, or
 * `undefined` when it is not a plain Float32Array (other dtypes). @internal
 */
export function f32Of(backend: MathBackendCPU, t: TensorInfo): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : undefined;
}

/**
 * A Float32Array of `n` elements that is NOT zero-filled (every native kernel
 * writes all of its output), from memory outside the Buffer pool. @internal
 */
export function allocF32(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const buf = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(buf.buffer, buf.byteOffset, n);
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
