import { WeightsError } from './errors.js';
import { writeWeightsFile } from './source.js';
import { encodeElements, numel, stateDictEntries, storedDType, type TensorDType, type TensorEntryLike } from './state-dict.js';

/** Options of {@link encodeTorchCheckpoint} / {@link writeTorchCheckpoint}. */
export interface EncodeTorchCheckpointOptions {
  /**
   * Storage type of floating-point tensors: `'float32'` (default, lossless),
   * `'float16'` or `'bfloat16'` (rounded to nearest even). Integer tensors
   * (`num_batches_tracked` as int64) keep their type.
   */
  floatDType?: 'float32' | 'float16' | 'bfloat16';
  /**
   * Name of the archive's top folder (torch uses the file's stem; any name
   * loads). Default `'archive'`.
   */
  archiveName?: string;
}

const STORAGE_OF: Record<TensorDType, string> = {
  float32: 'FloatStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  float64: 'DoubleStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

/** Grows a byte buffer as pickle opcodes are appended. */
class ByteWriter {
  private buf = new Uint8Array(1024);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  bytes(b: ArrayLike<number>): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  u8(v: number): void {
    this.bytes([v & 0xff]);
  }

  u16(v: number): void {
    this.bytes([v & 0xff, (v >>> 8) & 0xff]);
  }

  u32(v: number): void {
    this.bytes([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const enc = new TextEncoder();

/** The pickle (protocol 2) opcodes torch's loader needs, nothing memoised. */
class Pickler {
  readonly w = new ByteWriter();

  op(code: string): void {
    this.w.u8(code.charCodeAt(0));
  }

  global(module: string, name: string): void {
    this.op('c');
    this.w.bytes(enc.encode(`${module}\n${name}\n`));
  }

  str(s: string): void {
    const b = enc.encode(s);
    this.op('X');
    this.w.u32(b.length);
    this.w.bytes(b);
  }

  int(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`cannot pickle ${v}`);
    if (v < 0x100) {
      this.op('K');
      this.w.u8(v);
    } else if (v < 0x80000000) {
      this.op('J');
      this.w.u32(v);
    } else {
      // LONG1: little-endian two's complement, 8 bytes is enough for any safe integer.
      this.w.u8(0x8a);
      this.w.u8(8);
      let x = BigInt(v);
      for (let i = 0; i < 8; i++) {
        this.w.u8(Number(x & 0xffn));
        x >>= 8n;
      }
    }
  }

  intTuple(values: readonly number[]): void {
    if (values.length === 0) return this.op(')');
    this.op('(');
    for (const v of values) this.int(v);
    this.op('t');
  }
}

/** Row-major strides of a shape, as torch writes them for a contiguous tensor. */
function contiguousStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = s;
    s *= Math.max(1, shape[d] as number);
  }
  return stride;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = (CRC_TABLE[(c ^ (b[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Alignment of each record's data in torch's zip archives. */
const FIELD_ALIGNMENT = 64;
const LOCAL_HEADER = 30;
/** 1980-01-01 00:00 in MS-DOS date/time: a fixed stamp keeps the bytes deterministic. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

interface ZipRecord {
  name: Uint8Array;
  data: Uint8Array;
  crc: number;
  offset: number;
}

/**
 * A stored (uncompressed) zip archive laid out as torch's
 * `PyTorchStreamWriter` writes it: each record's data starts at a multiple of
 * 64 bytes, padded by an extra field `FB<len>ZZZ...`. No zip64 (archives
 * under 4 GiB).
 */
function storedZip(records: Array<{ name: string; data: Uint8Array }>, label: string): Uint8Array {
  const w = new ByteWriter();
  const done: ZipRecord[] = [];
  for (const r of records) {
    const name = enc.encode(r.name);
    const start = w.length + LOCAL_HEADER + name.length + 4;
    const pad = (FIELD_ALIGNMENT - (start % FIELD_ALIGNMENT)) % FIELD_ALIGNMENT;
    const crc = crc32(r.data);
    const offset = w.length;
    w.u32(0x04034b50);
    w.u16(0); // version needed (stored)
    w.u16(0); // flags
    w.u16(0); // method: stored
    w.u16(DOS_TIME);
    w.u16(DOS_DATE);
    w.u32(crc);
    w.u32(r.data.length);
    w.u32(r.data.length);
    w.u16(name.length);
    w.u16(pad + 4);
    w.bytes(name);
    w.bytes([0x46, 0x42, pad & 0xff, pad >>> 8]);
    w.bytes(new Uint8Array(pad).fill(0x5a));
    w.bytes(r.data);
    done.push({ name, data: r.data, crc, offset });
  }
  const cdStart = w.length;
  for (const r of done) {
    w.u32(0x02014b50);
    w.u16(0); // version made by
    w.u16(0);
    w.u16(0);
    w.u16(0);
    w.u16(DOS_TIME);
    w.u16(DOS_DATE);
    w.u32(r.crc);
    w.u32(r.data.length);
    w.u32(r.data.length);
    w.u16(r.name.length);
    w.u16(0); // extra
    w.u16(0); // comment
    w.u16(0); // disk
    w.u16(0); // internal attributes
    w.u32(0); // external attributes
    w.u32(r.offset);
    w.bytes(r.name);
  }
  const cdSize = w.length - cdStart;
  if (w.length > 0xffffffff || done.length > 0xffff) throw new WeightsError(label, 'pth', 'archive over 4 GiB or 65535 tensors (zip64 is not written)');
  w.u32(0x06054b50);
  w.u16(0);
  w.u16(0);
  w.u16(done.length);
  w.u16(done.length);
  w.u32(cdSize);
  w.u32(cdStart);
  w.u16(0);
  return w.result();
}

/**
 * Encodes a state dict as the bytes of a PyTorch checkpoint in torch's zip
 * format (what `torch.save(state_dict, f)` writes since torch 1.6), loadable
 * by `torch.load` and then `model.load_state_dict`. The archive holds
 * `archive/data.pkl` (a protocol-2 pickle of an `OrderedDict` of
 * `torch._utils._rebuild_tensor_v2` calls, one storage per tensor),
 * `archive/data/<i>` (each tensor's little-endian bytes, 64-byte aligned,
 * not compressed) and `archive/version`. Entries keep their order;
 * `BigInt64Array` data (batch-norm `num_batches_tracked`) is written as int64.
 * The same input always gives the same bytes (fixed zip timestamps).
 * @param entries state-dict entries in PyTorch layout (e.g. a {@link StateDict})
 * @param label names the output in errors
 */
export function encodeTorchCheckpoint(
  entries: Record<string, TensorEntryLike> | Map<string, TensorEntryLike>,
  options: EncodeTorchCheckpointOptions = {},
  label = '<state dict>',
): Uint8Array {
  const floatDType = options.floatDType ?? 'float32';
  const archive = options.archiveName ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(archive)) throw new WeightsError(label, 'pth', `archiveName must be a plain file name, got '${archive}'`);
  const p = new Pickler();
  p.w.bytes([0x80, 2]); // PROTO 2
  p.global('collections', 'OrderedDict');
  p.op(')');
  p.op('R');
  const storages: Array<{ name: string; data: Uint8Array }> = [];
  const list = stateDictEntries(entries);
  if (list.length > 0) p.op('(');
  list.forEach(([name, e], i) => {
    const n = numel(e.shape);
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new WeightsError(label, 'pth', `tensor ${name}: bad shape [${e.shape.join(', ')}]`);
    if (e.data.length !== n) throw new WeightsError(label, 'pth', `tensor ${name}: ${e.data.length} elements for shape [${e.shape.join(', ')}]`);
    const dtype = storedDType(e, floatDType);
    const key = String(i);
    p.str(name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op('(');
    // persistent id: ('storage', torch.<Type>Storage, key, 'cpu', numel)
    p.op('(');
    p.str('storage');
    p.global('torch', STORAGE_OF[dtype]);
    p.str(key);
    p.str('cpu');
    p.int(n);
    p.op('t');
    p.op('Q'); // BINPERSID
    p.int(0); // storage offset
    p.intTuple(e.shape);
    p.intTuple(contiguousStrides(e.shape));
    p.op('\x89'); // requires_grad False
    p.global('collections', 'OrderedDict'); // backward hooks: an empty OrderedDict, as torch writes
    p.op(')');
    p.op('R');
    p.op('t');
    p.op('R');
    storages.push({ name: `${archive}/data/${key}`, data: encodeElements(e, dtype) });
  });
  if (list.length > 0) p.op('u'); // SETITEMS
  p.op('.');
  return storedZip([{ name: `${archive}/data.pkl`, data: p.w.result() }, ...storages, { name: `${archive}/version`, data: enc.encode('3\n') }], label);
}

/**
 * Writes a state dict as a PyTorch checkpoint at `path` (Node); see
 * {@link encodeTorchCheckpoint}. The write is atomic: a temp file beside
 * `path`, fsync, rename over `path`, fsync of the folder (`writeFileAtomic`
 * of `@byolmed3d/util/node`, imported lazily, so the package's main entry
 * stays browser-safe). A crash or a full disk leaves the old file or the new
 * one, never a torn one; on failure the temp file is removed and an existing
 * file at `path` is left byte for byte as it was. The parent folder must exist.
 *
 * @throws {@link WeightsError} (format `'pth'`) naming `path`: for an entry
 * that cannot be encoded, before anything is written; or when the file
 * cannot be written (a full disk, a missing folder, `path` a folder, ...),
 * with the underlying `UtilError` of `@byolmed3d/util` (its `code` the system
 * code, e.g. `'ENOSPC'`) as `cause`
 */
export async function writeTorchCheckpoint(
  path: string,
  entries: Record<string, TensorEntryLike> | Map<string, TensorEntryLike>,
  options: EncodeTorchCheckpointOptions = {},
): Promise<void> {
  await writeWeightsFile(path, 'pth', encodeTorchCheckpoint(entries, options, path));
}
