import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { UtilError } from '../errors.js';

/** The environment variable read by {@link faultPoint}: `ACTION:GLOB:STAGE[:N]`, several joined by `,`. */
export const FAULT_ENV = 'BYOLMED3D_FAULT';

/**
 * Where in a write {@link faultPoint} can strike:
 * - `open`: before the temp file is created (nothing on disk yet);
 * - `write`: halfway through the data (the temp file holds its first half);
 * - `fsync`: all data written, before the temp file's fsync;
 * - `rename`: the temp file complete and closed, before it is renamed over the file;
 * - `dirsync`: after the rename, before the folder's fsync;
 * - `append`: halfway through a record appended to a log (a torn last line);
 * - `unlink`: before a file is removed (checkpoint pruning).
 */
export type FaultStage = 'open' | 'write' | 'fsync' | 'rename' | 'dirsync' | 'append' | 'unlink';

/** What a fault does: `kill` SIGKILLs the process itself; `enospc` fails the step as a full disk does. */
export type FaultAction = 'kill' | 'enospc';

const STAGES: readonly FaultStage[] = ['open', 'write', 'fsync', 'rename', 'dirsync', 'append', 'unlink'];
const ACTIONS: readonly FaultAction[] = ['kill', 'enospc'];

interface Fault {
  action: FaultAction;
  glob: string;
  match: RegExp;
  /** The glob has a `/`: it matches the path's last segments, else its base name. */
  segments: number;
  stage: FaultStage;
  n: number;
  seen: number;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function parseFaults(spec: string): Fault[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((one) => {
      const parts = one.split(':');
      const [action, glob, stage, count] = parts;
      const n = count === undefined ? 1 : Number(count);
      if (parts.length < 3 || parts.length > 4 || !ACTIONS.includes(action as FaultAction) || !glob || !STAGES.includes(stage as FaultStage) || !Number.isInteger(n) || n < 1) {
        throw new UtilError(FAULT_ENV, 'invalid-argument', `cannot parse "${one}": expected ACTION:GLOB:STAGE[:N] with ACTION one of ${ACTIONS.join(', ')}, STAGE one of ${STAGES.join(', ')}, N a positive integer`);
      }
      return { action: action as FaultAction, glob, match: globToRegExp(glob), segments: glob.split('/').length, stage: stage as FaultStage, n, seen: 0 };
    });
}

// Read once at load. Unset (the normal case), every faultPoint is one comparison with null.
const fromEnv = typeof process === 'undefined' ? undefined : process.env[FAULT_ENV];
let pending: string | undefined = fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
let faults: Fault[] | null = pending === undefined ? null : [];

/**
 * Arms fault injection for this process as if {@link FAULT_ENV} held `spec`
 * (`undefined` or `''` disarms it; counters restart). For tests of the
 * writers themselves; a CLI under test is given the environment variable.
 *
 * @param spec - `ACTION:GLOB:STAGE[:N]`, several joined by `,`; see {@link faultPoint}
 */
export function setFaultInjection(spec: string | undefined): void {
  pending = undefined;
  faults = spec === undefined || spec === '' ? null : parseFaults(spec);
}

/** True when a fault is armed (the writers then take their slower, stage-by-stage path). */
export function faultInjectionArmed(): boolean {
  return faults !== null;
}

function matches(f: Fault, path: string): boolean {
  const parts = nodePath.resolve(path).split(nodePath.sep);
  return f.match.test(parts.slice(-f.segments).join('/'));
}

/** The error a full disk gives, shaped as Node's system errors are (`code`, `errno`, `syscall`, `path`). */
function enospc(path: string, stage: FaultStage): Error {
  const syscall = stage === 'fsync' || stage === 'dirsync' ? 'fsync' : stage === 'open' ? 'open' : stage === 'rename' ? 'rename' : stage === 'unlink' ? 'unlink' : 'write';
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall} (injected by ${FAULT_ENV})`), { code: 'ENOSPC', errno: -28, syscall, path });
}

/**
 * The deterministic fault-injection point of the project's writers
 * ({@link writeFileAtomic}, {@link writeFileAtomicSync},
 * {@link appendRecordSync}, and checkpoint pruning). When the environment
 * variable `BYOLMED3D_FAULT` (see {@link FAULT_ENV}) holds
 * `ACTION:GLOB:STAGE[:N]`, the N-th time (default 1st) this process reaches
 * `stage` of a file matching `GLOB`, the fault strikes:
 * `kill` prints one line to stderr (`BYOLMED3D_FAULT: kill at STAGE of PATH`)
 * and SIGKILLs the process itself; `enospc` throws the error a full disk
 * gives (`code` `'ENOSPC'`), which the writer then handles as a real one.
 * `GLOB` matches the base name (`step-*.ckpt`), or with a `/` the last path
 * segments (`encoder/config.json`); `*` and `?` stay within a segment, `**`
 * crosses them. Unset, it costs one comparison per call.
 *
 * @param path - the file being written or removed
 * @param stage - the step about to happen; see {@link FaultStage}
 * @throws the injected ENOSPC error, or a {@link UtilError} for a malformed variable
 */
export function faultPoint(path: string, stage: FaultStage): void {
  if (faults === null) return;
  if (pending !== undefined) {
    const spec = pending;
    pending = undefined;
    faults = parseFaults(spec);
  }
  for (const f of faults) {
    if (f.stage !== stage || !matches(f, path)) continue;
    f.seen++;
    if (f.seen !== f.n) continue;
    if (f.action === 'enospc') throw enospc(path, stage);
    fs.writeSync(2, `${FAULT_ENV}: kill at ${stage} of ${nodePath.resolve(path)}\n`);
    process.kill(process.pid, 'SIGKILL');
    // SIGKILL cannot be caught; wait for it rather than run on past the fault.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  }
}
