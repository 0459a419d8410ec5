import { VideoReadError } from './errors.js';
import { ascii, inflateHead, inflateRawBounded, startsWith } from './bytes.js';
import { zipEntries, zipMemberData } from './zip.js';
import { DTYPE_SIZE, bytesToTyped, halfToFloat32, prod, transpose } from './dtype.js';
import type { MedicalVideo, VideoDType, VideoTypedArray } from './types.js';

/** `\x93NUMPY`, the magic of .npy files. */
export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const DESCR: Record<string, VideoDType | 'float16'> = {
  b1: 'bool',
  u1: 'uint8',
  i1: 'int8',
  u2: 'uint16',
  i2: 'int16',
  u4: 'uint32',
  i4: 'int32',
  u8: 'uint64',
  i8: 'int64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
};

/** The parsed header of a .npy file. */
export interface NpyHeader {
  /** NumPy type string, e.g. `<i2`. */
  descr: string;
  /** True when the data is in Fortran (column-major) order. */
  fortranOrder: boolean;
  /** Array shape. */
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
  /** Format version `[major, minor]`. */
  version: [number, number];
}

/** Parses the header of a .npy file; throws {@link VideoReadError} when malformed. */
export function parseNpyHeader(b: Uint8Array, file: string): NpyHeader {
  if (!startsWith(b, NPY_MAGIC)) throw new VideoReadError(file, 'npy', 'missing \\x93NUMPY magic');
  if (b.length < 10) throw new VideoReadError(file, 'npy', `truncated: ${b.length} bytes, header needs at least 10`);
  const major = b[6] as number;
  const minor = b[7] as number;
  let hlen: number;
  let hstart: number;
  if (major === 1) {
    hlen = (b[8] as number) | ((b[9] as number) << 8);
    hstart = 10;
  } else if (major === 2 || major === 3) {
    if (b.length < 12) throw new VideoReadError(file, 'npy', 'truncated header');
    hlen = ((b[8] as number) | ((b[9] as number) << 8) | ((b[10] as number) << 16)) + (b[11] as number) * 2 ** 24;
    hstart = 12;
  } else {
    throw new VideoReadError(file, 'npy', `unsupported format version ${major}.${minor}`);
  }
  if (hstart + hlen > b.length) throw new VideoReadError(file, 'npy', `truncated: header says ${hlen} header bytes, file has ${b.length - hstart}`);
  const text = ascii(b, hstart, Math.min(hlen, 65536));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new VideoReadError(file, 'npy', 'malformed header dict: no descr, fortran_order and shape entries');
  }
  const shape: number[] = [];
  for (const part of shapeText.split(',')) {
    const t = part.trim().replace(/L$/, '');
    if (t === '') continue;
    if (!/^\d+$/.test(t)) throw new VideoReadError(file, 'npy', `bad shape entry ${shape.length} (not a non-negative integer)`);
    shape.push(Number(t));
  }
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: hstart + hlen, version: [major, minor] };
}

/**
 * The total size (header + data) a .npy header declares, from the first
 * bytes of the file, or `undefined` when `head` is shorter than the header.
 * Used to refuse and to bound inflation before anything large is allocated.
 * @internal
 */
export function npyDeclaredBytes(head: Uint8Array, file: string, format: 'npy' | 'npz' = 'npy'): number | undefined {
  if (head.length < 12) return undefined;
  const hlen = head[6] === 1 ? (head[8] as number) | ((head[9] as number) << 8) : ((head[8] as number) | ((head[9] as number) << 8) | ((head[10] as number) << 16)) + (head[11] as number) * 2 ** 24;
  if ((head[6] === 1 ? 10 : 12) + hlen > head.length) return undefined;
  const h = parseNpyHeader(head, file);
  const kind = DESCR[/^([<>|=])?([a-zA-Z]\d+)$/.exec(h.descr)?.[2] ?? ''];
  if (kind === undefined) throw new VideoReadError(file, format, `unsupported dtype ${/^[<>|=]?[a-zA-Z]\d{1,2}$/.test(h.descr) ? h.descr : '(not a NumPy type code)'}`);
  return h.dataOffset + prod(h.shape) * (kind === 'float16' ? 2 : DTYPE_SIZE[kind]);
}

/** Maps an N-d NumPy shape to `[T, H, W, C]`. */
export function toTHWC(shape: readonly number[], file: string, format: 'npy' | 'npz'): [number, number, number, number] {
  const s = shape;
  switch (s.length) {
    case 2:
      return [1, s[0] as number, s[1] as number, 1];
    case 3:
      return [s[0] as number, s[1] as number, s[2] as number, 1];
    case 4:
      return [s[0] as number, s[1] as number, s[2] as number, s[3] as number];
    default:
      throw new VideoReadError(file, format, `expected a 2D, 3D or 4D array, got shape (${shape.join(', ')})`);
  }
}

/**
 * Decodes a .npy file held in memory. 2D arrays become one frame, 3D arrays
 * `(slices, H, W)` become `[slices, H, W, 1]` (the MRNet layout), 4D arrays
 * are taken as `[T, H, W, C]`. Big-endian data is swapped to host order,
 * Fortran-ordered data is transposed to C order, float16 becomes float32.
 */
export function decodeNpy(b: Uint8Array, file: string, maxBytes: number, format: 'npy' | 'npz' = 'npy'): MedicalVideo {
  const h = parseNpyHeader(b, file);
  const m = /^([<>|=])?([a-zA-Z]\d+)$/.exec(h.descr);
  const kind = m ? DESCR[m[2] as string] : undefined;
  if (!m || kind === undefined) throw new VideoReadError(file, format, `unsupported dtype ${/^[<>|=]?[a-zA-Z]\d{1,2}$/.test(h.descr) ? h.descr : '(not a NumPy type code)'}`);
  const little = m[1] !== '>';
  const shape = toTHWC(h.shape, file, format);
  const count = prod(h.shape);
  const itemSize = kind === 'float16' ? 2 : DTYPE_SIZE[kind];
  const need = count * itemSize;
  if (need > maxBytes) throw new VideoReadError(file, format, `array of ${need} bytes exceeds maxBytes=${maxBytes}`);
  const avail = b.length - h.dataOffset;
  if (need > avail) throw new VideoReadError(file, format, `truncated: header shape (${h.shape.join(', ')}) needs ${need} data bytes, file has ${avail}`);
  const raw = b.subarray(h.dataOffset, h.dataOffset + need);
  let data: VideoTypedArray;
  let dtype: VideoDType;
  if (kind === 'float16') {
    data = halfToFloat32(bytesToTyped(raw, 'uint16', little) as Uint16Array);
    dtype = 'float32';
  } else {
    data = bytesToTyped(raw, kind, little);
    dtype = kind;
  }
  if (h.fortranOrder && h.shape.length > 1) {
    const rev = [...h.shape].reverse();
    data = transpose(data, rev, rev.map((_, i) => rev.length - 1 - i));
  }
  return {
    data,
    shape,
    dtype,
    format,
    meta: { source: file, descr: h.descr, fortranOrder: h.fortranOrder, npyShape: h.shape, npyVersion: h.version.join('.') },
  };
}

/** Bytes inflated first from an .npz member to read its .npy header. */
const NPY_HEAD_BYTES = 1 << 16;

/**
 * Decodes one array of an .npz archive (stored or deflated members).
 * `arrayName` picks the member (with or without `.npy`); default the first.
 * Sizes are checked before inflating: the member size the archive declares
 * and then the size its .npy header declares must fit `maxBytes`, and
 * inflation stops at the header's size (a lying archive cannot make it
 * inflate more).
 */
export function decodeNpz(b: Uint8Array, file: string, maxBytes: number, arrayName?: string): MedicalVideo {
  const wanted = arrayName === undefined ? undefined : arrayName.endsWith('.npy') ? arrayName : `${arrayName}.npy`;
  const entries = zipEntries(b, file).filter((e) => e.name.endsWith('.npy'));
  const entry = wanted === undefined ? entries[0] : entries.find((e) => e.name === wanted);
  if (!entry) {
    throw new VideoReadError(file, 'npz', wanted === undefined ? 'archive holds no .npy member' : `archive has no member ${wanted}`);
  }
  const label = `${file}:${entry.name}`;
  if (entry.size > maxBytes) throw new VideoReadError(label, 'npz', `member declares ${entry.size} bytes, more than maxBytes=${maxBytes}; not inflated`);
  const raw = zipMemberData(b, entry, file);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else {
    const declared = npyDeclaredBytes(inflateHead(raw, NPY_HEAD_BYTES, 'raw'), label, 'npz');
    if (declared !== undefined && declared > maxBytes) {
      throw new VideoReadError(label, 'npz', `its .npy header declares ${declared} bytes, more than maxBytes=${maxBytes}; not inflated`);
    }
    data = declared !== undefined ? inflateHead(raw, declared, 'raw').subarray(0, declared) : inflateRawBounded(raw, maxBytes, label, 'npz');
  }
  const v = decodeNpy(data, label, maxBytes, 'npz');
  v.meta.source = file;
  v.meta.arrayName = entry.name.replace(/\.npy$/, '');
  return v;
}

/** Lists the array names in an .npz archive without inflating them. */
export function listNpz(b: Uint8Array, file: string): string[] {
  return zipEntries(b, file)
    .filter((e) => e.name.endsWith('.npy'))
    .map((e) => e.name.replace(/\.npy$/, ''));
}

/**
 * Encodes a typed array as a version-1.0 .npy file (C order, little endian).
 * `shape` defaults to the video's `[T, H, W, C]`.
 */
export function encodeNpy(video: Pick<MedicalVideo, 'data' | 'shape' | 'dtype'>, shape: readonly number[] = video.shape): Uint8Array {
  const code: Record<VideoDType, string> = {
    bool: '|b1',
    uint8: '|u1',
    int8: '|i1',
    uint16: '<u2',
    int16: '<i2',
    uint32: '<u4',
    int32: '<i4',
    float32: '<f4',
    float64: '<f8',
    int64: '<i8',
    uint64: '<u8',
  };
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${code[video.dtype]}', 'fortran_order': False, 'shape': ${shp}, }`;
  const total = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const body = new Uint8Array(video.data.buffer, video.data.byteOffset, video.data.byteLength);
  const out = new Uint8Array(10 + dict.length + body.length);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = dict.length & 0xff;
  out[9] = dict.length >> 8;
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  out.set(body, 10 + dict.length);
  return out;
}
