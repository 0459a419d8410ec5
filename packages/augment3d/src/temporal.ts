import * as tf from '@tensorflow/tfjs-core';
import type { Clip, ClipShape } from './clip.js';
import { check } from './errors.js';
import { gatherMap, resampleAxis, resampleAxisTensor } from './resample.js';
import type { RandomState } from './random.js';
import type { Applied, RandomOptions } from './transform.js';
import { DeterministicTransform, RandomTransform } from './transform.js';

/**
 * How `frames` frames are chosen from a clip of T:
 * - `contiguous`: a window of consecutive frames (every `stride`-th) at a random start
 *   (the seed paper's pretraining clips);
 * - `uniform`: evenly spaced over the whole clip with a random phase (`floor(o + i * T / frames)`);
 * - `subset`: a random sorted subset without replacement (the paper's fine-tuning clips);
 * - `center`: the centred window (deterministic);
 * - `linspace`: evenly spaced from first to last frame (deterministic).
 *
 * Clips shorter than needed repeat their last frame (`contiguous`, `center`)
 * or sample with replacement (`subset`).
 */
export type TemporalMode = 'contiguous' | 'uniform' | 'subset' | 'center' | 'linspace';

/**
 * The frame indices for one clip of `T` frames. Deterministic modes ignore
 * `rng`.
 */
export function sampleFrameIndices(T: number, frames: number, mode: TemporalMode, rng: RandomState | undefined, stride = 1): number[] {
  check(Number.isInteger(frames) && frames > 0, 'sampleFrameIndices', () => `frames must be a positive integer, got ${frames}`);
  check(Number.isInteger(stride) && stride > 0, 'sampleFrameIndices', () => `stride must be a positive integer, got ${stride}`);
  const need = (name: string): RandomState => {
    check(rng !== undefined, 'sampleFrameIndices', () => `mode '${name}' needs a generator`);
    return rng;
  };
  const span = (frames - 1) * stride + 1;
  switch (mode) {
    case 'contiguous': {
      const r = need(mode);
      const start = T >= span ? r.int(T - span + 1) : 0;
      return Array.from({ length: frames }, (_, i) => Math.min(start + i * stride, T - 1));
    }
    case 'center': {
      const start = T >= span ? Math.floor((T - span) / 2) : 0;
      return Array.from({ length: frames }, (_, i) => Math.min(start + i * stride, T - 1));
    }
    case 'uniform': {
      const r = need(mode);
      const step = T / frames;
      const o = r.uniform(0, step);
      return Array.from({ length: frames }, (_, i) => Math.min(Math.floor(o + i * step), T - 1));
    }
    case 'linspace':
      if (frames === 1) return [Math.floor((T - 1) / 2)];
      return Array.from({ length: frames }, (_, i) => Math.round((i * (T - 1)) / (frames - 1)));
    case 'subset': {
      const r = need(mode);
      if (T >= frames) return r.sortedSubset(T, frames);
      return Array.from({ length: frames }, () => r.int(T)).sort((a, b) => a - b);
    }
    default:
      throw new RangeError(`unknown temporal mode '${String(mode)}'`);
  }
}

/** Options of `TemporalSample` and `RandTemporalSample`. */
export interface TemporalSampleOptions {
  /** Output frame count, e.g. 16. */
  frames: number;
  /** How frames are chosen; default `contiguous` (random) or `center` (deterministic). */
  mode?: TemporalMode;
  /** Step between chosen frames in `contiguous` and `center` modes; default 1. */
  stride?: number;
}

/** Parameters of a temporal sampling draw. */
export interface FrameIndexParams extends Applied {
  /** Source frame of each output frame. */
  indices: number[];
}

/** Picks frames by index (the op behind the temporal transforms). */
export function selectFrames(clip: Clip, indices: readonly number[]): Clip {
  for (const i of indices) check(Number.isInteger(i) && i >= 0 && i < clip.shape[0], 'selectFrames', () => `frame ${i} outside [0, ${clip.shape[0]})`);
  return resampleAxis(clip, 0, gatherMap(indices));
}

/** Tensor version of `selectFrames`. */
export function selectFramesTensor(x: tf.Tensor5D, indices: readonly number[]): tf.Tensor5D {
  return resampleAxisTensor(x, 0, gatherMap(indices));
}

/** Deterministic frame choice (`center` or `linspace`), e.g. for evaluation. */
export class TemporalSample extends DeterministicTransform<FrameIndexParams> {
  /** `'TemporalSample'`. */
  readonly name = 'TemporalSample';
  private readonly frames: number;
  private readonly mode: TemporalMode;
  private readonly stride: number;

  /** @param options frames, mode (`center` default or `linspace`), stride */
  constructor(options: TemporalSampleOptions) {
    super();
    this.frames = options.frames;
    this.mode = options.mode ?? 'center';
    this.stride = options.stride ?? 1;
    check(this.mode === 'center' || this.mode === 'linspace', this.name, () => `mode '${this.mode}' is random: use RandTemporalSample`);
  }

  protected params(shape: ClipShape): FrameIndexParams {
    return { applied: true, indices: sampleFrameIndices(shape[0], this.frames, this.mode, undefined, this.stride) };
  }

  /** `[frames, H, W, C]`. */
  outputShape(shape: ClipShape, p: FrameIndexParams): ClipShape {
    return [p.indices.length, shape[1], shape[2], shape[3]];
  }

  protected applyClip(clip: Clip, p: FrameIndexParams): Clip {
    return selectFrames(clip, p.indices);
  }

  protected override applyTensor(x: tf.Tensor5D, p: FrameIndexParams): tf.Tensor5D {
    return selectFramesTensor(x, p.indices);
  }
}

/**
 * Base of the random transforms that draw a list of source frames
 * (`RandTemporalSample`, `RandTemporalReverse`): the output has one frame
 * per drawn index, picked by `selectFrames` / `selectFramesTensor`.
 */
export abstract class RandFrameIndexTransform extends RandomTransform<FrameIndexParams> {
  /** `[indices.length, H, W, C]` when applied, else unchanged. */
  override outputShape(shape: ClipShape, p: FrameIndexParams): ClipShape {
    return p.applied ? [p.indices.length, shape[1], shape[2], shape[3]] : shape;
  }

  protected applyDrawn(clip: Clip, p: FrameIndexParams): Clip {
    return selectFrames(clip, p.indices);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: FrameIndexParams): tf.Tensor5D {
    return selectFramesTensor(x, p.indices);
  }
}

/** Random frame choice: `contiguous` window, `uniform` stride with random phase, or random sorted `subset`. */
export class RandTemporalSample extends RandFrameIndexTransform {
  /** `'RandTemporalSample'`. */
  readonly name = 'RandTemporalSample';
  private readonly frames: number;
  private readonly mode: TemporalMode;
  private readonly stride: number;

  /** @param options frames, mode (default `contiguous`), stride, seed */
  constructor(options: TemporalSampleOptions & RandomOptions) {
    super({ seed: options.seed, prob: 1 });
    this.frames = options.frames;
    this.mode = options.mode ?? 'contiguous';
    this.stride = options.stride ?? 1;
  }

  protected draw(shape: ClipShape): FrameIndexParams {
    return { applied: true, indices: sampleFrameIndices(shape[0], this.frames, this.mode, this.rng, this.stride) };
  }
}

/** Reverses the frame order with probability prob (default 0.5). */
export class RandTemporalReverse extends RandFrameIndexTransform {
  /** `'RandTemporalReverse'`. */
  readonly name = 'RandTemporalReverse';

  /** @param options prob (default 0.5), seed */
  constructor(options: RandomOptions = {}) {
    super(options, 0.5);
  }

  protected draw(shape: ClipShape): FrameIndexParams {
    return { applied: true, indices: Array.from({ length: shape[0] }, (_, i) => shape[0] - 1 - i) };
  }
}

/** Options of `RandFrameDropout`. */
export interface FrameDropoutOptions extends RandomOptions {
  /** Probability that each frame is dropped; default 0.1. At least one frame is always kept. */
  rate?: number;
  /** `zero` blanks dropped frames, `repeat` replaces them by the previous kept frame (the next one at the start); default `zero`. */
  mode?: 'zero' | 'repeat';
}

/** Parameters of a `RandFrameDropout` draw. */
export interface FrameDropoutParams extends Applied {
  /** Dropped frames. */
  dropped: number[];
}

/** Drops random frames (blank or repeat the previous one); one coin per frame. */
export class RandFrameDropout extends RandomTransform<FrameDropoutParams> {
  /** `'RandFrameDropout'`. */
  readonly name = 'RandFrameDropout';
  private readonly rate: number;
  private readonly mode: 'zero' | 'repeat';

  /** @param options rate (default 0.1), mode (default `zero`), prob (default 1), seed */
  constructor(options: FrameDropoutOptions = {}) {
    super(options, 1);
    this.rate = options.rate ?? 0.1;
    this.mode = options.mode ?? 'zero';
    check(this.rate >= 0 && this.rate < 1, this.name, () => `rate must be in [0, 1), got ${this.rate}`);
  }

  protected draw(shape: ClipShape): FrameDropoutParams {
    const T = shape[0];
    let dropped: number[] = [];
    for (let t = 0; t < T; t++) if (this.rng.next() < this.rate) dropped.push(t);
    if (dropped.length === T) {
      const keep = this.rng.int(T);
      dropped = dropped.filter((t) => t !== keep);
    }
    return { applied: dropped.length > 0, dropped };
  }

  private repeatIndices(T: number, dropped: readonly number[]): number[] {
    const isDropped = new Uint8Array(T);
    for (const t of dropped) isDropped[t] = 1;
    const idx: number[] = [];
    let last = -1;
    for (let t = 0; t < T; t++) {
      if (!isDropped[t]) last = t;
      idx.push(last);
    }
    const firstKept = idx.find((i) => i >= 0) ?? 0;
    return idx.map((i) => (i < 0 ? firstKept : i));
  }

  protected applyDrawn(clip: Clip, p: FrameDropoutParams): Clip {
    if (this.mode === 'repeat') return selectFrames(clip, this.repeatIndices(clip.shape[0], p.dropped));
    const [T, H, W, C] = clip.shape;
    const frame = H * W * C;
    const out = clip.data.slice();
    for (const t of p.dropped) if (t < T) out.fill(0, t * frame, (t + 1) * frame);
    return { data: out, shape: [...clip.shape] as ClipShape };
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: FrameDropoutParams): tf.Tensor5D {
    const T = x.shape[1];
    if (this.mode === 'repeat') return selectFramesTensor(x, this.repeatIndices(T, p.dropped));
    const mask = new Float32Array(T).fill(1);
    for (const t of p.dropped) mask[t] = 0;
    return tf.tidy(() => tf.mul(x, tf.tensor(mask, [1, T, 1, 1, 1])));
  }
}
