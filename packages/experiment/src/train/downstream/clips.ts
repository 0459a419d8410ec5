import * as tf from '@tensorflow/tfjs-core';
import type { VideoResNet } from '@byolmed3d/resnet3d';
import { VideoLoader } from '@byolmed3d/video-io';
import type { ExperimentConfig } from '../../config/schema.js';
import type { RunLogger } from '../../run/logger.js';
import { evalClips, examClip, examDataset, stackClips, type Clip, type ExamRef } from '../data.js';
import { TrainingError } from '../errors.js';

/** Exams that could be read and their evaluation clips. */
export interface ExamClips {
  /** The readable exams, in order. */
  exams: ExamRef[];
  /** Per exam, its `data.testClips` evaluation clips. */
  clips: Clip[][];
}

/** A video-io loader over `exams` giving grey [0, 1] exam clips; unreadable exams are skipped and warned about (fatal with `strict`). */
export function examLoader(cfg: ExperimentConfig, exams: readonly ExamRef[], log: RunLogger, options: { batchSize: number; shuffle: boolean; seed?: number }): VideoLoader {
  return new VideoLoader(examDataset(cfg, exams), {
    ...options,
    collate: 'list',
    skipBadItems: !cfg.strict,
    transform: (s) => examClip(s, cfg.data.resize),
    onWarning: (m) => log.warn(m),
  });
}

/** Reads `exams` through video-io and cuts their evaluation clips (augment3d). */
export async function loadEvalClips(cfg: ExperimentConfig, exams: readonly ExamRef[], log: RunLogger): Promise<ExamClips> {
  const out: ExamClips = { exams: [], clips: [] };
  if (exams.length === 0) return out;
  const loader = examLoader(cfg, exams, log, { batchSize: 8, shuffle: false });
  for await (const b of loader.batches(0)) {
    b.indices.forEach((i, k) => {
      out.exams.push(exams[i] as ExamRef);
      out.clips.push(evalClips(b.clips[k] as Clip, cfg));
    });
  }
  await loader.close();
  return out;
}

/**
 * Runs `fn` on batches of the flattened clips (evaluation mode) and returns
 * one row per clip; a non-finite output raises a {@link TrainingError}
 * naming the exam. Each batch is read back with one asynchronous download
 * (no synchronous read: the path works on webgpu).
 */
export async function perClip(encoder: VideoResNet, set: ExamClips, batch: number, what: string, fn: (features: tf.Tensor2D) => tf.Tensor2D): Promise<Float32Array[]> {
  const flat = set.clips.flat();
  const per = set.clips[0]?.length ?? 1;
  const rows: Float32Array[] = [];
  for (let i = 0; i < flat.length; i += batch) {
    const x = stackClips(flat.slice(i, i + batch));
    const y = tf.tidy(() => fn(encoder.apply(x, { training: false }).features));
    x.dispose();
    const dim = y.shape[1];
    let d: Float32Array;
    try {
      d = (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
    for (let k = 0; k * dim < d.length; k++) {
      const row = d.slice(k * dim, (k + 1) * dim);
      if (row.some((v) => !Number.isFinite(v))) {
        const exam = set.exams[Math.floor((i + k) / per)];
        throw new TrainingError(what, `non-finite ${fn === identity ? 'features' : 'outputs'} for exam ${exam?.id ?? '?'} (the encoder's weights hold NaN/Inf, or the learning rate is too high)`);
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The identity feature map (for {@link perClip}). */
export const identity = (f: tf.Tensor2D): tf.Tensor2D => f;

/** Mean-pooled encoder features of each exam (evaluation mode, clips averaged), `[exams][featureDim]`; read back asynchronously. */
export async function embedExams(encoder: VideoResNet, set: ExamClips, batch: number, what: string): Promise<Float32Array[]> {
  const rows = await perClip(encoder, set, batch, what, identity);
  const per = set.clips[0]?.length ?? 1;
  return set.clips.map((_, e) => {
    const m = new Float32Array(rows[0]?.length ?? 0);
    for (let c = 0; c < per; c++) (rows[e * per + c] as Float32Array).forEach((v, j) => (m[j] = (m[j] as number) + v / per));
    return m;
  });
}
