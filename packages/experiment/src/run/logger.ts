import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { appendRecordSync } from '@byolmed3d/util/node';

/** Output mode of the terminal: human progress, nothing but errors, or JSON lines. */
export type OutputMode = 'human' | 'quiet' | 'json';

/** One progress record of a phase. */
export interface ProgressRecord {
  /** Phase name (`pretrain`, `finetune:byol`, ...). */
  phase: string;
  /** Current step (1-based) of the phase. */
  step: number;
  /** Total steps of the phase. */
  total: number;
  /** Current loss, when there is one. */
  loss?: number;
  /** Extra numbers (tau, lr, projection std, ...). */
  [key: string]: unknown;
}

/**
 * Writes a run's JSONL log and the terminal progress line (phase, step, loss,
 * clips/s, ETA); `quiet` prints only warnings and errors, `json` prints every
 * record as a JSON line instead of the human line.
 */
export class RunLogger {
  /** The terminal mode. */
  readonly mode: OutputMode;
  private readonly logFile: string | null;
  private phaseStart = new Map<string, { t: number; step: number }>();
  private lastPrint = 0;
  private lineOpen = false;
  /** Warnings so far (skipped files and the like). */
  warnings = 0;

  /**
   * @param logFile JSONL file appended to (null: none)
   * @param mode terminal mode; default `'human'`
   */
  constructor(logFile: string | null, mode: OutputMode = 'human') {
    this.logFile = logFile;
    this.mode = mode;
    if (logFile) repairTornLine(logFile);
  }

  /**
   * Appends a record to the JSONL log (with a timestamp) in one write; a
   * failed write (a full disk) leaves no partial line and throws a
   * `UtilError` naming the file.
   */
  log(event: string, fields: Record<string, unknown> = {}): void {
    const rec = { time: new Date().toISOString(), event, ...fields };
    if (this.logFile) appendRecordSync(this.logFile, `${JSON.stringify(rec)}\n`);
    if (this.mode === 'json' && event !== 'progress') process.stdout.write(`${JSON.stringify(rec)}\n`);
  }

  /** Ends an unfinished progress line, so the next output starts on its own line. */
  private endLine(): void {
    if (this.lineOpen) {
      process.stdout.write('\n');
      this.lineOpen = false;
    }
  }

  /** A one-line message for people (printed in human mode, logged always). */
  info(message: string): void {
    this.log('info', { message });
    if (this.mode === 'human') {
      this.endLine();
      process.stdout.write(`${message}\n`);
    }
  }

  /** A warning: counted, logged and printed to stderr in every mode (never onto an unfinished progress line). */
  warn(message: string): void {
    this.warnings++;
    this.log('warning', { message });
    this.endLine();
    process.stderr.write(`warning: ${message}\n`);
  }

  /**
   * Records progress of `clips` clips processed at this step; prints a line
   * with clips/s and ETA (at most twice a second, and at the last step).
   */
  progress(rec: ProgressRecord, clipsPerStep = 1): void {
    const now = performance.now();
    let start = this.phaseStart.get(rec.phase);
    if (!start) {
      start = { t: now, step: rec.step - 1 };
      this.phaseStart.set(rec.phase, start);
    }
    const done = rec.step - start.step;
    const secs = (now - start.t) / 1000;
    const clipsPerSec = secs > 0 ? (done * clipsPerStep) / secs : 0;
    const eta = done > 0 ? ((rec.total - rec.step) * secs) / done : NaN;
    const full = { ...rec, clipsPerSec: Number(clipsPerSec.toFixed(3)), etaSec: Number.isFinite(eta) ? Math.round(eta) : null };
    this.log('progress', full);
    if (this.mode === 'json') {
      process.stdout.write(`${JSON.stringify({ event: 'progress', ...full })}\n`);
      return;
    }
    if (this.mode !== 'human') return;
    if (now - this.lastPrint < 500 && rec.step !== rec.total) return;
    this.lastPrint = now;
    const line = progressLine(rec, clipsPerSec, eta);
    if (process.stdout.isTTY) {
      // Fits the terminal (80 columns when unknown), so it never wraps.
      const width = Math.max(20, (process.stdout.columns || 80) - 1);
      const last = rec.step === rec.total;
      process.stdout.write(`\r${line.slice(0, width).padEnd(width)}${last ? '\n' : ''}`);
      this.lineOpen = !last;
    } else if (rec.step === rec.total || rec.step % 10 === 0 || rec.step === 1) process.stdout.write(`${line}\n`);
  }
}

/** The human progress line (at most 79 characters for phase names up to 24). */
export function progressLine(rec: ProgressRecord, clipsPerSec: number, etaSec: number): string {
  const loss = rec.loss === undefined ? '' : ` loss ${rec.loss.toFixed(4)}`;
  const etaText = Number.isFinite(etaSec) ? ` ETA ${formatDuration(etaSec)}` : '';
  return `[${rec.phase}] step ${rec.step}/${rec.total}${loss} ${clipsPerSec.toFixed(1)} clips/s${etaText}`;
}

/** Ends a log file whose last line was cut short (a crash or full disk mid-write) with a newline, so appended records stay parseable. */
function repairTornLine(file: string): void {
  if (!existsSync(file)) return;
  const size = statSync(file).size;
  if (size === 0) return;
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(1);
  try {
    readSync(fd, b, 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
  if (b[0] !== 0x0a) appendFileSync(file, '\n');
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
