import type { BackendValues } from '@tensorflow/tfjs-core';

/**
 * Recycles the Float32Arrays of the native kernels' outputs.
 *
 * Why: every fresh ArrayBuffer counts as V8 external memory, and a training
 * step of r3d_18 allocates gigabytes of them, so V8 ran a full mark-compact
 * about every 60 MB (some 50 per BYOL step, each stealing a core from the
 * OpenMP threads), and fresh pages cost a page fault each (2.5 us per 4 KiB
 * on this VM). Reusing an array whose tensor was disposed avoids both.
 *
 * Safety: an array goes back to the pool only when the backend deletes its
 * data (refcount zero) and nothing else can see it. It is pinned (left to
 * the garbage collector, never reused) when
 * - it is read out (`dataSync`, `data`, `readSync` of a kernel): the caller
 *   may keep the array after the tensor is disposed;
 * - another view on its memory becomes tensor data (a `subarray` slice);
 * - the same array becomes the data of a second tensor.
 * Idle arrays are capped in bytes; beyond the cap they are dropped.
 * @internal
 */
export class BufferPool {
  /** Arrays below this many elements are not pooled (cheap to allocate). */
  static readonly minElements = 16384;
  private readonly owned = new WeakSet<Float32Array>();
  private readonly ownedBuffers = new WeakSet<ArrayBufferLike>();
  private readonly inUse = new WeakSet<Float32Array>();
  private readonly pinned = new WeakSet<ArrayBufferLike>();
  private readonly free = new Map<number, Float32Array[]>();
  private idle = 0;

  /** @param maxIdleBytes - bytes of idle arrays kept for reuse */
  constructor(public maxIdleBytes: number) {}

  /** Bytes held by idle arrays. */
  get idleBytes(): number {
    return this.idle;
  }

  /** An array of `n` floats, not zero-filled (reused or new). */
  alloc(n: number): Float32Array {
    if (n < BufferPool.minElements) return fresh(n);
    const list = this.free.get(n);
    const reused = list?.pop();
    if (reused) {
      this.idle -= reused.byteLength;
      return reused;
    }
    const a = fresh(n);
    this.owned.add(a);
    this.ownedBuffers.add(a.buffer);
    return a;
  }

  /** Called when `values` becomes the data of a tensor. */
  noteWrite(values: BackendValues | null | undefined): void {
    if (!(values instanceof Float32Array) || !this.ownedBuffers.has(values.buffer)) return;
    if (!this.owned.has(values) || this.inUse.has(values)) this.pinned.add(values.buffer);
    else this.inUse.add(values);
  }

  /** Called when `values` is handed out of the backend. */
  noteRead(values: BackendValues | null | undefined): void {
    if (values instanceof Float32Array && this.ownedBuffers.has(values.buffer)) this.pinned.add(values.buffer);
  }

  /** Called when the data holding `values` was deleted. */
  release(values: BackendValues | null | undefined): void {
    if (!(values instanceof Float32Array) || !this.owned.has(values) || !this.inUse.has(values)) return;
    this.inUse.delete(values);
    if (this.pinned.has(values.buffer) || this.idle + values.byteLength > this.maxIdleBytes) return;
    const list = this.free.get(values.length);
    if (list) list.push(values);
    else this.free.set(values.length, [values]);
    this.idle += values.byteLength;
  }

  /** Drops every idle array (the garbage collector frees them). */
  clear(): void {
    this.free.clear();
    this.idle = 0;
  }
}

function fresh(n: number): Float32Array {
  if (n === 0) return new Float32Array(0);
  const buf = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(buf.buffer, buf.byteOffset, n);
}
