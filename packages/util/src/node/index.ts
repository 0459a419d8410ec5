/**
 * Node-only helpers of `@byolmed3d/util`: atomic writes, record appends,
 * stale temp clean-up, JSON reading whose errors name the file, the
 * `BYOLMED3D_FAULT` fault-injection point of all of them, and the
 * command-line glue of small scripts (typed flags, usage, exit codes, a
 * self-check list). Import from
 * `@byolmed3d/util/node`; the main entry stays browser-safe.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs';
// Namespace imports only: a browser bundle that reaches this module through a
// lazy import() (as video-io's cache does) gets the bundler's empty stub
// instead of a build error.
import * as crypto from 'node:crypto';
import * as nodePath from 'node:path';
import { UtilError } from '../errors.js';
import { faultInjectionArmed, faultPoint } from './fault.js';

export { ByolMed3dError, ByolMed3dFileError, UtilError } from '../errors.js';
export type { UtilErrorReason } from '../errors.js';
export { FAULT_ENV, faultInjectionArmed, faultPoint, setFaultInjection } from './fault.js';
export type { FaultAction, FaultStage } from './fault.js';
export type { BuiltInFlags, ChecklistFinishOptions, ChecklistOptions, FlagDefault, FlagValues, ScriptArgs, ScriptSpec, StartScriptOptions } from './script.js';
export { Checklist, parseScriptArgs, startScript } from './script.js';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** File mode of the new file. Default `0o644` (before the umask). */
  mode?: number;
  /**
   * fsync the file before the rename and its folder after it, so the write
   * survives a power cut. Default `true`.
   */
  fsync?: boolean;
}

/**
 * Default pattern of the temp files {@link writeFileAtomic} leaves behind
 * when its process is killed: `NAME.tmp-PID-HEX` (and the older `NAME.tmp-PID`).
 * The first group is the writer's PID.
 */
export const TEMP_FILE_PATTERN = /\.tmp-(\d+)(?:-[0-9a-f]+)?$/;

function tempPath(path: string): string {
  return `${path}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

function fileError(path: string, what: string, e: unknown): UtilError {
  const code = (e as { code?: unknown } | null)?.code;
  const reason = code === 'ENOSPC' || code === 'EDQUOT' ? 'no-space' : 'write-failed';
  const detail = e instanceof Error ? e.message : String(e);
  return new UtilError(path, reason, `${what}: ${detail}`, { cause: e });
}

/**
 * Writes `data` to `path` atomically: into a temp file `PATH.tmp-PID-HEX` in
 * the same folder, fsync, rename over `path`, fsync the folder. Readers see
 * the old file or the new one, never a torn one. On any error (ENOSPC, a
 * read-only folder, ...) the temp file is removed and a {@link UtilError}
 * naming `path` is thrown (`reason` `'no-space'` or `'write-failed'`, `code`
 * the system code, `cause` the system error); the old file is left as it was.
 *
 * @param path - the file to write
 * @param data - its full new contents (a string is written as UTF-8)
 * @param opts - see {@link WriteFileAtomicOptions}
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteFileAtomicOptions = {}): Promise<void> {
  const doSync = opts.fsync ?? true;
  const tmp = tempPath(path);
  let handle: fs.promises.FileHandle | undefined;
  try {
    faultPoint(path, 'open');
    handle = await fs.promises.open(tmp, 'wx', opts.mode ?? 0o644);
    if (faultInjectionArmed()) {
      const bytes = toBytes(data);
      await handle.writeFile(bytes.subarray(0, bytes.length >> 1));
      faultPoint(path, 'write');
      await handle.writeFile(bytes.subarray(bytes.length >> 1));
      faultPoint(path, 'fsync');
    } else await handle.writeFile(data);
    if (doSync) await handle.sync();
    await handle.close();
    handle = undefined;
    faultPoint(path, 'rename');
    await fs.promises.rename(tmp, path);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw fileError(path, 'could not write the file atomically (temp file removed, the old file is unchanged)', e);
  }
  if (doSync) {
    try {
      faultPoint(path, 'dirsync');
      await syncDir(nodePath.dirname(path));
    } catch (e) {
      throw fileError(path, 'written, but its folder could not be fsynced', e);
    }
  }
}

/** Synchronous {@link writeFileAtomic}, for exit paths and small files; same contract. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, opts: WriteFileAtomicOptions = {}): void {
  const doSync = opts.fsync ?? true;
  const tmp = tempPath(path);
  let fd: number | undefined;
  try {
    faultPoint(path, 'open');
    fd = fs.openSync(tmp, 'wx', opts.mode ?? 0o644);
    if (faultInjectionArmed()) {
      const bytes = toBytes(data);
      fs.writeFileSync(fd, bytes.subarray(0, bytes.length >> 1));
      faultPoint(path, 'write');
      fs.writeFileSync(fd, bytes.subarray(bytes.length >> 1));
      faultPoint(path, 'fsync');
    } else fs.writeFileSync(fd, data);
    if (doSync) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    faultPoint(path, 'rename');
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the first error is the one reported
      }
    }
    fs.rmSync(tmp, { force: true });
    throw fileError(path, 'could not write the file atomically (temp file removed, the old file is unchanged)', e);
  }
  if (doSync) {
    try {
      faultPoint(path, 'dirsync');
      const d = fs.openSync(nodePath.dirname(path), 'r');
      try {
        fs.fsyncSync(d);
      } finally {
        fs.closeSync(d);
      }
    } catch (e) {
      throw fileError(path, 'written, but its folder could not be fsynced', e);
    }
  }
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/**
 * Appends `text` (one or more whole records, e.g. JSON lines ending in
 * `\n`) to `path` in one write, creating the file if needed. If the write
 * fails partway (ENOSPC, EIO), the file is truncated back to its old length,
 * so no partial record is left, and a {@link UtilError} naming `path` is
 * thrown (`reason` `'no-space'` or `'write-failed'`). For files with a single
 * writer (a run's log): the roll-back would cut a concurrent writer's record.
 *
 * @param path - the file to append to
 * @param text - the records to add (UTF-8)
 */
export function appendRecordSync(path: string, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let fd: number | undefined;
  let size = -1;
  try {
    fd = fs.openSync(path, 'a');
    size = fs.fstatSync(fd).size;
    if (faultInjectionArmed()) {
      fs.writeFileSync(fd, bytes.subarray(0, bytes.length >> 1));
      faultPoint(path, 'append');
      fs.writeFileSync(fd, bytes.subarray(bytes.length >> 1));
    } else fs.writeFileSync(fd, bytes);
    const open = fd;
    fd = undefined;
    fs.closeSync(open);
  } catch (e) {
    if (fd !== undefined) {
      try {
        if (size >= 0) fs.ftruncateSync(fd, size);
      } catch {
        // already failing; the first error is the one reported
      }
      try {
        fs.closeSync(fd);
      } catch {
        // as above
      }
    }
    throw fileError(path, 'could not append (no partial record left; the earlier ones are unchanged)', e);
  }
}

async function syncDir(dir: string): Promise<void> {
  const h = await fs.promises.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * Removes the temp files in `dir` (not recursive) that a killed writer left
 * behind: names matching `pattern` whose first capture group, when it has
 * one, is the PID of a process that no longer runs (this process's own and
 * live processes' temps are kept). A missing folder removes nothing.
 *
 * @param dir - the folder to clean
 * @param pattern - which names are temps; default {@link TEMP_FILE_PATTERN}
 * @returns the paths removed
 */
export function removeStaleTemps(dir: string, pattern: RegExp = TEMP_FILE_PATTERN): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return [];
    throw new UtilError(dir, 'read-failed', `could not list the folder: ${(e as Error).message}`, { cause: e });
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(nodePath.basename(name));
    if (!m) continue;
    const pid = m[1] === undefined ? NaN : Number(m[1]);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    const p = nodePath.join(dir, name);
    try {
      if (!fs.lstatSync(p).isFile()) continue;
      fs.rmSync(p, { force: true });
      removed.push(p);
    } catch (e) {
      throw new UtilError(p, 'write-failed', `could not remove a stale temp file: ${(e as Error).message}`, { cause: e });
    }
  }
  return removed;
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UtilError(path, 'invalid-json', `not valid JSON (truncated or corrupt?): ${(e as Error).message}`, { cause: e });
  }
}

function readError(path: string, e: unknown): UtilError {
  const code = (e as { code?: unknown } | null)?.code;
  return new UtilError(path, code === 'ENOENT' ? 'not-found' : 'read-failed', `could not read the file: ${(e as Error).message}`, { cause: e });
}

/**
 * Reads and parses a JSON file. Errors name the file: a missing file is
 * `reason` `'not-found'`, a truncated or corrupt one `'invalid-json'` (with
 * the parser's detail), anything else `'read-failed'`.
 *
 * @param path - the file
 * @returns the parsed value (unchecked: validate it yourself)
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.promises.readFile(path, 'utf8');
  } catch (e) {
    throw readError(path, e);
  }
  return parseJson(path, text);
}

/** Synchronous {@link readJsonFile}; same contract. */
export function readJsonFileSync(path: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw readError(path, e);
  }
  return parseJson(path, text);
}
