/**
 * Worker-thread entry of the loader's decode pool (Node only): reads videos
 * with `readVideo` and posts them back with their buffers transferred.
 * @internal
 */
import { parentPort } from 'node:worker_threads';
import { readVideo } from './read.js';
import { VideoReadError } from './errors.js';
import type { ReadVideoOptions } from './options.js';

interface Job {
  id: number;
  source: string | string[];
  options: ReadVideoOptions;
}

parentPort?.on('message', (job: Job) => {
  readVideo(job.source, job.options).then(
    (video) => {
      const buf = video.data.buffer as ArrayBuffer;
      parentPort?.postMessage({ id: job.id, ok: true, video }, [buf]);
    },
    (e: unknown) => {
      const err = e instanceof VideoReadError ? { file: e.file, format: e.format, reason: e.reason } : { file: String(job.source), format: 'unknown', reason: (e as Error)?.message ?? String(e) };
      parentPort?.postMessage({ id: job.id, ok: false, error: err });
    },
  );
});
