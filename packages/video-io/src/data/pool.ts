import { VideoReadError, type VideoFormat } from '../errors.js';
import type { ReadVideoOptions } from '../options.js';
import type { MedicalVideo } from '../types.js';

type Worker = import('node:worker_threads').Worker;

interface Pending {
  resolve: (v: MedicalVideo) => void;
  reject: (e: unknown) => void;
}

/**
 * A pool of worker threads that decode videos with `readVideo` (Node only).
 * Jobs go to the least busy worker; buffers come back transferred, not copied.
 */
export class DecodePool {
  /** Number of worker threads. */
  readonly size: number;
  private workers: { w: Worker; busy: number }[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private starting: Promise<void> | undefined;
  private failed: Error | undefined;
  private closing = false;

  constructor(size: number) {
    this.size = Math.max(1, Math.floor(size));
  }

  private async start(): Promise<void> {
    const { Worker } = await import('node:worker_threads');
    const { existsSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const js = new URL('../decode-worker.js', import.meta.url);
    const make = (): Worker => {
      if (existsSync(fileURLToPath(js))) return new Worker(js);
      // Running from TypeScript sources (tests): register tsx in the worker, then load the .ts entry.
      const ts = new URL('../decode-worker.ts', import.meta.url).href;
      const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`;
      return new Worker(code, { eval: true });
    };
    for (let i = 0; i < this.size; i++) {
      const w = make();
      const slot = { w, busy: 0 };
      w.on('message', (m: { id: number; ok: boolean; video?: MedicalVideo; error?: { file: string; format: VideoFormat; reason: string } }) => {
        slot.busy--;
        // Keep the process alive only while jobs are pending.
        if (slot.busy === 0) slot.w.unref();
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok && m.video) p.resolve(m.video);
        else p.reject(new VideoReadError(m.error?.file ?? '?', m.error?.format ?? 'unknown', m.error?.reason ?? 'worker failed'));
      });
      const die = (e: Error): void => {
        this.failed ??= e;
        for (const [id, p] of this.pending) {
          p.reject(new VideoReadError('?', 'unknown', `decode worker crashed: ${e.message}`, { cause: e }));
          this.pending.delete(id);
        }
      };
      w.on('error', die);
      w.on('exit', (code) => {
        if (!this.closing) die(new Error(`decode worker exited with code ${code}`));
      });
      w.unref();
      this.workers.push(slot);
    }
  }

  /** Reads `source` on a worker thread. */
  async read(source: string | string[], options: ReadVideoOptions): Promise<MedicalVideo> {
    this.starting ??= this.start();
    await this.starting;
    if (this.failed) throw new VideoReadError('?', 'unknown', `decode pool is broken: ${this.failed.message}`, { cause: this.failed });
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    slot.w.ref();
    return new Promise<MedicalVideo>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.w.postMessage({ id, source, options });
    });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    const ws = this.workers;
    this.closing = true;
    this.workers = [];
    this.starting = undefined;
    await Promise.all(ws.map((s) => s.w.terminate()));
    this.closing = false;
  }
}
