import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A checkpoint problem (missing file, checksum mismatch, bad format). */
export class CheckpointError extends Error {
  /** Always `'CheckpointError'`. */
  override readonly name = 'CheckpointError';
  /** The checkpoint file. */
  readonly file: string;

  constructor(file: string, reason: string) {
    super(`${file}: checkpoint: ${reason}`);
    this.file = file;
  }
}

/** One named float tensor of a checkpoint. */
export interface TensorEntry {
  /** Shape. */
  shape: number[];
  /** Values, row-major (integers are stored as float32, exact below 2^24). */
  data: Float32Array;
  /** tfjs dtype to restore; default `'float32'`. */
  dtype?: 'float32' | 'int32' | 'bool';
}

/** What a checkpoint holds: JSON state plus named float tensors. */
export interface Checkpoint {
  /** Any JSON-serialisable state (step counters, config hash, ...). */
  state: Record<string, unknown>;
  /** Named tensors (weights, optimizer slots, BN statistics). */
  tensors: Record<string, TensorEntry>;
}

const MAGIC = 'BYOLMED3D-CKPT1\n';

/** Writes bytes to `path` atomically: temp file, fsync, rename, fsync of the folder. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Some file systems do not allow fsync on folders.
  }
}

/**
 * Serialises a checkpoint: a magic line, a JSON header (state, tensor index,
 * sha256 of the payload), then the float32 payload.
 */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const names = Object.keys(ckpt.tensors).sort();
  const index: { name: string; shape: number[]; offset: number; length: number; dtype?: string }[] = [];
  let total = 0;
  for (const n of names) {
    const t = ckpt.tensors[n] as TensorEntry;
    index.push({ name: n, shape: t.shape, offset: total, length: t.data.length, ...(t.dtype && t.dtype !== 'float32' ? { dtype: t.dtype } : {}) });
    total += t.data.length;
  }
  const payload = new Float32Array(total);
  for (const e of index) payload.set((ckpt.tensors[e.name] as TensorEntry).data, e.offset);
  const bytes = new Uint8Array(payload.buffer);
  const sha256 = createHash('sha256').update(bytes).update(JSON.stringify(ckpt.state)).digest('hex');
  const header = Buffer.from(JSON.stringify({ state: ckpt.state, index, sha256 }), 'utf8');
  const out = new Uint8Array(MAGIC.length + 8 + header.length + bytes.length);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setBigUint64(MAGIC.length, BigInt(header.length), true);
  out.set(header, MAGIC.length + 8);
  out.set(bytes, MAGIC.length + 8 + header.length);
  return out;
}

/** Parses and verifies (sha256) a checkpoint written by {@link encodeCheckpoint}. */
export function decodeCheckpoint(bytes: Uint8Array, file = '<bytes>'): Checkpoint {
  const magic = Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1');
  if (magic !== MAGIC) throw new CheckpointError(file, 'not a byolmed3d checkpoint (bad magic)');
  if (bytes.length < MAGIC.length + 8) throw new CheckpointError(file, 'truncated header');
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(MAGIC.length, true));
  const start = MAGIC.length + 8;
  if (start + hlen > bytes.length) throw new CheckpointError(file, `header claims ${hlen} bytes, file has ${bytes.length - start}`);
  let header: { state: Record<string, unknown>; index: { name: string; shape: number[]; offset: number; length: number; dtype?: TensorEntry['dtype'] }[]; sha256: string };
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(start, start + hlen)).toString('utf8'));
  } catch {
    throw new CheckpointError(file, 'corrupt header');
  }
  const total = header.index.reduce((a, e) => a + e.length, 0);
  const body = Uint8Array.prototype.slice.call(bytes, start + hlen);
  if (body.length !== total * 4) throw new CheckpointError(file, `payload is ${body.length} bytes, index says ${total * 4}`);
  const sha = createHash('sha256').update(body).update(JSON.stringify(header.state)).digest('hex');
  if (sha !== header.sha256) throw new CheckpointError(file, 'sha256 mismatch: the file is corrupt or was cut short');
  const payload = new Float32Array(body.buffer, body.byteOffset, total);
  const tensors: Record<string, TensorEntry> = {};
  for (const e of header.index) tensors[e.name] = { shape: e.shape, data: payload.slice(e.offset, e.offset + e.length), ...(e.dtype ? { dtype: e.dtype } : {}) };
  return { state: header.state, tensors };
}

/** Saves a checkpoint atomically to `path`. */
export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(ckpt));
}

/** Loads and verifies a checkpoint. */
export function loadCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new CheckpointError(path, 'no such file');
  return decodeCheckpoint(readFileSync(path), path);
}

/** A checkpoint found on disk. */
export interface FoundCheckpoint {
  /** Its file. */
  path: string;
  /** Its contents. */
  ckpt: Checkpoint;
}

/**
 * The newest valid checkpoint `step-NNNNNNNN.ckpt` in `dir` (a corrupt one is
 * skipped with `onCorrupt`), or null.
 */
export function latestCheckpoint(dir: string, onCorrupt?: (err: Error) => void): FoundCheckpoint | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => /^step-\d+\.ckpt$/.test(f)).sort().reverse();
  for (const f of files) {
    try {
      return { path: join(dir, f), ckpt: loadCheckpoint(join(dir, f)) };
    } catch (err) {
      onCorrupt?.(err as Error);
    }
  }
  return null;
}

/** Deletes all but the newest `keep` step checkpoints in `dir`. */
export function pruneCheckpoints(dir: string, keep = 2): void {
  const files = readdirSync(dir).filter((f) => /^step-\d+\.ckpt$/.test(f)).sort();
  for (const f of files.slice(0, Math.max(0, files.length - keep))) unlinkSync(join(dir, f));
}
