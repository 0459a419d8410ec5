import type { VideoDType, VideoTypedArray } from './types.js';
import { HOST_LITTLE_ENDIAN, swapBytes } from './bytes.js';

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Record<VideoDType, number> = {
  bool: 1,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
  int64: 8,
  uint64: 8,
};

/** Makes a typed array of `dtype` over `buf` (whose length must be a multiple of the element size). */
export function typedView(dtype: VideoDType, buf: ArrayBuffer, byteOffset: number, length: number): VideoTypedArray {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(buf, byteOffset, length);
    case 'int8':
      return new Int8Array(buf, byteOffset, length);
    case 'uint16':
      return new Uint16Array(buf, byteOffset, length);
    case 'int16':
      return new Int16Array(buf, byteOffset, length);
    case 'uint32':
      return new Uint32Array(buf, byteOffset, length);
    case 'int32':
      return new Int32Array(buf, byteOffset, length);
    case 'float32':
      return new Float32Array(buf, byteOffset, length);
    case 'float64':
      return new Float64Array(buf, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buf, byteOffset, length);
    case 'uint64':
      return new BigUint64Array(buf, byteOffset, length);
  }
}

/** A zero-filled typed array of `dtype` with `length` elements. */
export function allocTyped(dtype: VideoDType, length: number): VideoTypedArray {
  return typedView(dtype, new ArrayBuffer(length * DTYPE_SIZE[dtype]), 0, length);
}

/**
 * Turns raw element bytes into a typed array of `dtype` in host byte order.
 * Shares memory with `bytes` when it is aligned and already in host order
 * (and `copy` is false); otherwise copies.
 */
export function bytesToTyped(bytes: Uint8Array, dtype: VideoDType, littleEndian: boolean, copy = false): VideoTypedArray {
  const size = DTYPE_SIZE[dtype];
  const n = Math.floor(bytes.length / size);
  const swap = size > 1 && littleEndian !== HOST_LITTLE_ENDIAN;
  if (!copy && !swap && bytes.byteOffset % size === 0) {
    return typedView(dtype, bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
  }
  const out = new Uint8Array(n * size);
  out.set(bytes.subarray(0, n * size));
  if (swap) swapBytes(out, size);
  return typedView(dtype, out.buffer, 0, n);
}

/** Converts IEEE half floats (raw uint16 bits) to float32. */
export function halfToFloat32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const x = h[i] as number;
    const s = x & 0x8000 ? -1 : 1;
    const e = (x >> 10) & 0x1f;
    const m = x & 0x3ff;
    if (e === 0) out[i] = s * m * 2 ** -24;
    else if (e === 31) out[i] = m ? NaN : s * Infinity;
    else out[i] = s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

/**
 * Permutes an N-d array stored in `src` with `shape` so that axis `perm[k]`
 * of the source becomes axis `k` of the result (C order in and out).
 */
export function transpose<T extends VideoTypedArray>(src: T, shape: readonly number[], perm: readonly number[]): T {
  const n = shape.length;
  const outShape = perm.map((p) => shape[p] as number);
  const srcStrides = new Array<number>(n);
  let st = 1;
  for (let k = n - 1; k >= 0; k--) {
    srcStrides[k] = st;
    st *= shape[k] as number;
  }
  const strides = perm.map((p) => srcStrides[p] as number);
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const total = src.length;
  if (total === 0) return out;
  // Iterate the output in C order, with the innermost axis unrolled.
  const idx = new Array<number>(n).fill(0);
  const inner = outShape[n - 1] as number;
  const innerStride = strides[n - 1] as number;
  let o = 0;
  let base = 0;
  const a = src as unknown as { [i: number]: number | bigint };
  const b = out as unknown as { [i: number]: number | bigint };
  while (o < total) {
    for (let i = 0, s = base; i < inner; i++, s += innerStride) b[o++] = a[s] as number;
    // advance idx[0..n-2]
    let k = n - 2;
    while (k >= 0) {
      idx[k] = (idx[k] as number) + 1;
      base += strides[k] as number;
      if ((idx[k] as number) < (outShape[k] as number)) break;
      base -= (strides[k] as number) * (outShape[k] as number);
      idx[k] = 0;
      k--;
    }
    if (k < 0) break;
  }
  return out;
}

/** Product of a shape's dimensions. */
export function prod(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}
