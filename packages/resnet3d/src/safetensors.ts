import { WeightsError } from './errors.js';
import { copyRange, readSource, writeWeightsFile } from './source.js';
import { bfloat16ToFloat, DTYPE_BYTES, encodeElements, halfToFloat, numel, stateDictEntries, storedDType, type EntryData, type StateDict, type TensorDType, type TensorEntryLike } from './state-dict.js';

const ST_TO_DTYPE: Record<string, TensorDType> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};
const DTYPE_TO_ST: Record<TensorDType, string> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

/** A decoded safetensors file. */
export interface SafetensorsFile {
  /** The tensors, in file order. */
  entries: StateDict;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

/** Options of {@link encodeSafetensors} / {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** Free-form string metadata stored under `__metadata__`. Default none. */
  metadata?: Record<string, string>;
  /**
   * Storage type of floating-point tensors: `'float32'` (default, lossless),
   * `'float16'` or `'bfloat16'` (half the size, rounded to nearest even).
   */
  floatDType?: 'float32' | 'float16' | 'bfloat16';
}

/**
 * Parses the bytes of a safetensors file (8-byte little-endian header length,
 * JSON header, raw little-endian data). Floating tensors become `Float32Array`s.
 * @param label names the input in errors
 */
export function decodeSafetensors(bytes: Uint8Array, label = '<bytes>'): SafetensorsFile {
  const fail = (reason: string): never => {
    throw new WeightsError(label, 'safetensors', reason);
  };
  if (bytes.length < 8) fail('file shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) fail(`header length ${headerLen} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (e) {
    throw new WeightsError(label, 'safetensors', `header is not JSON: ${(e as Error).message}`, { cause: e });
  }
  const base = 8 + headerLen;
  const entries: StateDict = {};
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = { ...(info as Record<string, string>) };
      continue;
    }
    const { dtype: st, shape, data_offsets: offsets } = info as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const dtype = st !== undefined ? ST_TO_DTYPE[st] : undefined;
    if (!dtype) fail(`tensor ${name}: unsupported dtype ${String(st)}`);
    if (!Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) fail(`tensor ${name}: malformed header entry`);
    const dt = dtype as TensorDType;
    const [begin, end] = offsets as [number, number];
    const n = numel(shape as number[]);
    if (end - begin !== n * DTYPE_BYTES[dt]) fail(`tensor ${name}: ${end - begin} bytes for shape [${(shape as number[]).join(', ')}] of ${dt}`);
    if (base + end > bytes.length || begin < 0) fail(`tensor ${name}: data outside the file`);
    const raw = new Uint8Array(copyRange(bytes, base + begin, base + end));
    const dv = new DataView(raw.buffer);
    let data: EntryData;
    switch (dt) {
      case 'float32':
        data = new Float32Array(raw.buffer);
        break;
      case 'float64':
        data = Float32Array.from(new Float64Array(raw.buffer));
        break;
      case 'float16':
      case 'bfloat16': {
        const f = dt === 'float16' ? halfToFloat : bfloat16ToFloat;
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = f(dv.getUint16(2 * i, true));
        break;
      }
      case 'int64':
        data = new BigInt64Array(raw.buffer);
        break;
      case 'int32':
        data = new Int32Array(raw.buffer);
        break;
      case 'int16':
        data = Int32Array.from(new Int16Array(raw.buffer));
        break;
      case 'int8':
        data = Int32Array.from(new Int8Array(raw.buffer));
        break;
      default:
        data = raw;
    }
    entries[name] = { shape: (shape as number[]).slice(), dtype: dt, data };
  }
  return { entries, metadata };
}

/** Reads a safetensors file (a path, or its bytes) into a state dict. */
export async function readSafetensors(source: string | Uint8Array | ArrayBuffer): Promise<StateDict> {
  const { bytes, label } = await readSource(source);
  return decodeSafetensors(bytes, label).entries;
}

/**
 * Encodes state-dict entries as safetensors bytes, in the given order.
 * float32 entries are written bit-exactly unless `floatDType` asks for less.
 */
export function encodeSafetensors(entries: Record<string, TensorEntryLike> | Map<string, TensorEntryLike>, options: WriteSafetensorsOptions = {}): Uint8Array {
  const floatDType = options.floatDType ?? 'float32';
  const list = stateDictEntries(entries);
  const header: Record<string, unknown> = {};
  if (options.metadata && Object.keys(options.metadata).length) header.__metadata__ = options.metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, e] of list) {
    const dtype = storedDType(e, floatDType);
    if (e.data.length !== numel(e.shape)) throw new WeightsError(name, 'safetensors', `${e.data.length} elements for shape [${e.shape.join(', ')}]`);
    const buf = encodeElements(e, dtype);
    const size = buf.length;
    header[name] = { dtype: DTYPE_TO_ST[dtype], shape: [...e.shape], data_offsets: [offset, offset + size] };
    chunks.push(buf);
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/**
 * Writes state-dict entries to a safetensors file at `path` (Node); see
 * {@link encodeSafetensors}. The write is atomic: a temp file beside `path`,
 * fsync, rename over `path`, fsync of the folder (`writeFileAtomic` of
 * `@byolmed3d/util/node`, imported lazily, so the package's main entry stays
 * browser-safe). A crash or a full disk leaves the old file or the new one,
 * never a torn one; on failure the temp file is removed and an existing file
 * at `path` is left byte for byte as it was. The parent folder must exist.
 *
 * @throws {@link WeightsError} (format `'safetensors'`) for an entry that
 * cannot be encoded, before anything is written; or naming `path` when the
 * file cannot be written (a full disk, a missing folder, `path` a folder,
 * ...), with the underlying `UtilError` of `@byolmed3d/util` (its `code` the
 * system code, e.g. `'ENOSPC'`) as `cause`
 */
export async function writeSafetensors(path: string, entries: Record<string, TensorEntryLike> | Map<string, TensorEntryLike>, options: WriteSafetensorsOptions = {}): Promise<void> {
  await writeWeightsFile(path, 'safetensors', encodeSafetensors(entries, options));
}
