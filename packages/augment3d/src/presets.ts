import * as tf from '@tensorflow/tfjs-core';
import type { Clip } from './clip.js';
import { RandGaussianBlur } from './blur.js';
import { RandColorJitter, RandGrayscale, RandSolarize, RepeatChannels } from './color.js';
import type { NormalizeOptions } from './intensity.js';
import { Normalize, ScaleIntensity, ZScore } from './intensity.js';
import { RandomState } from './random.js';
import { CenterCrop, RandFlip, RandomResizedCrop, Resize } from './spatial.js';
import type { TemporalMode } from './temporal.js';
import { RandTemporalSample, TemporalSample } from './temporal.js';
import type { ParamsLogEntry, Transform } from './transform.js';
import { Compose } from './transform.js';

/** ImageNet channel means (torchvision). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
/** ImageNet channel standard deviations (torchvision). */
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** Kinetics-400 channel means of torchvision's video models. */
export const KINETICS_MEAN = [0.43216, 0.394666, 0.37645] as const;
/** Kinetics-400 channel standard deviations of torchvision's video models. */
export const KINETICS_STD = [0.22803, 0.22145, 0.216989] as const;

/** Final intensity step: per-clip z-score, fixed mean/std, or nothing. */
export type NormalizeChoice = 'zscore' | 'imagenet' | 'kinetics' | 'none' | NormalizeOptions;

function normalizeStep(choice: NormalizeChoice): Transform[] {
  if (choice === 'none') return [];
  if (choice === 'zscore') return [new ZScore({ channelWise: true })];
  if (choice === 'imagenet') return [new Normalize({ mean: IMAGENET_MEAN, std: IMAGENET_STD })];
  if (choice === 'kinetics') return [new Normalize({ mean: KINETICS_MEAN, std: KINETICS_STD })];
  return [new Normalize(choice)];
}

/** Parameters of one `sample` call, for logging. */
export interface TwoViewLog {
  /** Steps shared by both views (shared frame choice, input scaling). */
  shared: ParamsLogEntry[];
  /** Steps of view 1. */
  view1: ParamsLogEntry[];
  /** Steps of view 2. */
  view2: ParamsLogEntry[];
}

/**
 * Two augmentation pipelines over one input: `sample(clip)` runs the shared
 * steps once, then each view's steps, and returns both views. One seed (the
 * constructor's or `setSeed`'s) seeds all three parts.
 */
export class TwoViewPipeline {
  /** Steps run once per clip before the views split. */
  readonly shared: Compose;
  /** First view's steps. */
  readonly view1: Compose;
  /** Second view's steps. */
  readonly view2: Compose;

  /**
   * @param shared steps before the split
   * @param view1 first view
   * @param view2 second view
   * @param seed seed of the whole pipeline; default 0
   */
  constructor(shared: Compose, view1: Compose, view2: Compose, seed = 0) {
    this.shared = shared;
    this.view1 = view1;
    this.view2 = view2;
    this.setSeed(seed);
  }

  /** Re-seeds the shared part and both views from one seed. */
  setSeed(seed: number): this {
    const r = new RandomState(seed);
    this.shared.setSeed(r.uint32());
    this.view1.setSeed(r.uint32());
    this.view2.setSeed(r.uint32());
    return this;
  }

  /** Two augmented views of one clip (typed arrays). */
  sample(clip: Clip): [Clip, Clip] {
    const s = this.shared.call(clip);
    return [this.view1.call(s), this.view2.call(s)];
  }

  /**
   * Two augmented views of a `[N, T, H, W, C]` batch, one draw per clip (the
   * same draws as calling `sample` clip by clip with the same seed). The
   * caller owns both tensors.
   */
  sampleBatch(x: tf.Tensor5D): [tf.Tensor5D, tf.Tensor5D] {
    const s = this.shared.callTensor(x);
    try {
      return [this.view1.callTensor(s), this.view2.callTensor(s)];
    } finally {
      s.dispose();
    }
  }

  /** The parameters drawn for the last clip. */
  paramsLog(): TwoViewLog {
    return { shared: this.shared.paramsLog(), view1: this.view1.paramsLog(), view2: this.view2.paramsLog() };
  }
}

/** How the 16 frames of the two views are chosen. */
export interface TemporalChoice {
  /** Frames per view; default 16. */
  frames?: number;
  /** Sampling mode of view 1 (and of the shared choice); default `contiguous` (the seed paper's pretraining). */
  mode?: TemporalMode;
  /**
   * `same`: both views see the same frames (chosen once, before the split);
   * otherwise view 2 chooses its own frames with this mode, e.g. `subset`
   * (the seed code's variant). Default `same`.
   */
  view2Mode?: 'same' | TemporalMode;
  /** Frame step for `contiguous` windows; default 1. */
  stride?: number;
}

/** Colour-jitter settings of a preset (torchvision number form). */
export interface JitterSettings {
  /** Brightness strength (0.4 in both presets). */
  brightness?: number;
  /** Contrast strength (0.4 in both presets). */
  contrast?: number;
  /** Saturation strength (0.2 in both presets). */
  saturation?: number;
  /** Hue strength (0.1 in both presets). */
  hue?: number;
  /** Probability of jittering a view (0.8 in both presets). */
  prob?: number;
}

/** Gaussian-blur settings of a preset. */
export interface BlurSettings {
  /** Sigma range ([0.8, 2.0] BYOLMed3D, [0.1, 2.0] BYOL). */
  sigma?: readonly [number, number];
  /** Odd kernel size, or `auto` for 2 ceil(3 sigma) + 1 (23 in both presets). */
  kernelSize?: number | 'auto';
  /** Probability for view 1 and view 2 ([0.6, 0.4] BYOLMed3D, [1.0, 0.1] BYOL). */
  prob?: readonly [number, number];
  /** 2 in-plane (default), 3 also across frames. */
  dims?: 2 | 3;
}

/** Options common to both presets. */
export interface ViewPresetOptions {
  /** Output in-plane size; default 224. */
  size?: number;
  /** Frames per view; default 16. Shorthand for `temporal.frames`. */
  frames?: number;
  /** Frame choice; default contiguous window shared by both views. */
  temporal?: TemporalChoice;
  /** Multiply the input first (e.g. `1 / 255` for MRNet's 0-255 slices); default 1 (input already in [0, 1]). */
  inputScale?: number;
  /** Repeat one-channel input to 3 channels first (the seed code does); default true. */
  toRgb?: boolean;
  /** Range of the crop area fraction of `RandomResizedCrop`. */
  scale?: readonly [number, number];
  /** Range of the crop aspect ratio; default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  /** Colour jitter strengths (torchvision form) and probability; unset fields keep the preset's values. */
  jitter?: JitterSettings;
  /** Gaussian blur settings; unset fields keep the preset's values. */
  blur?: BlurSettings;
  /** Last step. */
  normalize?: NormalizeChoice;
  /** Seed of the pipeline; default 0. */
  seed?: number;
}

interface ResolvedViews {
  size: number;
  frames: number;
  mode: TemporalMode;
  view2Mode: 'same' | TemporalMode;
  stride: number;
  inputScale: number;
  toRgb: boolean;
  scale: readonly [number, number];
  ratio: readonly [number, number];
  jitter: { brightness: number; contrast: number; saturation: number; hue: number; prob: number };
  blur: { sigma: readonly [number, number]; kernelSize: number | 'auto'; prob: readonly [number, number]; dims: 2 | 3 };
  normalize: NormalizeChoice;
  seed: number;
}

function resolve(o: ViewPresetOptions, d: Omit<ResolvedViews, 'frames' | 'mode' | 'view2Mode' | 'stride' | 'inputScale' | 'toRgb' | 'seed' | 'size'>): ResolvedViews {
  return {
    size: o.size ?? 224,
    frames: o.temporal?.frames ?? o.frames ?? 16,
    mode: o.temporal?.mode ?? 'contiguous',
    view2Mode: o.temporal?.view2Mode ?? 'same',
    stride: o.temporal?.stride ?? 1,
    inputScale: o.inputScale ?? 1,
    toRgb: o.toRgb ?? true,
    scale: o.scale ?? d.scale,
    ratio: o.ratio ?? d.ratio,
    jitter: { ...d.jitter, ...o.jitter },
    blur: { ...d.blur, ...o.blur },
    normalize: o.normalize ?? d.normalize,
    seed: o.seed ?? 0,
  };
}

// Frame choice and input scaling run before anything else, and the crop
// before the grey -> RGB repeat, so no step touches more voxels than needed
// (the result is the same as repeating first: every step so far is
// channel-independent).
function sharedSteps(r: ResolvedViews): Transform[] {
  const steps: Transform[] = [];
  if (r.view2Mode === 'same') steps.push(new RandTemporalSample({ frames: r.frames, mode: r.mode, stride: r.stride }));
  if (r.inputScale !== 1) steps.push(new ScaleIntensity({ scale: r.inputScale }));
  return steps;
}

function viewTemporal(r: ResolvedViews, view: 1 | 2): Transform[] {
  if (r.view2Mode === 'same') return [];
  const mode = view === 1 ? r.mode : r.view2Mode;
  return [new RandTemporalSample({ frames: r.frames, mode, stride: r.stride })];
}

function rgbStep(r: ResolvedViews): Transform[] {
  return r.toRgb ? [new RepeatChannels(3)] : [];
}

function blurStep(r: ResolvedViews, view: 1 | 2): Transform[] {
  const prob = r.blur.prob[view - 1] ?? 0;
  if (prob <= 0) return [];
  const kernelSize = r.blur.kernelSize === 'auto' ? undefined : r.blur.kernelSize;
  return [new RandGaussianBlur({ sigma: r.blur.sigma, kernelSize, dims: r.blur.dims, prob })];
}

function jitterStep(r: ResolvedViews): Transform[] {
  const j = r.jitter;
  if (j.prob <= 0 || (j.brightness === 0 && j.contrast === 0 && j.saturation === 0 && j.hue === 0)) return [];
  return [new RandColorJitter({ brightness: j.brightness, contrast: j.contrast, saturation: j.saturation, hue: j.hue, prob: j.prob })];
}

/**
 * The seed paper's (BYOLMed3D) two asymmetric views. Defaults: grey
 * repeated to 3 channels, a contiguous 16-frame window shared by both views,
 * then per view `RandomResizedCrop(224, scale [0.5, 1])`, colour jitter
 * (0.4, 0.4, 0.2, 0.1) with p 0.8, gaussian blur (kernel 23, sigma 0.8-2.0)
 * with p 0.6 (view 1) and 0.4 (view 2), no flips, per-clip z-score per
 * channel. Every draw applies to all frames of a clip.
 */
export function byolMed3dViews(options: ViewPresetOptions = {}): TwoViewPipeline {
  const r = resolve(options, {
    scale: [0.5, 1],
    ratio: [3 / 4, 4 / 3],
    jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, prob: 0.8 },
    blur: { sigma: [0.8, 2.0], kernelSize: 23, prob: [0.6, 0.4], dims: 2 },
    normalize: 'zscore',
  });
  const view = (v: 1 | 2) =>
    new Compose(
      [...viewTemporal(r, v), new RandomResizedCrop({ size: r.size, scale: r.scale, ratio: r.ratio }), ...rgbStep(r), ...jitterStep(r), ...blurStep(r, v), ...normalizeStep(r.normalize)],
      { name: `byolMed3d.view${v}` },
    );
  return new TwoViewPipeline(new Compose(sharedSteps(r), { name: 'byolMed3d.shared' }), view(1), view(2), r.seed);
}

/** Options of `byolViews`: the common ones plus BYOL's flip, greyscale and solarisation. */
export interface ByolViewsOptions extends ViewPresetOptions {
  /** Horizontal flip probability; default 0.5. */
  flipProb?: number;
  /** Random greyscale probability; default 0.2. */
  grayscaleProb?: number;
  /** Solarisation probability per view; default [0, 0.2]. */
  solarizeProb?: readonly [number, number];
}

/**
 * The original BYOL views (Grill et al. 2020, table 6) on clips:
 * `RandomResizedCrop(224, scale [0.08, 1])`, horizontal flip p 0.5, colour
 * jitter (0.4, 0.4, 0.2, 0.1) p 0.8, greyscale p 0.2, gaussian blur (sigma
 * 0.1-2.0, kernel 23) p 1.0 / 0.1, solarisation p 0 / 0.2, ImageNet
 * normalisation; a shared contiguous 16-frame window.
 */
export function byolViews(options: ByolViewsOptions = {}): TwoViewPipeline {
  const r = resolve(options, {
    scale: [0.08, 1],
    ratio: [3 / 4, 4 / 3],
    jitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, prob: 0.8 },
    blur: { sigma: [0.1, 2.0], kernelSize: 23, prob: [1.0, 0.1], dims: 2 },
    normalize: 'imagenet',
  });
  const flipProb = options.flipProb ?? 0.5;
  const grayProb = options.grayscaleProb ?? 0.2;
  const solar = options.solarizeProb ?? [0, 0.2];
  const view = (v: 1 | 2) => {
    const steps: Transform[] = [...viewTemporal(r, v), new RandomResizedCrop({ size: r.size, scale: r.scale, ratio: r.ratio }), ...rgbStep(r)];
    if (flipProb > 0) steps.push(new RandFlip({ axes: ['w'], prob: flipProb }));
    steps.push(...jitterStep(r));
    if (grayProb > 0) steps.push(new RandGrayscale({ prob: grayProb }));
    steps.push(...blurStep(r, v));
    const sp = solar[v - 1] ?? 0;
    if (sp > 0) steps.push(new RandSolarize({ prob: sp, threshold: 0.5 }));
    steps.push(...normalizeStep(r.normalize));
    return new Compose(steps, { name: `byol.view${v}` });
  };
  return new TwoViewPipeline(new Compose(sharedSteps(r), { name: 'byol.shared' }), view(1), view(2), r.seed);
}

/** Options of `evalTransform`. */
export interface EvalTransformOptions {
  /** Output in-plane size; default 224. */
  size?: number;
  /** Output frames; default 16. */
  frames?: number;
  /**
   * Frame choice; default `center`. `subset` is random (the seed code's test
   * protocol draws 5 random sorted subsets per exam and averages); `linspace`
   * spreads frames over the whole clip.
   */
  temporalMode?: TemporalMode;
  /** Frame step of `center` (and random `contiguous`) windows; default 1. */
  stride?: number;
  /** `resize` the whole frame to size x size (default), or `center-crop`: resize the shorter side to size / cropFraction then centre-crop. */
  spatial?: 'resize' | 'center-crop';
  /** Crop fraction for `center-crop`; default 0.875. */
  cropFraction?: number;
  /** Multiply the input first; default 1. */
  inputScale?: number;
  /** Repeat grey to 3 channels; default true. */
  toRgb?: boolean;
  /** Last step; default `zscore`. */
  normalize?: NormalizeChoice;
  /** Seed (only random temporal modes use it); default 0. */
  seed?: number;
}

/**
 * The evaluation transform matching the presets: frame choice, resize (or
 * resize + centre crop), the same channel and normalisation steps, no
 * augmentation. A `Compose`: `call(clip)` or `callTensor(batch)`.
 */
export function evalTransform(options: EvalTransformOptions = {}): Compose {
  const size = options.size ?? 224;
  const frames = options.frames ?? 16;
  const mode = options.temporalMode ?? 'center';
  const stride = options.stride ?? 1;
  const steps: Transform[] = [];
  steps.push(mode === 'center' || mode === 'linspace' ? new TemporalSample({ frames, mode, stride }) : new RandTemporalSample({ frames, mode, stride }));
  if ((options.inputScale ?? 1) !== 1) steps.push(new ScaleIntensity({ scale: options.inputScale }));
  if ((options.spatial ?? 'resize') === 'resize') steps.push(new Resize({ size }));
  else {
    steps.push(new Resize({ size: Math.round(size / (options.cropFraction ?? 0.875)), shorterSide: true }));
    steps.push(new CenterCrop({ size }));
  }
  if (options.toRgb ?? true) steps.push(new RepeatChannels(3));
  steps.push(...normalizeStep(options.normalize ?? 'zscore'));
  return new Compose(steps, { name: 'eval', seed: options.seed ?? 0 });
}
