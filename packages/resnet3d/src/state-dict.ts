/**
 * Element types of tensors in a state dict. Floating-point entries are always
 * held as `Float32Array` in memory; `dtype` records how they were stored.
 */
export type TensorDType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** In-memory element storage of a {@link TensorEntry}. */
export type EntryData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

/**
 * One tensor of a state dict, in PyTorch's layout (row-major, convolutions
 * `[out, in, kT, kH, kW]`, linear layers `[out, in]`).
 */
export interface TensorEntry {
  /** PyTorch shape; `[]` for a scalar. */
  shape: number[];
  /** Element type the tensor had in its file (or in the model). */
  dtype: TensorDType;
  /**
   * Elements, row-major: `Float32Array` for all floating dtypes, `BigInt64Array`
   * for int64, `Int32Array` for int32/int16/int8, `Uint8Array` for uint8/bool.
   */
  data: EntryData;
}

/** What {@link VideoResNet.loadStateDict} accepts per name: `dtype` is optional. */
export interface TensorEntryLike {
  /** PyTorch shape. */
  shape: readonly number[];
  /** Elements, row-major, PyTorch layout. */
  data: ArrayLike<number> | BigInt64Array;
  /** Optional element type (informational). */
  dtype?: TensorDType;
}

/**
 * A state dict: torchvision `state_dict` names (such as
 * `layer1.0.conv1.0.weight`) mapped to tensors, in insertion order.
 */
export type StateDict = Record<string, TensorEntry>;

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Whether a dtype is a floating-point type. */
export function isFloatDType(dtype: TensorDType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
}

/** Copies any numeric entry data into a new `Float32Array`. */
export function toFloat32(data: ArrayLike<number> | BigInt64Array): Float32Array {
  if (data instanceof BigInt64Array) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    return out;
  }
  return Float32Array.from(data);
}

/** Entries of a state dict given as a plain object or a `Map`, in order. */
export function stateDictEntries<T>(entries: Record<string, T> | Map<string, T>): [string, T][] {
  return entries instanceof Map ? [...entries.entries()] : Object.entries(entries);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decodes one IEEE half-precision value (given as its 16 bits). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Encodes a number as IEEE half precision (round to nearest even), returning its 16 bits. */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** Decodes one bfloat16 value (given as its 16 bits). */
export function bfloat16ToFloat(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0] as number;
}

/** Encodes a number as bfloat16 (round to nearest even), returning its 16 bits. */
export function floatToBfloat16(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** Bytes per element of each {@link TensorDType} (internal). */
export const DTYPE_BYTES: Record<TensorDType, number> = { float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

/**
 * The dtype an entry is written as (internal, shared by the safetensors and
 * torch writers): integer and bool data keep their type, floating data is
 * written as `floatDType`.
 */
export function storedDType(e: TensorEntryLike, floatDType: 'float32' | 'float16' | 'bfloat16'): TensorDType {
  if (e.data instanceof BigInt64Array) return 'int64';
  if (e.data instanceof Int32Array) return e.dtype === 'int16' || e.dtype === 'int8' ? e.dtype : 'int32';
  if (e.data instanceof Uint8Array) return e.dtype === 'bool' ? 'bool' : 'uint8';
  if (e.dtype !== undefined && !isFloatDType(e.dtype)) return e.dtype;
  return floatDType;
}

/** The raw little-endian bytes of an entry's elements stored as `dtype` (internal). */
export function encodeElements(e: TensorEntryLike, dtype: TensorDType): Uint8Array {
  const n = e.data.length;
  const src = e.data;
  if (dtype === 'float32' && !(src instanceof BigInt64Array)) return new Uint8Array(Float32Array.from(src as ArrayLike<number>).buffer);
  const buf = new Uint8Array(n * DTYPE_BYTES[dtype]);
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < n; i++) {
    const v = src[i] as number | bigint;
    switch (dtype) {
      case 'float32':
        dv.setFloat32(4 * i, Number(v), true);
        break;
      case 'float16':
        dv.setUint16(2 * i, floatToHalf(Number(v)), true);
        break;
      case 'bfloat16':
        dv.setUint16(2 * i, floatToBfloat16(Number(v)), true);
        break;
      case 'float64':
        dv.setFloat64(8 * i, Number(v), true);
        break;
      case 'int64':
        dv.setBigInt64(8 * i, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)), true);
        break;
      case 'int32':
        dv.setInt32(4 * i, Number(v), true);
        break;
      case 'int16':
        dv.setInt16(2 * i, Number(v), true);
        break;
      case 'int8':
        dv.setInt8(i, Number(v));
        break;
      default:
        dv.setUint8(i, Number(v));
    }
  }
  return buf;
}
