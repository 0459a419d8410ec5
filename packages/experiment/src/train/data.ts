import {
  CenterCrop,
  Compose,
  Normalize,
  RandSpatialCrop,
  RandTemporalSample,
  RepeatChannels,
  Resize,
  selectFrames,
  type Clip,
  type Transform,
} from '@byolmed3d/augment3d';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '@byolmed3d/util';
import { MRNetDataset, SubsetDataset, VideoReadError, toFloat32Clip, type DatasetSample, type MRNetPlane, type MRNetTask } from '@byolmed3d/video-io';
import type { ExperimentConfig } from '../config/schema.js';

export type { Clip } from '@byolmed3d/augment3d';

/** One exam of an MRNet-layout dataset. */
export interface ExamRef {
  /** Exam id, e.g. `0042`. */
  id: string;
  /** `train` or `valid` (the MRNet folder). */
  split: 'train' | 'valid';
  /** Label of the chosen task (0/1). */
  label: number;
  /** Index of the exam in video-io's `MRNetDataset` of its split and task. */
  index: number;
}

/** Train/validation/test exams of one task, split as the reference experiment does. */
export interface ExperimentSplits {
  /** Train exams minus the held-out part (pretraining and downstream training). */
  train: ExamRef[];
  /** Held-out part of MRNet train (seeded, stratified): model selection. */
  val: ExamRef[];
  /** The official MRNet valid split, used as the test set. */
  test: ExamRef[];
}

/** MRNet intensity normalisation: mean of uint8 MRNet voxels (Bien et al.'s code). */
export const MRNET_MEAN = 58.09;
/** See {@link MRNET_MEAN}: standard deviation. */
export const MRNET_STD = 49.73;

/** The MRNet statistics on [0, 1] intensities: the one normalisation of every clip (views, training and evaluation clips). */
export const MRNET_NORMALIZE = { mean: MRNET_MEAN / 255, std: MRNET_STD / 255 } as const;

/** Smallest exam accepted (T, H, W): two slices of 8 x 8 pixels (the smallest crop). */
export const MIN_EXAM_SHAPE: [number, number, number] = [2, 8, 8];

function mrnet(root: string, split: 'train' | 'valid', plane: string, task: string, maxMB?: number): MRNetDataset {
  // video-io refuses, naming the file, volumes that are too large (from the header, before inflating), empty,
  // smaller than MIN_EXAM_SHAPE or non-finite, and files outside the root: loaders skip them as unreadable exams.
  const readOptions = { minShape: MIN_EXAM_SHAPE, requireFinite: true, ...(maxMB ? { maxBytes: maxMB * 1024 * 1024 } : {}) };
  return new MRNetDataset(root, { split, planes: [plane as MRNetPlane], task: task as MRNetTask, readOptions });
}

function readLabels(root: string, split: 'train' | 'valid', task: string): ExamRef[] {
  const ds = mrnet(root, split, 'sagittal', task);
  return ds.ids.map((id, i) => ({ id, split, label: ds.labels[i] ?? 0, index: i }));
}

/**
 * Lists the exams of an MRNet-layout folder for `task` and splits MRNet's
 * train into train/val (stratified by label, seeded; `valFraction` held out)
 * with the official valid split as test.
 */
export function makeSplits(root: string, task: string, valFraction: number, seed: number): ExperimentSplits {
  const all = readLabels(root, 'train', task);
  const test = readLabels(root, 'valid', task);
  const rng = new Random(seed).fork('split');
  const val: ExamRef[] = [];
  const train: ExamRef[] = [];
  for (const cls of [0, 1]) {
    const group = rng.shuffle(all.filter((e) => e.label === cls));
    const nVal = Math.max(group.length >= 2 ? 1 : 0, Math.round(group.length * valFraction));
    val.push(...group.slice(0, nVal));
    train.push(...group.slice(nVal));
  }
  const byId = (a: ExamRef, b: ExamRef): number => a.id.localeCompare(b.id);
  return { train: train.sort(byId), val: val.sort(byId), test };
}

/**
 * Subsamples the positives of `exams` so they make `fraction` of the result
 * (the imbalance sweep); seeded. `fraction` 0 keeps everything.
 */
export function subsamplePositives(exams: ExamRef[], fraction: number, seed: number): ExamRef[] {
  if (fraction <= 0) return exams;
  const pos = exams.filter((e) => e.label === 1);
  const neg = exams.filter((e) => e.label === 0);
  const want = Math.max(1, Math.round((fraction * neg.length) / (1 - fraction)));
  if (want >= pos.length) return exams;
  const keep = new Random(seed).fork('imbalance').shuffle([...pos]).slice(0, want);
  return [...neg, ...keep].sort((a, b) => a.id.localeCompare(b.id));
}

/** The exams `exams` (all of one MRNet split) of the configured plane as a video-io dataset (a `SubsetDataset` of `MRNetDataset`). */
export function examDataset(cfg: ExperimentConfig, exams: readonly ExamRef[]): SubsetDataset {
  const root = cfg.data.root as string;
  const split = exams[0]?.split ?? 'train';
  if (exams.some((e) => e.split !== split)) throw new RangeError('examDataset: exams of one split only');
  return new SubsetDataset(mrnet(root, split, cfg.data.plane, cfg.data.task, cfg.data.maxMB), exams.map((e) => e.index));
}

/** The file of a dataset sample (for messages). */
function fileOf(s: DatasetSample): string {
  const src = s.video.meta.source;
  return typeof src === 'string' ? src : s.id;
}

/**
 * An exam as a grey `[T, H, W, 1]` clip of [0, 1] intensities (uint8 / 255;
 * the first channel of a multi-channel volume), resized in-plane when
 * `data.resize` > 0. (Empty, tiny and non-finite volumes were refused by
 * video-io when the exam was read; a value that overflows here is refused
 * too, naming the file.)
 */
export function examClip(sample: DatasetSample, resize: number): Clip {
  const v = sample.video;
  const [t, h, w, c] = v.shape;
  const full = toFloat32Clip(v);
  const n = t * h * w;
  const data = new Float32Array(n);
  const scale = v.dtype === 'uint8' ? 1 / 255 : 1;
  for (let i = 0; i < n; i++) data[i] = (full.data[i * c] as number) * scale;
  const bad = data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new VideoReadError(fileOf(sample), v.format, `voxel ${bad} does not fit float32 (${data[bad]})`);
  const clip: Clip = { data, shape: [t, h, w, 1] };
  return resize > 0 && (h !== resize || w !== resize) ? new Resize({ size: resize }).call(clip) : clip;
}

/** Frame indices of `count` windows of `frames` frames spread evenly over `t` slices (the middle one when `count` is 1); short stacks repeat their last frame. */
export function evalWindows(t: number, frames: number, count: number): number[][] {
  const span = Math.max(0, t - frames);
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const start = count === 1 ? Math.floor(span / 2) : Math.round((span * (i + 1)) / (count + 1));
    out.push(Array.from({ length: frames }, (_, f) => Math.min(t - 1, start + f)));
  }
  return out;
}

/**
 * The deterministic test-time clips of an exam clip ({@link examClip}):
 * `data.testClips` windows ({@link evalWindows}), each centre-cropped to
 * `data.crop` (augment3d `CenterCrop`), repeated to `data.channels` and
 * normalised with {@link MRNET_NORMALIZE}.
 */
export function evalClips(clip: Clip, cfg: ExperimentConfig): Clip[] {
  const { frames, crop, channels, testClips } = cfg.data;
  const post = new Compose([new CenterCrop({ size: crop }), ...(channels > 1 ? [new RepeatChannels(channels)] : []), new Normalize(MRNET_NORMALIZE)]);
  return evalWindows(clip.shape[0], frames, testClips).map((idx) => post.call(selectFrames(clip, idx)));
}

/**
 * The supervised training augmentation (augment3d): a random window of
 * `data.frames` slices, a random `data.crop` crop, channels, normalisation.
 * Seed it per clip with `setSeed`.
 */
export function trainTransform(cfg: ExperimentConfig): Transform {
  const { frames, crop, channels } = cfg.data;
  return new Compose([
    new RandTemporalSample({ frames, mode: 'contiguous' }),
    new RandSpatialCrop({ size: crop }),
    ...(channels > 1 ? [new RepeatChannels(channels)] : []),
    new Normalize(MRNET_NORMALIZE),
  ]);
}

/** Stacks equally shaped clips into one `[N, T, H, W, C]` tensor (the caller owns it). */
export function stackClips(clips: readonly Clip[]): tf.Tensor5D {
  const first = clips[0];
  if (!first) throw new RangeError('stackClips: no clips');
  const per = first.data.length;
  const data = new Float32Array(per * clips.length);
  clips.forEach((c, i) => {
    if (c.data.length !== per) throw new RangeError(`stackClips: clip ${i} has shape [${c.shape.join(', ')}], expected [${first.shape.join(', ')}]`);
    data.set(c.data, i * per);
  });
  return tf.tensor5d(data, [clips.length, ...first.shape]);
}
