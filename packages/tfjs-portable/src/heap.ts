import { util, type DataId, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The wasm backend as the kernels see it. @internal */
export type Wasm = BackendWasm;

/** A float32 view of the whole wasm heap. Take a new one after any allocation: growing the heap detaches old views. @internal */
export function heapF32(backend: Wasm): Float32Array {
  return new Float32Array((backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer);
}

/** Offset of a tensor's data in the heap, in float32 elements. @internal */
export function offsetOf(backend: Wasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset >>> 2;
}

/** A new float32 tensor on the heap (contents undefined). @internal */
export function alloc(backend: Wasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** Frees a tensor made by {@link alloc} or returned by a kernel. @internal */
export function free(backend: Wasm, t: TensorInfo): void {
  backend.disposeData(t.dataId);
}

/**
 * A tensor that aliases `shape`-many floats of existing heap data at
 * `offset` (in floats) under a fresh id; release it with {@link dropAlias},
 * never with {@link free} (that would free the owner's memory).
 * @internal
 */
export function alias(backend: Wasm, offset: number, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32', offset * 4);
}

/** Unregisters an {@link alias} without freeing the memory it points at. @internal */
export function dropAlias(backend: Wasm, t: TensorInfo): void {
  const data = backend.dataIdMap.get(t.dataId);
  backend.wasm.tfjs.disposeData(data.id);
  backend.dataIdMap.delete(t.dataId as DataId);
}

let matMulFn: KernelFunc | undefined;

/** Sets the stock wasm BatchMatMul kernel (XNNPACK) the convolutions run on. @internal */
export function setMatMul(fn: KernelFunc): void {
  matMulFn = fn;
}

/**
 * `a [1, m, k] x b [1, k, n]` on the wasm backend's BatchMatMul (XNNPACK
 * fully-connected for untransposed operands, its fast case). Returns a new
 * `[1, m, n]` tensor. XNNPACK keeps `b` packed under `b`'s id for as long as
 * that tensor lives, so `b` must be a tensor whose values never change under
 * its id (a fresh allocation or alias per call, or an immutable tfjs tensor).
 * @internal
 */
export function matMul(backend: Wasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  util.assert(matMulFn !== undefined, () => 'tfjs-portable: BatchMatMul kernel not set up');
  const out = (matMulFn as KernelFunc)({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
  return out;
}
