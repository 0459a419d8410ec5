import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { faultPoint, writeFileAtomicSync } from '@byolmed3d/util/node';

/** A checkpoint problem (missing file, checksum mismatch, bad format, non-finite values). */
export class CheckpointError extends Error {
  /** Always `'CheckpointError'`. */
  override readonly name = 'CheckpointError';
  /** The checkpoint file. */
  readonly where: string;
  /** What is wrong. */
  readonly reason: string;

  /**
   * @param file the checkpoint file
   * @param reason what is wrong
   */
  constructor(file: string, reason: string) {
    super(`${file}: checkpoint: ${reason}`);
    this.where = file;
    this.reason = reason;
  }

  /** The checkpoint file (same as {@link CheckpointError.where}). */
  get file(): string {
    return this.where;
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
  /** Any JSON-serialisable state (step, run id, config hash, ...). */
  state: Record<string, unknown>;
  /** Named tensors (weights, optimizer slots, BN statistics). */
  tensors: Record<string, TensorEntry>;
}

const MAGIC = 'BYOLMED3D-CKPT1\n';

/** The one place a checkpoint's file name is made: `<dir>/step-NNNNNNNN.ckpt` for optimizer step `step`. */
export function checkpointPath(dir: string, step: number): string {
  return join(dir, `step-${String(step).padStart(8, '0')}.ckpt`);
}

const CKPT_NAME = /^step-(\d+)\.ckpt$/;

/** The step checkpoints in `dir`, sorted by optimizer step (numerically, oldest first). */
export function listCheckpoints(dir: string): { path: string; step: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => ({ f, m: CKPT_NAME.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .map(({ f, m }) => ({ path: join(dir, f), step: Number(m[1]) }))
    .sort((a, b) => a.step - b.step);
}

/** Names of the tensors holding a NaN or an infinity (empty when all are finite). */
export function nonFiniteTensors(ckpt: Checkpoint): string[] {
  const bad: string[] = [];
  for (const [name, t] of Object.entries(ckpt.tensors)) {
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i] as number)) {
        bad.push(name);
        break;
      }
    }
  }
  return bad;
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
  // `finite` lets pruning tell a usable checkpoint from a poisoned one by its header alone.
  const header = Buffer.from(JSON.stringify({ state: ckpt.state, index, sha256, finite: nonFiniteTensors(ckpt).length === 0 }), 'utf8');
  const out = new Uint8Array(MAGIC.length + 8 + header.length + bytes.length);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setBigUint64(MAGIC.length, BigInt(header.length), true);
  out.set(header, MAGIC.length + 8);
  out.set(bytes, MAGIC.length + 8 + header.length);
  return out;
}

interface Header {
  state: Record<string, unknown>;
  finite?: boolean;
  index: { name: string; shape: number[]; offset: number; length: number; dtype?: TensorEntry['dtype'] }[];
  sha256: string;
}

function parseHeader(bytes: Uint8Array, file: string, fileSize: number): { header: Header; start: number } {
  const magic = Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1');
  if (magic !== MAGIC) throw new CheckpointError(file, 'not a byolmed3d checkpoint (bad magic)');
  if (bytes.length < MAGIC.length + 8) throw new CheckpointError(file, 'truncated header');
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(MAGIC.length, true));
  const start = MAGIC.length + 8;
  if (start + hlen > fileSize) throw new CheckpointError(file, `header claims ${hlen} bytes, file has ${fileSize - start}`);
  if (start + hlen > bytes.length) throw new CheckpointError(file, 'truncated header');
  try {
    return { header: JSON.parse(Buffer.from(bytes.subarray(start, start + hlen)).toString('utf8')) as Header, start: start + hlen };
  } catch {
    throw new CheckpointError(file, 'corrupt header');
  }
}

/** Parses and verifies (sha256) a checkpoint written by {@link encodeCheckpoint}. */
export function decodeCheckpoint(bytes: Uint8Array, file = '<bytes>'): Checkpoint {
  const { header, start } = parseHeader(bytes, file, bytes.length);
  const total = header.index.reduce((a, e) => a + e.length, 0);
  const body = Uint8Array.prototype.slice.call(bytes, start);
  if (body.length !== total * 4) throw new CheckpointError(file, `payload is ${body.length} bytes, index says ${total * 4}`);
  const sha = createHash('sha256').update(body).update(JSON.stringify(header.state)).digest('hex');
  if (sha !== header.sha256) throw new CheckpointError(file, 'sha256 mismatch: the file is corrupt or was cut short');
  const payload = new Float32Array(body.buffer, body.byteOffset, total);
  const tensors: Record<string, TensorEntry> = {};
  for (const e of header.index) tensors[e.name] = { shape: e.shape, data: payload.slice(e.offset, e.offset + e.length), ...(e.dtype ? { dtype: e.dtype } : {}) };
  return { state: header.state, tensors };
}

/**
 * Saves a checkpoint atomically to `path` after checking that every tensor is
 * finite: a checkpoint holding a NaN or an infinity is never written (a
 * {@link CheckpointError} names the tensors).
 */
export function saveCheckpoint(path: string, ckpt: Checkpoint): void {
  const bad = nonFiniteTensors(ckpt);
  if (bad.length > 0) throw new CheckpointError(path, `not written: ${bad.length} tensor(s) hold NaN or Inf (${bad.slice(0, 4).join(', ')}${bad.length > 4 ? ', ...' : ''})`);
  writeFileAtomicSync(path, encodeCheckpoint(ckpt));
}

/** Loads and verifies a checkpoint. */
export function loadCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new CheckpointError(path, 'no such file');
  return decodeCheckpoint(readFileSync(path), path);
}

/** Reads only the JSON state of a checkpoint (its header), without the payload or its checksum. */
export function readCheckpointState(path: string): Record<string, unknown> {
  return readCheckpointHeader(path).state;
}

/** Reads a checkpoint's header: its state and whether every tensor was finite when it was written. */
function readCheckpointHeader(path: string): { state: Record<string, unknown>; finite: boolean } {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length + 8);
    const n = readSync(fd, head, 0, head.length, 0);
    const size = statSync(path).size;
    if (n < head.length) throw new CheckpointError(path, 'truncated header');
    const hlen = Number(head.readBigUInt64LE(MAGIC.length));
    if (hlen > size) throw new CheckpointError(path, `header claims ${hlen} bytes, file has ${size}`);
    const buf = Buffer.alloc(head.length + hlen);
    readSync(fd, buf, 0, buf.length, 0);
    const h = parseHeader(buf, path, size).header;
    return { state: h.state, finite: h.finite === true };
  } finally {
    closeSync(fd);
  }
}

/** A checkpoint found on disk. */
export interface FoundCheckpoint {
  /** Its file. */
  path: string;
  /** Its optimizer step. */
  step: number;
  /** Its contents. */
  ckpt: Checkpoint;
}

/** Options of {@link latestCheckpoint} and {@link pruneCheckpoints}. */
export interface RunCheckpointOptions {
  /** Only checkpoints whose `state.runId` is this (those of other runs are left alone). */
  runId?: string;
  /** Called for a checkpoint skipped as corrupt, foreign or non-finite. */
  onSkip?: (err: Error) => void;
}

/**
 * The newest valid, finite checkpoint `step-N.ckpt` in `dir` (by step number)
 * written by run `runId` when given; corrupt, foreign or non-finite ones are
 * skipped with `onSkip`. Null when there is none.
 */
export function latestCheckpoint(dir: string, options: RunCheckpointOptions | ((err: Error) => void) = {}): FoundCheckpoint | null {
  const o: RunCheckpointOptions = typeof options === 'function' ? { onSkip: options } : options;
  for (const { path, step } of listCheckpoints(dir).reverse()) {
    try {
      const ckpt = loadCheckpoint(path);
      if (o.runId !== undefined && ckpt.state.runId !== o.runId) throw new CheckpointError(path, `written by another run (${String(ckpt.state.runId)}), not ${o.runId}`);
      const bad = nonFiniteTensors(ckpt);
      if (bad.length > 0) throw new CheckpointError(path, `holds NaN or Inf in ${bad.slice(0, 4).join(', ')}`);
      return { path, step, ckpt };
    } catch (err) {
      o.onSkip?.(err as Error);
    }
  }
  return null;
}

/**
 * Keeps the newest `keep` finite checkpoints of run `runId` in `dir` (by
 * step number) and deletes its older ones and any of its non-finite ones;
 * checkpoints of other runs and unreadable files are left alone. The last
 * finite checkpoint is never deleted. Returns the deleted paths.
 */
export function pruneCheckpoints(dir: string, keep: number, runId: string): string[] {
  const own: { path: string; finite: boolean }[] = [];
  for (const { path } of listCheckpoints(dir)) {
    try {
      const h = readCheckpointHeader(path);
      if (h.state.runId === runId) own.push({ path, finite: h.finite });
    } catch {
      // unreadable: not ours to delete
    }
  }
  const finite = own.filter((c) => c.finite);
  const keepSet = new Set(finite.slice(Math.max(0, finite.length - Math.max(1, keep))).map((c) => c.path));
  const gone: string[] = [];
  for (const { path } of own) {
    if (keepSet.has(path)) continue;
    faultPoint(path, 'unlink');
    unlinkSync(path);
    gone.push(path);
  }
  return gone;
}
