import { join } from 'node:path';
import * as vio from '@byolmed3d/video-io';
import { Rng, deriveSeed } from '../util/rng.js';

/** A clip: float32 frames `[T, H, W, C]` (augment3d's `Clip`). */
export interface Clip {
  /** Values in C order. */
  data: Float32Array;
  /** `[T, H, W, C]`. */
  shape: [number, number, number, number];
}

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
  /** The task whose label file lists the exam. */
  task: string;
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

const datasets = new Map<string, vio.MRNetDataset>();

/** video-io's MRNetDataset for one split and plane (cached per root, split, plane and task). */
export function mrnetDataset(root: string, split: 'train' | 'valid', plane: string, task: string): vio.MRNetDataset {
  const key = `${root}|${split}|${plane}|${task}`;
  let ds = datasets.get(key);
  if (!ds) {
    ds = new vio.MRNetDataset(root, { split, planes: [plane as vio.MRNetPlane], task: task as vio.MRNetTask });
    datasets.set(key, ds);
  }
  return ds;
}

function readLabels(root: string, split: 'train' | 'valid', task: string): ExamRef[] {
  const ds = mrnetDataset(root, split, 'sagittal', task);
  return ds.ids.map((id, i) => ({ id, split, label: ds.labels[i] ?? 0, index: i, task }));
}

/**
 * Lists the exams of an MRNet-layout folder for `task` and splits MRNet's
 * train into train/val (stratified by label, seeded; `valFraction` held out)
 * with the official valid split as test.
 */
export function makeSplits(root: string, task: string, valFraction: number, seed: number): ExperimentSplits {
  const all = readLabels(root, 'train', task);
  const test = readLabels(root, 'valid', task);
  const rng = new Rng(deriveSeed(seed, 'split'));
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
  const keep = new Rng(deriveSeed(seed, 'imbalance')).shuffle([...pos]).slice(0, want);
  return [...neg, ...keep].sort((a, b) => a.id.localeCompare(b.id));
}

/** Path of an exam's `.npy` in a plane. */
export function examPath(root: string, exam: ExamRef, plane: string): string {
  return join(root, exam.split, plane, `${exam.id}.npy`);
}

/** Bilinear in-plane resize of a `[T, H, W, 1]` volume to `size x size` (align-corners false). */
export function resizeFrames(vol: Clip, size: number): Clip {
  const [t, h, w, c] = vol.shape;
  if (h === size && w === size) return vol;
  const out = new Float32Array(t * size * size * c);
  const sy = h / size, sx = w / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(h - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(w - 1, x0 + 1), wx = fx - x0;
      for (let f = 0; f < t; f++) {
        const base = f * h * w;
        for (let k = 0; k < c; k++) {
          const a = vol.data[(base + y0 * w + x0) * c + k] as number, b = vol.data[(base + y0 * w + x1) * c + k] as number;
          const d = vol.data[(base + y1 * w + x0) * c + k] as number, e = vol.data[(base + y1 * w + x1) * c + k] as number;
          out[((f * size + y) * size + x) * c + k] = (1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * d + wx * e);
        }
      }
    }
  }
  return { data: out, shape: [t, size, size, c] };
}

/** MRNet intensity normalisation (mean and std of uint8 MRNet voxels, as in Bien et al.'s code). */
export const MRNET_MEAN = 58.09;
/** See {@link MRNET_MEAN}. */
export const MRNET_STD = 49.73;

/** Normalises an exam volume (any dtype) to `[T, H, W, 1]` float32 with the MRNet statistics, resized in-plane when `resize` > 0. */
export function volumeToClip(video: vio.MedicalVideo, resize: number): Clip {
  const [t, h, w, c] = video.shape as [number, number, number, number];
  const n = t * h * w;
  const data = new Float32Array(n);
  // Grey: the first channel of a multi-channel volume.
  for (let i = 0; i < n; i++) data[i] = (Number(video.data[i * c]) - MRNET_MEAN) / MRNET_STD;
  const vol: Clip = { data, shape: [t, h, w, 1] };
  return resize > 0 ? resizeFrames(vol, resize) : vol;
}

/** Reads exams with a bounded in-memory cache; unreadable exams are reported, not fatal (unless `strict`). */
export class ExamStore {
  private readonly cache = new Map<string, Clip>();
  private bytes = 0;
  /** Exams that could not be read: path and reason. */
  readonly bad = new Map<string, string>();

  /**
   * @param root dataset root
   * @param plane MRNet plane folder
   * @param resize in-plane size (0: keep)
   * @param cacheMB cache budget
   * @param strict rethrow read errors
   * @param onWarn called once per unreadable exam
   */
  constructor(
    readonly root: string,
    readonly plane: string,
    readonly resize: number,
    readonly cacheMB: number,
    readonly strict: boolean,
    readonly onWarn: (msg: string) => void,
  ) {}

  /** The exam's volume, or null when it cannot be read (warned once). */
  async get(exam: ExamRef): Promise<Clip | null> {
    const path = examPath(this.root, exam, this.plane);
    const hit = this.cache.get(path);
    if (hit) return hit;
    if (this.bad.has(path)) return null;
    try {
      // The MRNet code path of video-io (the same for the demo set and real MRNet).
      const sample = await mrnetDataset(this.root, exam.split, this.plane, exam.task).get(exam.index);
      const vol = volumeToClip(sample.video, this.resize);
      if (this.bytes + vol.data.byteLength <= this.cacheMB * 1024 * 1024) {
        this.cache.set(path, vol);
        this.bytes += vol.data.byteLength;
      }
      return vol;
    } catch (err) {
      if (this.strict) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      this.bad.set(path, msg);
      this.onWarn(`skipping unreadable exam ${path}: ${msg}`);
      return null;
    }
  }
}

/**
 * `n` frame indices for a window of `frames` frames starting at `start`
 * (clamped; short volumes repeat their last frame).
 */
function frameIndices(t: number, frames: number, start: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < frames; i++) out.push(Math.min(t - 1, Math.max(0, start + i)));
  return out;
}

/** Cuts a clip of `frames` frames from `start` and a `crop` square at (y0, x0), optionally flipped left-right, with `channels` channels. */
export function cutClip(vol: Clip, frames: number, start: number, crop: number, y0: number, x0: number, flip: boolean, channels: number): Clip {
  const [t, h, w] = vol.shape;
  const idx = frameIndices(t, frames, start);
  const out = new Float32Array(frames * crop * crop * channels);
  for (let f = 0; f < frames; f++) {
    const src = (idx[f] as number) * h * w;
    for (let y = 0; y < crop; y++) {
      const yy = Math.min(h - 1, Math.max(0, y0 + y));
      for (let x = 0; x < crop; x++) {
        const xx = Math.min(w - 1, Math.max(0, flip ? x0 + crop - 1 - x : x0 + x));
        const v = vol.data[src + yy * w + xx] as number;
        const o = ((f * crop + y) * crop + x) * channels;
        for (let k = 0; k < channels; k++) out[o + k] = v;
      }
    }
  }
  return { data: out, shape: [frames, crop, crop, channels] };
}

/**
 * The deterministic test-time clips of an exam: `count` temporal windows
 * spread evenly over the slices (the middle one when `count` is 1), centre
 * crop.
 */
export function evalClips(vol: Clip, frames: number, crop: number, channels: number, count: number): Clip[] {
  const [t, h, w] = vol.shape;
  const span = Math.max(0, t - frames);
  const out: Clip[] = [];
  for (let i = 0; i < count; i++) {
    const start = count === 1 ? Math.floor(span / 2) : Math.round((span * (i + 1)) / (count + 1));
    out.push(cutClip(vol, frames, start, crop, Math.floor((h - crop) / 2), Math.floor((w - crop) / 2), false, channels));
  }
  return out;
}

/** A light training augmentation for supervised fine-tuning: random window, random crop, random flip. */
export function trainClip(vol: Clip, frames: number, crop: number, channels: number, rng: Rng): Clip {
  const [t, h, w] = vol.shape;
  const span = Math.max(0, t - frames);
  // Windows near the middle of the stack (where the cruciates are in sagittal MRI).
  const start = Math.round(span / 2 + (rng.next() - 0.5) * span * 0.5);
  const y0 = rng.int(0, Math.max(0, h - crop));
  const x0 = rng.int(0, Math.max(0, w - crop));
  return cutClip(vol, frames, start, crop, y0, x0, false, channels);
}

/** A batch of clips. */
export interface ClipBatch {
  /** Values, C order. */
  data: Float32Array;
  /** `[N, T, H, W, C]`. */
  shape: [number, number, number, number, number];
}

/** Stacks clips into one `[N, T, H, W, C]` buffer. */
export function stackClips(clips: Clip[]): ClipBatch {
  const first = clips[0];
  if (!first) throw new RangeError('stackClips: no clips');
  const per = first.data.length;
  const data = new Float32Array(per * clips.length);
  clips.forEach((c, i) => {
    if (c.data.length !== per) throw new RangeError(`stackClips: clip ${i} has shape [${c.shape.join(', ')}], expected [${first.shape.join(', ')}]`);
    data.set(c.data, i * per);
  });
  return { data, shape: [clips.length, ...first.shape] };
}
