import * as tf from '@tensorflow/tfjs-core';
import type { Clip, ClipShape } from './clip.js';
import { check } from './errors.js';
import type { Applied, RandomOptions } from './transform.js';
import { DeterministicTransform, RandomTransform } from './transform.js';
import { whereSameShape } from './where.js';

/** ITU-R 601 luma weights used by torchvision's `rgb_to_grayscale`. */
export const GRAY_WEIGHTS = [0.2989, 0.587, 0.114] as const;

const same = (clip: Clip, data: Float32Array): Clip => ({ data, shape: [...clip.shape] as ClipShape });

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function brightnessInPlace(d: Float32Array, factor: number, clamp: boolean): void {
  if (clamp) for (let i = 0; i < d.length; i++) d[i] = clamp01((d[i] as number) * factor);
  else for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) * factor;
}

/** Contrast on one frame `d` (H * W * C values): blend with the mean of its greyscale. */
function contrastInPlace(d: Float32Array, C: number, factor: number, clamp: boolean): void {
  let s = 0;
  if (C === 3) {
    for (let i = 0; i < d.length; i += 3) s += Math.fround(GRAY_WEIGHTS[0] * (d[i] as number) + GRAY_WEIGHTS[1] * (d[i + 1] as number) + GRAY_WEIGHTS[2] * (d[i + 2] as number));
    s /= d.length / 3;
  } else {
    for (let i = 0; i < d.length; i++) s += d[i] as number;
    s /= d.length;
  }
  const m = (1 - factor) * s;
  for (let i = 0; i < d.length; i++) {
    const v = factor * (d[i] as number) + m;
    d[i] = clamp ? clamp01(v) : v;
  }
}

function saturationInPlace(d: Float32Array, factor: number, clamp: boolean): void {
  const f1 = 1 - factor;
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i] as number;
    const g = d[i + 1] as number;
    const b = d[i + 2] as number;
    const gray = f1 * Math.fround(GRAY_WEIGHTS[0] * r + GRAY_WEIGHTS[1] * g + GRAY_WEIGHTS[2] * b);
    const vr = factor * r + gray;
    const vg = factor * g + gray;
    const vb = factor * b + gray;
    d[i] = clamp ? clamp01(vr) : vr;
    d[i + 1] = clamp ? clamp01(vg) : vg;
    d[i + 2] = clamp ? clamp01(vb) : vb;
  }
}

function hueInPlace(d: Float32Array, factor: number): void {
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i] as number;
    const g = d[i + 1] as number;
    const b = d[i + 2] as number;
    const maxc = r > g ? (r > b ? r : b) : g > b ? g : b;
    const minc = r < g ? (r < b ? r : b) : g < b ? g : b;
    const eq = maxc === minc;
    const cr = maxc - minc;
    const s = cr / (eq ? 1 : maxc);
    const div = eq ? 1 : cr;
    const rc = (maxc - r) / div;
    const gc = (maxc - g) / div;
    const bc = (maxc - b) / div;
    let h: number;
    if (maxc === r) h = bc - gc;
    else if (maxc === g) h = 2 + rc - bc;
    else h = 4 + gc - rc;
    h = (h / 6 + 1) % 1;
    h = (h + factor) % 1;
    if (h < 0) h += 1;
    const v = maxc;
    const i6 = Math.floor(h * 6);
    const f = h * 6 - i6;
    const p = clamp01(v * (1 - s));
    const q = clamp01(v * (1 - s * f));
    const t = clamp01(v * (1 - s * (1 - f)));
    switch (((i6 % 6) + 6) % 6) {
      case 0: d[i] = v; d[i + 1] = t; d[i + 2] = p; break;
      case 1: d[i] = q; d[i + 1] = v; d[i + 2] = p; break;
      case 2: d[i] = p; d[i + 1] = v; d[i + 2] = t; break;
      case 3: d[i] = p; d[i + 1] = q; d[i + 2] = v; break;
      case 4: d[i] = t; d[i + 1] = p; d[i + 2] = v; break;
      default: d[i] = v; d[i + 1] = p; d[i + 2] = q; break;
    }
  }
}

/** torchvision `adjust_brightness` on every frame: `x * factor`, clamped to [0, 1] when `clamp`. */
export function adjustBrightness(clip: Clip, factor: number, clamp = true): Clip {
  const out = clip.data.slice();
  brightnessInPlace(out, factor, clamp);
  return same(clip, out);
}

/**
 * torchvision `adjust_contrast` on every frame: blends each frame with the
 * mean of its greyscale version (per frame, as torchvision does for a
 * `[T, C, H, W]` batch), clamped to [0, 1] when `clamp`.
 */
export function adjustContrastRgb(clip: Clip, factor: number, clamp = true): Clip {
  const [T, H, W, C] = clip.shape;
  const out = clip.data.slice();
  const frame = H * W * C;
  for (let t = 0; t < T; t++) contrastInPlace(out.subarray(t * frame, (t + 1) * frame), C, factor, clamp);
  return same(clip, out);
}

/** torchvision `adjust_saturation` on every frame (blend with per-pixel greyscale); identity for one channel. */
export function adjustSaturation(clip: Clip, factor: number, clamp = true): Clip {
  const C = clip.shape[3];
  if (C === 1) return clip;
  check(C === 3, 'adjustSaturation', () => `needs 1 or 3 channels, got ${C}`);
  const out = clip.data.slice();
  saturationInPlace(out, factor, clamp);
  return same(clip, out);
}

/** torchvision `adjust_hue` (RGB -> HSV, shift hue by `factor` in [-0.5, 0.5], back); identity for one channel. */
export function adjustHue(clip: Clip, factor: number): Clip {
  const C = clip.shape[3];
  if (C === 1) return clip;
  check(C === 3, 'adjustHue', () => `needs 1 or 3 channels, got ${C}`);
  check(factor >= -0.5 && factor <= 0.5, 'adjustHue', () => `hue factor must be in [-0.5, 0.5], got ${factor}`);
  const out = clip.data.slice();
  hueInPlace(out, factor);
  return same(clip, out);
}

function grayTensor(x: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => tf.sum(tf.mul(x, tf.tensor1d([...GRAY_WEIGHTS])), 4, true) as tf.Tensor5D);
}

function blendTensor(a: tf.Tensor, b: tf.Tensor, factor: number, clamp: boolean): tf.Tensor5D {
  return tf.tidy(() => {
    const y = tf.add(tf.mul(a, factor), tf.mul(b, 1 - factor));
    return (clamp ? tf.clipByValue(y, 0, 1) : y) as tf.Tensor5D;
  });
}

/** Tensor versions of the four colour adjustments (same semantics as the typed-array functions). */
export const colorTensorOps = {
  /** See `adjustBrightness`. */
  brightness(x: tf.Tensor5D, f: number, clamp = true): tf.Tensor5D {
    return tf.tidy(() => blendTensor(x, tf.zerosLike(x), f, clamp));
  },
  /** See `adjustContrastRgb`. */
  contrast(x: tf.Tensor5D, f: number, clamp = true): tf.Tensor5D {
    return tf.tidy(() => {
      const g = x.shape[4] === 3 ? grayTensor(x) : x;
      return blendTensor(x, tf.mean(g, [2, 3, 4], true), f, clamp);
    });
  },
  /** See `adjustSaturation`. */
  saturation(x: tf.Tensor5D, f: number, clamp = true): tf.Tensor5D {
    if (x.shape[4] === 1) return tf.clone(x);
    return tf.tidy(() => blendTensor(x, grayTensor(x), f, clamp));
  },
  /** See `adjustHue`. */
  hue(x: tf.Tensor5D, f: number): tf.Tensor5D {
    if (x.shape[4] === 1) return tf.clone(x);
    return tf.tidy(() => {
      const [r, g, b] = tf.split(x, 3, 4) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const maxc = tf.max(x, 4, true);
      const minc = tf.min(x, 4, true);
      const eqc = tf.equal(maxc, minc);
      const cr = tf.sub(maxc, minc);
      const ones = tf.onesLike(maxc);
      const s = tf.div(cr, whereSameShape(eqc, ones, maxc));
      const div = whereSameShape(eqc, ones, cr);
      const rc = tf.div(tf.sub(maxc, r), div);
      const gc = tf.div(tf.sub(maxc, g), div);
      const bc = tf.div(tf.sub(maxc, b), div);
      const isR = tf.equal(maxc, r);
      const isG = tf.logicalAnd(tf.equal(maxc, g), tf.logicalNot(isR));
      const hr = tf.sub(bc, gc);
      const hg = tf.add(2, tf.sub(rc, bc));
      const hb = tf.add(4, tf.sub(gc, rc));
      let h = whereSameShape(isR, hr, whereSameShape(isG, hg, hb));
      h = tf.mod(tf.add(tf.div(h, 6), 1), 1);
      h = tf.mod(tf.add(h, f), 1);
      const v = maxc;
      const h6 = tf.mul(h, 6);
      const i = tf.floor(h6);
      const fr = tf.sub(h6, i);
      const p = tf.clipByValue(tf.mul(v, tf.sub(1, s)), 0, 1);
      const q = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, fr))), 0, 1);
      const t = tf.clipByValue(tf.mul(v, tf.sub(1, tf.mul(s, tf.sub(1, fr)))), 0, 1);
      const im = tf.mod(i, 6);
      const pick = (vals: tf.Tensor[]) => vals.reduce((acc, val, k) => whereSameShape(tf.equal(im, k), val, acc), tf.zerosLike(v));
      const R = pick([v, q, p, p, t, v]);
      const G = pick([t, v, v, q, p, p]);
      const B = pick([p, p, t, v, v, q]);
      return tf.concat([R, G, B], 4) as tf.Tensor5D;
    });
  },
};

/** A jitter strength: torchvision's number form (`b` -> [max(0, 1 - b), 1 + b], hue `h` -> [-h, h]) or an explicit range. */
export type JitterRange = number | readonly [number, number];

/** Options of `RandColorJitter` (torchvision `ColorJitter`). */
export interface ColorJitterOptions extends RandomOptions {
  /** Brightness strength; default 0 (off). */
  brightness?: JitterRange;
  /** Contrast strength; default 0 (off). */
  contrast?: JitterRange;
  /** Saturation strength (no effect on one channel); default 0 (off). */
  saturation?: JitterRange;
  /** Hue strength, at most 0.5 (no effect on one channel); default 0 (off). */
  hue?: JitterRange;
  /** Clamp to [0, 1] after each step as torchvision does for float images; default true. */
  clamp?: boolean;
}

/** Parameters of a colour-jitter draw (torchvision `ColorJitter.get_params`). */
export interface ColorJitterParams extends Applied {
  /** Order of the four adjustments: 0 brightness, 1 contrast, 2 saturation, 3 hue. */
  order: number[];
  /** Brightness factor, if enabled. */
  brightness?: number;
  /** Contrast factor, if enabled. */
  contrast?: number;
  /** Saturation factor, if enabled. */
  saturation?: number;
  /** Hue shift, if enabled. */
  hue?: number;
}

function jitterRange(v: JitterRange | undefined, center: number, name: string): [number, number] | undefined {
  if (v === undefined) return undefined;
  let r: [number, number];
  if (typeof v === 'number') {
    check(v >= 0, 'RandColorJitter', () => `${name} must be non-negative, got ${v}`);
    r = center === 0 ? [-v, v] : [Math.max(0, center - v), center + v];
  } else r = [v[0], v[1]];
  check(r[0] <= r[1], 'RandColorJitter', () => `${name} range [${r.join(', ')}] is empty`);
  if (r[0] === center && r[1] === center) return undefined;
  return r;
}

/**
 * Applies colour-jitter parameters (any subset, in their order) to a clip,
 * frame by frame (all steps on a frame while it is in cache).
 */
export function colorJitter(clip: Clip, p: Omit<ColorJitterParams, 'applied'>, clamp = true): Clip {
  const [T, H, W, C] = clip.shape;
  check(C === 1 || C === 3, 'colorJitter', () => `needs 1 or 3 channels, got ${C}`);
  if (p.hue !== undefined) check(p.hue >= -0.5 && p.hue <= 0.5, 'colorJitter', () => `hue factor must be in [-0.5, 0.5], got ${String(p.hue)}`);
  const out = clip.data.slice();
  const frame = H * W * C;
  for (let t = 0; t < T; t++) {
    const d = out.subarray(t * frame, (t + 1) * frame);
    for (const k of p.order) {
      if (k === 0 && p.brightness !== undefined) brightnessInPlace(d, p.brightness, clamp);
      else if (k === 1 && p.contrast !== undefined) contrastInPlace(d, C, p.contrast, clamp);
      else if (k === 2 && p.saturation !== undefined && C === 3) saturationInPlace(d, p.saturation, clamp);
      else if (k === 3 && p.hue !== undefined && C === 3) hueInPlace(d, p.hue);
    }
  }
  return same(clip, out);
}

/** Tensor version of `colorJitter`. */
export function colorJitterTensor(x: tf.Tensor5D, p: Omit<ColorJitterParams, 'applied'>, clamp = true): tf.Tensor5D {
  return tf.tidy(() => {
    let y: tf.Tensor5D = x;
    for (const k of p.order) {
      if (k === 0 && p.brightness !== undefined) y = colorTensorOps.brightness(y, p.brightness, clamp);
      else if (k === 1 && p.contrast !== undefined) y = colorTensorOps.contrast(y, p.contrast, clamp);
      else if (k === 2 && p.saturation !== undefined) y = colorTensorOps.saturation(y, p.saturation, clamp);
      else if (k === 3 && p.hue !== undefined) y = colorTensorOps.hue(y, p.hue);
    }
    return y === x ? tf.clone(x) : y;
  });
}

/**
 * torchvision's `ColorJitter` for clips: one set of factors and one random
 * order per clip, applied to every frame. On one-channel clips only
 * brightness and contrast act (as in torchvision). Default prob 1; the
 * presets wrap it with prob 0.8 (torchvision `RandomApply`).
 */
export class RandColorJitter extends RandomTransform<ColorJitterParams> {
  /** `'RandColorJitter'`. */
  readonly name = 'RandColorJitter';
  private readonly ranges: (readonly [number, number] | undefined)[];
  private readonly clamp: boolean;

  /** @param options brightness, contrast, saturation, hue, clamp, prob, seed */
  constructor(options: ColorJitterOptions = {}) {
    super(options);
    this.ranges = [
      jitterRange(options.brightness, 1, 'brightness'),
      jitterRange(options.contrast, 1, 'contrast'),
      jitterRange(options.saturation, 1, 'saturation'),
      jitterRange(options.hue, 0, 'hue'),
    ];
    const h = this.ranges[3];
    check(h === undefined || (h[0] >= -0.5 && h[1] <= 0.5), this.name, () => 'hue range must lie in [-0.5, 0.5]');
    this.clamp = options.clamp ?? true;
  }

  protected draw(): ColorJitterParams {
    const order = this.rng.permutation(4);
    const draw = (r: readonly [number, number] | undefined) => (r === undefined ? undefined : this.rng.uniform(r[0], r[1]));
    const p: ColorJitterParams = { applied: true, order };
    const [b, c, s, h] = this.ranges.map(draw);
    if (b !== undefined) p.brightness = b;
    if (c !== undefined) p.contrast = c;
    if (s !== undefined) p.saturation = s;
    if (h !== undefined) p.hue = h;
    return p;
  }

  protected applyDrawn(clip: Clip, p: ColorJitterParams): Clip {
    return colorJitter(clip, p, this.clamp);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: ColorJitterParams): tf.Tensor5D {
    return colorJitterTensor(x, p, this.clamp);
  }
}

/** Greyscale of an RGB clip, repeated to 3 channels (torchvision `Grayscale(3)`); one channel is returned as is. */
export function toGrayscale(clip: Clip): Clip {
  const C = clip.shape[3];
  if (C === 1) return clip;
  check(C === 3, 'toGrayscale', () => `needs 1 or 3 channels, got ${C}`);
  const d = clip.data;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const g = GRAY_WEIGHTS[0] * (d[i] as number) + GRAY_WEIGHTS[1] * (d[i + 1] as number) + GRAY_WEIGHTS[2] * (d[i + 2] as number);
    out[i] = g;
    out[i + 1] = g;
    out[i + 2] = g;
  }
  return same(clip, out);
}

/** Random greyscale (torchvision `RandomGrayscale`, default prob 0.1); keeps the channel count. */
export class RandGrayscale extends RandomTransform<Applied> {
  /** `'RandGrayscale'`. */
  readonly name = 'RandGrayscale';

  /** @param options prob (default 0.1), seed */
  constructor(options: RandomOptions = {}) {
    super(options, 0.1);
  }

  protected draw(): Applied {
    return { applied: true };
  }

  protected applyDrawn(clip: Clip): Clip {
    return toGrayscale(clip);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D): tf.Tensor5D {
    if (x.shape[4] === 1) return tf.clone(x);
    return tf.tidy(() => repeatLastAxis(grayTensor(x), 3));
  }
}

/** torchvision `solarize`: values `>= threshold` become `bound - x`. */
export function solarize(clip: Clip, threshold: number, bound = 1): Clip {
  const d = clip.data;
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    out[i] = v >= threshold ? bound - v : v;
  }
  return same(clip, out);
}

/** Options of `RandSolarize`. */
export interface RandSolarizeOptions extends RandomOptions {
  /** Threshold; default 0.5 (BYOL). */
  threshold?: number;
  /** Upper bound of the value range; default 1. */
  bound?: number;
}

/** Random solarisation (torchvision `RandomSolarize`, default prob 0.5). */
export class RandSolarize extends RandomTransform<Applied> {
  /** `'RandSolarize'`. */
  readonly name = 'RandSolarize';
  private readonly threshold: number;
  private readonly bound: number;

  /** @param options threshold (0.5), bound (1), prob (0.5), seed */
  constructor(options: RandSolarizeOptions = {}) {
    super(options, 0.5);
    this.threshold = options.threshold ?? 0.5;
    this.bound = options.bound ?? 1;
  }

  protected draw(): Applied {
    return { applied: true };
  }

  protected applyDrawn(clip: Clip): Clip {
    return solarize(clip, this.threshold, this.bound);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => whereSameShape(tf.greaterEqual(x, this.threshold), tf.sub(this.bound, x) as tf.Tensor5D, x));
  }
}

/**
 * Repeats a one-channel `[N, T, H, W, 1]` batch to `channels` channels on the
 * device. Tiled as rank 4: tfjs-webgpu's Tile runs rank-5 inputs on the CPU
 * through a synchronous read, which Node's webgpu cannot do.
 */
function repeatLastAxis(x: tf.Tensor5D, channels: number): tf.Tensor5D {
  const [n, t, h, w] = x.shape;
  return tf.reshape(tf.tile(tf.reshape(x, [n * t, h, w, 1]), [1, 1, 1, channels]), [n, t, h, w, channels]);
}

/** Repeats a one-channel clip to `channels` channels (the seed code's grey -> RGB step). */
export function repeatChannels(clip: Clip, channels = 3): Clip {
  const [T, H, W, C] = clip.shape;
  if (C === channels) return clip;
  check(C === 1, 'repeatChannels', () => `needs a one-channel clip (or ${channels} already), got ${C}`);
  const d = clip.data;
  const out = new Float32Array(d.length * channels);
  for (let i = 0, o = 0; i < d.length; i++) {
    const v = d[i] as number;
    for (let c = 0; c < channels; c++) out[o++] = v;
  }
  return { data: out, shape: [T, H, W, channels] };
}

/** Repeats grey to `channels` channels; clips that already have them pass through. */
export class RepeatChannels extends DeterministicTransform<number> {
  /** `'RepeatChannels'`. */
  readonly name = 'RepeatChannels';
  private readonly channels: number;

  /** @param channels output channels, default 3 */
  constructor(channels = 3) {
    super();
    this.channels = channels;
  }

  protected params(): number {
    return this.channels;
  }

  /** `[T, H, W, channels]`. */
  outputShape(shape: ClipShape, channels: number): ClipShape {
    return [shape[0], shape[1], shape[2], channels];
  }

  protected applyClip(clip: Clip, channels: number): Clip {
    return repeatChannels(clip, channels);
  }

  protected override applyTensor(x: tf.Tensor5D, channels: number): tf.Tensor5D {
    if (x.shape[4] === channels) return tf.clone(x);
    check(x.shape[4] === 1, this.name, () => `needs a one-channel batch, got ${x.shape[4]}`);
    return tf.tidy(() => repeatLastAxis(x, channels));
  }
}
