import type * as tf from '@tensorflow/tfjs-core';
import type { Clip, ClipShape } from './clip.js';
import { check } from './errors.js';
import type { AxisMap } from './resample.js';
import { gatherMap, linearMap, nearestMap, resampleAxes, resampleAxesTensor } from './resample.js';
import type { Applied, RandomOptions } from './transform.js';
import { DeterministicTransform, RandomTransform } from './transform.js';

/** A clip axis by name: `t` frames (slices), `h` rows, `w` columns. */
export type ClipAxis = 't' | 'h' | 'w';

/** Index of a clip axis in `[T, H, W, C]`. */
export function axisIndex(axis: ClipAxis): number {
  return axis === 't' ? 0 : axis === 'h' ? 1 : 2;
}

/** An in-plane size: one number for a square, or `[height, width]`. */
export type Size2D = number | readonly [number, number];

/** `[height, width]` of a `Size2D`. */
export function size2d(size: Size2D, transform: string): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  check(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0, transform, () => `size must be positive integers, got ${String(size)}`);
  return [h, w];
}

/** A box in a clip: frames `[t0, t0 + frames)`, rows `[top, top + height)`, columns `[left, left + width)`. */
export interface CropBox {
  /** First frame; default 0. */
  t0?: number;
  /** Number of frames; default all. */
  frames?: number;
  /** First row. */
  top: number;
  /** First column. */
  left: number;
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
}

function cropMaps(shape: ClipShape, box: CropBox, name: string): [number, AxisMap][] {
  const [T, H, W] = shape;
  const t0 = box.t0 ?? 0;
  const frames = box.frames ?? T - t0;
  check(t0 >= 0 && frames > 0 && t0 + frames <= T, name, () => `frames [${t0}, ${t0 + frames}) outside [0, ${T})`);
  check(box.top >= 0 && box.height > 0 && box.top + box.height <= H, name, () => `rows [${box.top}, ${box.top + box.height}) outside [0, ${H})`);
  check(box.left >= 0 && box.width > 0 && box.left + box.width <= W, name, () => `columns [${box.left}, ${box.left + box.width}) outside [0, ${W})`);
  const range = (a: number, n: number) => gatherMap(Array.from({ length: n }, (_, i) => a + i));
  return [
    [0, range(t0, frames)],
    [1, range(box.top, box.height)],
    [2, range(box.left, box.width)],
  ];
}

/** Crops `clip` to `box` (a copy; all channels). */
export function cropClip(clip: Clip, box: CropBox): Clip {
  return resampleAxes(clip, cropMaps(clip.shape, box, 'cropClip'));
}

/** Tensor version of `cropClip` on `[N, T, H, W, C]`. */
export function cropTensor(x: tf.Tensor5D, box: CropBox): tf.Tensor5D {
  return resampleAxesTensor(x, cropMaps(x.shape.slice(1) as ClipShape, box, 'cropTensor'));
}

/** Interpolation of `Resize` and `RandomResizedCrop`. */
export type ResizeMode = 'bilinear' | 'trilinear' | 'nearest';

/**
 * Resamples the window `box` of a clip to `[frames, height, width]`:
 * `bilinear` interpolates rows and columns of each frame (frames are picked,
 * not blended, so `frames` must equal the box's frame count), `trilinear`
 * also interpolates between frames, `nearest` picks voxels. PyTorch's
 * `align_corners=False` convention; no antialiasing (torchvision's tensor
 * default in 0.14).
 */
export function resizeMaps(shape: ClipShape, box: CropBox, out: [frames: number, height: number, width: number], mode: ResizeMode, name: string): [number, AxisMap][] {
  cropMaps(shape, box, name);
  const t0 = box.t0 ?? 0;
  const frames = box.frames ?? shape[0] - t0;
  const [oT, oH, oW] = out;
  check(mode === 'trilinear' || mode === 'nearest' || oT === frames, name, () => `mode '${mode}' keeps the frame count (${frames}); use 'trilinear' to resample frames to ${oT}`);
  const lin = mode === 'nearest' ? nearestMap : linearMap;
  const tMap = mode === 'trilinear' ? linearMap(oT, t0, frames) : mode === 'nearest' ? nearestMap(oT, t0, frames) : gatherMap(Array.from({ length: oT }, (_, i) => t0 + i));
  const maps: [number, AxisMap][] = [
    [0, tMap],
    [1, lin(oH, box.top, box.height)],
    [2, lin(oW, box.left, box.width)],
  ];
  // Shrinking axes first keeps the intermediate clips small.
  const ratio = (m: [number, AxisMap]) => m[1].i0.length / (m[0] === 0 ? frames : m[0] === 1 ? box.height : box.width);
  return maps.sort((a, b) => ratio(a) - ratio(b));
}

/** Options of `CenterCrop`. */
export interface CenterCropOptions {
  /** Output in-plane size. */
  size: Size2D;
  /** Output frame count (a centred window of frames); default all frames. */
  frames?: number;
}

/**
 * Crops the centre of every frame (torchvision `CenterCrop` rounding: top =
 * round((H - h) / 2)); optionally a centred window of frames too.
 */
export class CenterCrop extends DeterministicTransform<CropBox> {
  /** `'CenterCrop'`. */
  readonly name = 'CenterCrop';
  private readonly size: [number, number];
  private readonly frames: number | undefined;

  /** @param options output size (and frames) */
  constructor(options: CenterCropOptions) {
    super();
    this.size = size2d(options.size, this.name);
    this.frames = options.frames;
  }

  protected params(shape: ClipShape): CropBox {
    const [T, H, W] = shape;
    const [h, w] = this.size;
    const frames = this.frames ?? T;
    check(h <= H && w <= W && frames <= T, this.name, () => `crop ${frames}x${h}x${w} larger than clip ${T}x${H}x${W}`);
    return { t0: Math.floor((T - frames) / 2), frames, top: Math.round((H - h) / 2), left: Math.round((W - w) / 2), height: h, width: w };
  }

  /** `[frames, h, w, C]`. */
  outputShape(shape: ClipShape, p: CropBox): ClipShape {
    return [p.frames ?? shape[0], p.height, p.width, shape[3]];
  }

  protected applyClip(clip: Clip, p: CropBox): Clip {
    return cropClip(clip, p);
  }

  protected override applyTensor(x: tf.Tensor5D, p: CropBox): tf.Tensor5D {
    return cropTensor(x, p);
  }
}

/** Crops a fixed box (the deterministic op behind `RandSpatialCrop`). */
export class SpatialCrop extends DeterministicTransform<CropBox> {
  /** `'SpatialCrop'`. */
  readonly name = 'SpatialCrop';
  /** The box. */
  readonly box: CropBox;

  /** @param box the box to keep */
  constructor(box: CropBox) {
    super();
    this.box = box;
  }

  protected params(_shape: ClipShape): CropBox {
    return this.box;
  }

  /** Box size. */
  outputShape(shape: ClipShape, p: CropBox): ClipShape {
    return [p.frames ?? shape[0] - (p.t0 ?? 0), p.height, p.width, shape[3]];
  }

  protected applyClip(clip: Clip, p: CropBox): Clip {
    return cropClip(clip, p);
  }

  protected override applyTensor(x: tf.Tensor5D, p: CropBox): tf.Tensor5D {
    return cropTensor(x, p);
  }
}

/** Options of `RandSpatialCrop`. */
export interface RandSpatialCropOptions extends RandomOptions {
  /** Output in-plane size. */
  size: Size2D;
  /** Output frame count (a random window); default all frames. */
  frames?: number;
}

/** Parameters of a crop draw. */
export interface CropParams extends Applied, CropBox {}

/** Crops a box of fixed size at a uniformly random position (MONAI `RandSpatialCrop`, fixed size). prob is always 1. */
export class RandSpatialCrop extends RandomTransform<CropParams> {
  /** `'RandSpatialCrop'`. */
  readonly name = 'RandSpatialCrop';
  private readonly size: [number, number];
  private readonly frames: number | undefined;

  /** @param options size, frames, seed */
  constructor(options: RandSpatialCropOptions) {
    super({ seed: options.seed, prob: 1 });
    this.size = size2d(options.size, this.name);
    this.frames = options.frames;
  }

  protected draw(shape: ClipShape): CropParams {
    const [T, H, W] = shape;
    const [h, w] = this.size;
    const frames = this.frames ?? T;
    check(h <= H && w <= W && frames <= T, this.name, () => `crop ${frames}x${h}x${w} larger than clip ${T}x${H}x${W}`);
    return { applied: true, t0: this.rng.int(T - frames + 1), frames, top: this.rng.int(H - h + 1), left: this.rng.int(W - w + 1), height: h, width: w };
  }

  /** Crop size. */
  override outputShape(shape: ClipShape, p: CropParams): ClipShape {
    return [p.frames ?? shape[0], p.height, p.width, shape[3]];
  }

  protected applyDrawn(clip: Clip, p: CropParams): Clip {
    return cropClip(clip, p);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: CropParams): tf.Tensor5D {
    return cropTensor(x, p);
  }
}

/** Options of `Resize`. */
export interface ResizeOptions {
  /** Output in-plane size; with `shorterSide` a number sets the shorter side and keeps the aspect ratio (torchvision `Resize(int)`). */
  size: Size2D;
  /** Output frame count; only with mode `trilinear` or `nearest`; default unchanged. */
  frames?: number;
  /** Interpolation; default `bilinear` (per frame). */
  mode?: ResizeMode;
  /** Interpret a numeric size as the shorter side; default false (square output). */
  shorterSide?: boolean;
}

/** Parameters of `Resize`: the output `[frames, height, width]`. */
export interface ResizeParams {
  /** Output frames. */
  frames: number;
  /** Output rows. */
  height: number;
  /** Output columns. */
  width: number;
}

/** Resizes clips: bilinear per frame, trilinear over frames too, or nearest. */
export class Resize extends DeterministicTransform<ResizeParams> {
  /** `'Resize'`. */
  readonly name = 'Resize';
  private readonly options: ResizeOptions;
  private readonly mode: ResizeMode;

  /** @param options size, frames, mode */
  constructor(options: ResizeOptions) {
    super();
    this.options = options;
    this.mode = options.mode ?? 'bilinear';
    size2d(options.size, this.name);
    check(options.frames === undefined || this.mode !== 'bilinear', this.name, () => "frames needs mode 'trilinear' or 'nearest'");
  }

  protected params(shape: ClipShape): ResizeParams {
    const [T, H, W] = shape;
    const frames = this.options.frames ?? T;
    const size = this.options.size;
    if (typeof size === 'number' && this.options.shorterSide) {
      // torchvision: the shorter edge becomes `size`, the longer int(size * long / short).
      if (H <= W) return { frames, height: size, width: Math.floor((size * W) / H) };
      return { frames, height: Math.floor((size * H) / W), width: size };
    }
    const [h, w] = size2d(size, this.name);
    return { frames, height: h, width: w };
  }

  /** `[frames, height, width, C]`. */
  outputShape(shape: ClipShape, p: ResizeParams): ClipShape {
    return [p.frames, p.height, p.width, shape[3]];
  }

  private maps(shape: ClipShape, p: ResizeParams) {
    return resizeMaps(shape, { top: 0, left: 0, height: shape[1], width: shape[2] }, [p.frames, p.height, p.width], this.mode, this.name);
  }

  protected applyClip(clip: Clip, p: ResizeParams): Clip {
    return resampleAxes(clip, this.maps(clip.shape, p));
  }

  protected override applyTensor(x: tf.Tensor5D, p: ResizeParams): tf.Tensor5D {
    return resampleAxesTensor(x, this.maps(x.shape.slice(1) as ClipShape, p));
  }
}

/** Options of `RandomResizedCrop` (torchvision semantics). */
export interface RandomResizedCropOptions extends RandomOptions {
  /** Output in-plane size, e.g. 224. */
  size: Size2D;
  /** Range of the crop area as a fraction of the frame; default [0.08, 1]. */
  scale?: readonly [number, number];
  /** Range of the crop aspect ratio w/h (sampled log-uniformly); default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  /** Interpolation; default `bilinear`. */
  mode?: 'bilinear' | 'nearest';
}

/** Parameters of a `RandomResizedCrop` draw: the box in input pixels (same for every frame). */
export interface ResizedCropParams extends Applied {
  /** First row of the box. */
  top: number;
  /** First column of the box. */
  left: number;
  /** Rows of the box. */
  height: number;
  /** Columns of the box. */
  width: number;
}

/** Python's round (half to even), as torchvision's `get_params` uses. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's `RandomResizedCrop`: a box of random area (`scale`) and
 * aspect (`ratio`, log-uniform), ten tries then a centre-crop fallback,
 * resized to `size`. One box for all frames of a clip.
 */
export class RandomResizedCrop extends RandomTransform<ResizedCropParams> {
  /** `'RandomResizedCrop'`. */
  readonly name = 'RandomResizedCrop';
  private readonly size: [number, number];
  private readonly scale: readonly [number, number];
  private readonly ratio: readonly [number, number];
  private readonly mode: 'bilinear' | 'nearest';

  /** @param options size, scale, ratio, seed */
  constructor(options: RandomResizedCropOptions) {
    super({ seed: options.seed, prob: 1 });
    this.size = size2d(options.size, this.name);
    this.scale = options.scale ?? [0.08, 1];
    this.ratio = options.ratio ?? [3 / 4, 4 / 3];
    this.mode = options.mode ?? 'bilinear';
    check(this.scale[0] > 0 && this.scale[0] <= this.scale[1], this.name, () => `bad scale range [${this.scale.join(', ')}]`);
    check(this.ratio[0] > 0 && this.ratio[0] <= this.ratio[1], this.name, () => `bad ratio range [${this.ratio.join(', ')}]`);
  }

  protected draw(shape: ClipShape): ResizedCropParams {
    const [, H, W] = shape;
    const area = H * W;
    const lr0 = Math.log(this.ratio[0]);
    const lr1 = Math.log(this.ratio[1]);
    for (let k = 0; k < 10; k++) {
      const target = area * this.rng.uniform(this.scale[0], this.scale[1]);
      const aspect = Math.exp(this.rng.uniform(lr0, lr1));
      const w = roundHalfEven(Math.sqrt(target * aspect));
      const h = roundHalfEven(Math.sqrt(target / aspect));
      if (w > 0 && w <= W && h > 0 && h <= H) {
        return { applied: true, top: this.rng.int(H - h + 1), left: this.rng.int(W - w + 1), height: h, width: w };
      }
    }
    const inRatio = W / H;
    let w: number;
    let h: number;
    if (inRatio < this.ratio[0]) {
      w = W;
      h = roundHalfEven(w / this.ratio[0]);
    } else if (inRatio > this.ratio[1]) {
      h = H;
      w = roundHalfEven(h * this.ratio[1]);
    } else {
      w = W;
      h = H;
    }
    return { applied: true, top: Math.floor((H - h) / 2), left: Math.floor((W - w) / 2), height: h, width: w };
  }

  /** `[T, size, C]`. */
  override outputShape(shape: ClipShape, _p: ResizedCropParams): ClipShape {
    return [shape[0], this.size[0], this.size[1], shape[3]];
  }

  private maps(shape: ClipShape, p: ResizedCropParams) {
    return resizeMaps(shape, p, [shape[0], this.size[0], this.size[1]], this.mode, this.name);
  }

  protected applyDrawn(clip: Clip, p: ResizedCropParams): Clip {
    return resampleAxes(clip, this.maps(clip.shape, p));
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: ResizedCropParams): tf.Tensor5D {
    return resampleAxesTensor(x, this.maps(x.shape.slice(1) as ClipShape, p));
  }
}

function flipMaps(shape: ClipShape, axes: readonly ClipAxis[]): [number, AxisMap][] {
  return axes.map((a) => {
    const i = axisIndex(a);
    const n = shape[i] as number;
    return [i, gatherMap(Array.from({ length: n }, (_, j) => n - 1 - j))] as [number, AxisMap];
  });
}

/** Reverses `clip` along each of `axes`. */
export function flipClip(clip: Clip, axes: readonly ClipAxis[]): Clip {
  return resampleAxes(clip, flipMaps(clip.shape, axes));
}

/** Tensor version of `flipClip` on `[N, T, H, W, C]` (a reversed `tf.gather`). */
export function flipTensor(x: tf.Tensor5D, axes: readonly ClipAxis[]): tf.Tensor5D {
  return resampleAxesTensor(x, flipMaps(x.shape.slice(1) as ClipShape, axes));
}

/** Flips along fixed axes (`t` reverses time). */
export class Flip extends DeterministicTransform<readonly ClipAxis[]> {
  /** `'Flip'`. */
  readonly name = 'Flip';
  /** The axes flipped. */
  readonly axes: readonly ClipAxis[];

  /** @param axes axes to flip, default `['w']` (horizontal) */
  constructor(axes: readonly ClipAxis[] = ['w']) {
    super();
    this.axes = axes;
  }

  protected params(_shape: ClipShape): readonly ClipAxis[] {
    return this.axes;
  }

  /** Unchanged. */
  outputShape(shape: ClipShape): ClipShape {
    return shape;
  }

  protected applyClip(clip: Clip, axes: readonly ClipAxis[]): Clip {
    return flipClip(clip, axes);
  }

  protected override applyTensor(x: tf.Tensor5D, axes: readonly ClipAxis[]): tf.Tensor5D {
    return flipTensor(x, axes);
  }
}

/** Options of `RandFlip`. */
export interface RandFlipOptions extends RandomOptions {
  /** Candidate axes; default `['w']` (torchvision `RandomHorizontalFlip`). */
  axes?: readonly ClipAxis[];
  /** Flip each axis on its own coin (true) or all together on one coin (false, MONAI `RandFlip`); default false. prob default 0.5. */
  independent?: boolean;
}

/** Parameters of a `RandFlip` draw. */
export interface FlipParams extends Applied {
  /** Axes flipped for this clip. */
  axes: ClipAxis[];
}

/** Random flips (default prob 0.5). */
export class RandFlip extends RandomTransform<FlipParams> {
  /** `'RandFlip'`. */
  readonly name = 'RandFlip';
  private readonly axes: readonly ClipAxis[];
  private readonly independent: boolean;
  private readonly axisProb: number;

  /** @param options axes, independent, prob (default 0.5), seed */
  constructor(options: RandFlipOptions = {}) {
    super(options.independent ? { seed: options.seed, prob: 1 } : options, 0.5);
    this.axes = options.axes ?? ['w'];
    this.independent = options.independent ?? false;
    this.axisProb = options.prob ?? 0.5;
  }

  protected draw(_shape: ClipShape): FlipParams {
    if (!this.independent) return { applied: true, axes: [...this.axes] };
    const axes = this.axes.filter(() => this.rng.next() < this.axisProb);
    return { applied: axes.length > 0, axes };
  }

  protected applyDrawn(clip: Clip, p: FlipParams): Clip {
    return flipClip(clip, p.axes);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: FlipParams): tf.Tensor5D {
    return flipTensor(x, p.axes);
  }
}
