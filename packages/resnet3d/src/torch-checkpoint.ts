import { unzipSync } from 'fflate';
import { WeightsError } from './errors.js';
import { isTensorRef, PyObject, unpickle, unpickleAt, type TensorRef } from './pickle.js';
import { copyRange, readSource } from './source.js';
import { bfloat16ToFloat, halfToFloat, numel, type EntryData, type StateDict, type TensorDType } from './state-dict.js';

const STORAGE_TYPES: Record<string, { dtype: TensorDType; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

/** Options of {@link readTorchCheckpoint}. */
export interface ReadTorchCheckpointOptions {
  /**
   * Path of keys to the state dict inside the checkpoint, e.g. `'state_dict'`
   * or `['model', 'encoder']`. Default: the top level if it holds tensors,
   * else the first of `state_dict`, `model_state_dict`, `model`, `module`,
   * `net` (searched recursively) that does.
   */
  key?: string | string[];
}

const NESTED_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net'];

function hasTensors(m: Map<unknown, unknown>): boolean {
  for (const v of m.values()) if (isTensorRef(v)) return true;
  return false;
}

function asDict(v: unknown): Map<unknown, unknown> | null {
  if (v instanceof Map) return v;
  if (v instanceof PyObject && v.state instanceof Map) return v.state as Map<unknown, unknown>;
  return null;
}

function findStateDict(root: unknown, depth = 0): Map<unknown, unknown> | null {
  const d = asDict(root);
  if (!d) return null;
  if (hasTensors(d)) return d;
  if (depth > 4) return null;
  for (const k of NESTED_KEYS) {
    if (d.has(k)) {
      const found = findStateDict(d.get(k), depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function decode(ref: TensorRef, bytes: Uint8Array, dtype: TensorDType, size: number, file: string, name: string): EntryData {
  const n = numel(ref.shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Element indices in the storage, following the strides (row-major order).
  const rank = ref.shape.length;
  let contiguous = true;
  for (let d = rank - 1, expect = 1; d >= 0; d--) {
    const s = ref.shape[d] as number;
    if (s !== 1 && ref.stride[d] !== expect) contiguous = false;
    expect *= s;
  }
  const index = (i: number): number => {
    if (contiguous) return ref.offset + i;
    let rem = i;
    let off = ref.offset;
    for (let d = rank - 1; d >= 0; d--) {
      const s = ref.shape[d] as number;
      off += (rem % s) * (ref.stride[d] as number);
      rem = Math.floor(rem / s);
    }
    return off;
  };
  if (n > 0 && (index(n - 1) + 1) * size > bytes.length && contiguous)
    throw new WeightsError(file, 'pth', `tensor ${name}: storage ${ref.storage.key} has ${bytes.length} bytes, needs ${(index(n - 1) + 1) * size}`);
  const check = (j: number): number => {
    if ((j + 1) * size > bytes.length || j < 0) throw new WeightsError(file, 'pth', `tensor ${name}: element ${j} outside storage ${ref.storage.key}`);
    return j * size;
  };
  if (contiguous && dtype === 'float32' && n > 0) {
    const start = ref.offset * 4;
    return new Float32Array(copyRange(bytes, start, start + n * 4));
  }
  switch (dtype) {
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(check(index(i)), true);
      return out;
    }
    case 'float64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(check(index(i)), true);
      return out;
    }
    case 'float16':
    case 'bfloat16': {
      const out = new Float32Array(n);
      const f = dtype === 'float16' ? halfToFloat : bfloat16ToFloat;
      for (let i = 0; i < n; i++) out[i] = f(view.getUint16(check(index(i)), true));
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getBigInt64(check(index(i)), true);
      return out;
    }
    case 'int32':
    case 'int16':
    case 'int8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const o = check(index(i));
        out[i] = dtype === 'int32' ? view.getInt32(o, true) : dtype === 'int16' ? view.getInt16(o, true) : view.getInt8(o);
      }
      return out;
    }
    default: {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint8(check(index(i)));
      return out;
    }
  }
}

interface OpenedCheckpoint {
  root: unknown;
  storage: (key: string) => Uint8Array | undefined;
}

/** The zip format of torch >= 1.6: `<archive>/data.pkl` plus one file per storage. */
function openZip(bytes: Uint8Array, label: string): OpenedCheckpoint {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new WeightsError(label, 'pth', `cannot unzip: ${(e as Error).message}`, { cause: e });
  }
  const pklName = Object.keys(files)
    .filter((f) => f === 'data.pkl' || f.endsWith('/data.pkl'))
    .sort((a, b) => a.length - b.length)[0];
  if (!pklName) throw new WeightsError(label, 'pth', 'no data.pkl in the archive');
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const order = files[`${prefix}byteorder`];
  if (order && new TextDecoder().decode(order).trim() === 'big') throw new WeightsError(label, 'pth', 'big-endian checkpoints are not supported');
  return { root: unpickle(files[pklName] as Uint8Array, label), storage: (key) => files[`${prefix}data/${key}`] };
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/**
 * The legacy format (torch < 1.6, or `_use_new_zipfile_serialization=False`):
 * pickles of the magic number, protocol version, system info, the object and
 * the sorted storage keys, then each storage as an int64 element count and
 * its raw little-endian bytes. torchvision's Kinetics video weights use it.
 */
function openLegacy(bytes: Uint8Array, label: string): OpenedCheckpoint {
  if (bytes.length < 2 || bytes[0] !== 0x80) throw new WeightsError(label, 'pth', 'neither a zip archive (torch >= 1.6) nor a legacy torch.save pickle');
  let pos = 0;
  const next = (): unknown => {
    const r = unpickleAt(bytes, pos, label);
    pos = r.end;
    return r.value;
  };
  const magic = next();
  if (magic !== LEGACY_MAGIC) throw new WeightsError(label, 'pth', 'a pickle, but not a torch.save file (bad magic number); tar-format checkpoints of torch < 0.4 are not supported');
  next(); // protocol version (1001)
  const sysInfo = next();
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) throw new WeightsError(label, 'pth', 'big-endian checkpoints are not supported');
  const root = next();
  const keys = next();
  if (!Array.isArray(keys)) throw new WeightsError(label, 'pth', 'legacy checkpoint: storage key list missing');
  // Storage sizes come from the pickled persistent ids: collect element sizes by key.
  const elementBytes = new Map<string, number>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 64) return;
    if (isTensorRef(v)) {
      const st = STORAGE_TYPES[v.storage.storageType];
      if (st) elementBytes.set(v.storage.key, st.bytes);
    } else if (v instanceof Map) for (const x of v.values()) visit(x, depth + 1);
    else if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (v instanceof PyObject) {
      visit(v.args, depth + 1);
      visit(v.state, depth + 1);
    }
  };
  visit(root, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  for (const k of keys) {
    const key = String(k);
    if (pos + 8 > bytes.length) throw new WeightsError(label, 'pth', `legacy checkpoint truncated before storage ${key}`);
    const n = Number(view.getBigInt64(pos, true));
    pos += 8;
    const size = elementBytes.get(key);
    if (size === undefined) throw new WeightsError(label, 'pth', `legacy checkpoint: storage ${key} is used by no tensor, its element size is unknown`);
    if (pos + n * size > bytes.length) throw new WeightsError(label, 'pth', `legacy checkpoint truncated in storage ${key}`);
    storages.set(key, bytes.subarray(pos, pos + n * size));
    pos += n * size;
  }
  return { root, storage: (key) => storages.get(key) };
}

/**
 * Parses the bytes of a PyTorch checkpoint written by `torch.save` (the zip
 * format of torch >= 1.6, or the legacy format before it) into a state dict, without Python and without
 * executing any pickled code. Float tensors of any precision become
 * `Float32Array`s (the `dtype` field keeps the stored one); int64 tensors
 * (`num_batches_tracked`) become `BigInt64Array`s. Non-tensor values are skipped.
 * @param label names the input in errors
 */
export function parseTorchCheckpoint(input: Uint8Array, options: ReadTorchCheckpointOptions = {}, label = '<bytes>'): StateDict {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const { root, storage } = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b ? openZip(bytes, label) : openLegacy(bytes, label);
  let dict: Map<unknown, unknown> | null;
  if (options.key !== undefined) {
    const path = Array.isArray(options.key) ? options.key : [options.key];
    let cur: unknown = root;
    for (const k of path) {
      const d = asDict(cur);
      if (!d || !d.has(k)) throw new WeightsError(label, 'pth', `key path '${path.join('/')}' not found (missing '${k}')`);
      cur = d.get(k);
    }
    dict = asDict(cur);
    if (!dict) throw new WeightsError(label, 'pth', `key path '${path.join('/')}' is not a dict`);
  } else dict = findStateDict(root);
  if (!dict) {
    const keys = asDict(root);
    throw new WeightsError(label, 'pth', `no state dict of tensors found${keys ? ` (top-level keys: ${[...keys.keys()].map(String).join(', ')})` : ''}; pass options.key`);
  }
  const out: StateDict = {};
  for (const [k, v] of dict) {
    if (!isTensorRef(v)) continue;
    const name = String(k);
    const st = STORAGE_TYPES[v.storage.storageType];
    if (!st) throw new WeightsError(label, 'pth', `tensor ${name}: unsupported storage type ${v.storage.storageType}`);
    const data = storage(v.storage.key);
    if (!data) throw new WeightsError(label, 'pth', `tensor ${name}: storage ${v.storage.key} missing`);
    const ref = v.storage.elementOffset ? { ...v, offset: v.offset + v.storage.elementOffset } : v;
    out[name] = { shape: v.shape.slice(), dtype: st.dtype, data: decode(ref, data, st.dtype, st.bytes, label, name) };
  }
  return out;
}

/**
 * Reads a PyTorch `.pth` / `.pt` checkpoint (a path, or its bytes) into a
 * state dict keyed by the names PyTorch used (torchvision `state_dict`
 * names for torchvision models). Nested `state_dict` / `model` keys are found
 * automatically; see {@link ReadTorchCheckpointOptions.key}.
 */
export async function readTorchCheckpoint(source: string | Uint8Array | ArrayBuffer, options: ReadTorchCheckpointOptions = {}): Promise<StateDict> {
  const { bytes, label } = await readSource(source);
  return parseTorchCheckpoint(bytes, options, label);
}
