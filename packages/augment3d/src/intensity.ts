import * as tf from '@tensorflow/tfjs-core';
import type { Clip, ClipShape } from './clip.js';
import { check } from './errors.js';
import { RandomState } from './random.js';
import type { Applied, RandomOptions } from './transform.js';
import { DeterministicTransform, RandomTransform } from './transform.js';
import { whereSameShape } from './where.js';

const same = (clip: Clip, data: Float32Array): Clip => ({ data, shape: [...clip.shape] as ClipShape });

/** Per-channel statistics of a clip. */
export interface ChannelStats {
  /** Mean of each channel. */
  mean: number[];
  /** Population standard deviation of each channel. */
  std: number[];
}

/** Per-channel mean and population standard deviation of a clip (float64 accumulation). */
export function channelStats(clip: Clip): ChannelStats {
  const C = clip.shape[3];
  const d = clip.data;
  const n = d.length / C;
  if (C === 3) {
    // One pass per statistic over interleaved RGB.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < d.length; i += 3) {
      s0 += d[i] as number;
      s1 += d[i + 1] as number;
      s2 += d[i + 2] as number;
    }
    const m0 = s0 / n;
    const m1 = s1 / n;
    const m2 = s2 / n;
    let q0 = 0;
    let q1 = 0;
    let q2 = 0;
    for (let i = 0; i < d.length; i += 3) {
      const v0 = (d[i] as number) - m0;
      const v1 = (d[i + 1] as number) - m1;
      const v2 = (d[i + 2] as number) - m2;
      q0 += v0 * v0;
      q1 += v1 * v1;
      q2 += v2 * v2;
    }
    return { mean: [m0, m1, m2], std: [Math.sqrt(q0 / n), Math.sqrt(q1 / n), Math.sqrt(q2 / n)] };
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < C; c++) {
    // Two passes with local accumulators (fast, and stable for large offsets).
    let s = 0;
    for (let i = c; i < d.length; i += C) s += d[i] as number;
    const m = s / n;
    let q = 0;
    for (let i = c; i < d.length; i += C) {
      const v = (d[i] as number) - m;
      q += v * v;
    }
    mean.push(m);
    std.push(Math.sqrt(q / n));
  }
  return { mean, std };
}

/** `x * scale[c] + offset[c]` per channel (scalars broadcast). */
export function affineIntensity(clip: Clip, scale: number | readonly number[], offset: number | readonly number[]): Clip {
  const C = clip.shape[3];
  const sc = typeof scale === 'number' ? Array<number>(C).fill(scale) : [...scale];
  const of = typeof offset === 'number' ? Array<number>(C).fill(offset) : [...offset];
  check(sc.length === C && of.length === C, 'affineIntensity', () => `expected ${C} per-channel values, got ${sc.length} and ${of.length}`);
  const d = clip.data;
  const out = new Float32Array(d.length);
  if (C === 1) {
    const s = sc[0] as number;
    const o = of[0] as number;
    for (let i = 0; i < d.length; i++) out[i] = (d[i] as number) * s + o;
  } else if (C === 3) {
    const [s0, s1, s2] = sc as [number, number, number];
    const [o0, o1, o2] = of as [number, number, number];
    for (let i = 0; i < d.length; i += 3) {
      out[i] = (d[i] as number) * s0 + o0;
      out[i + 1] = (d[i + 1] as number) * s1 + o1;
      out[i + 2] = (d[i + 2] as number) * s2 + o2;
    }
  } else {
    for (let i = 0; i < d.length; i += C) for (let c = 0; c < C; c++) out[i + c] = (d[i + c] as number) * (sc[c] as number) + (of[c] as number);
  }
  return same(clip, out);
}

function affineIntensityTensor(x: tf.Tensor5D, scale: number | readonly number[], offset: number | readonly number[]): tf.Tensor5D {
  return tf.tidy(() => {
    const s = typeof scale === 'number' ? tf.scalar(scale) : tf.tensor1d([...scale]);
    const o = typeof offset === 'number' ? tf.scalar(offset) : tf.tensor1d([...offset]);
    return tf.add(tf.mul(x, s), o) as tf.Tensor5D;
  });
}

/**
 * Base of the deterministic intensity steps (`ScaleIntensity`, `Normalize`,
 * `ZScore`, `PercentileClip`, `HistogramNormalize`): the shape is kept and
 * the parameters of every clip are the transform's fixed, resolved options.
 */
export abstract class IntensityTransform<P> extends DeterministicTransform<P> {
  /** The resolved options, which are also the parameters of every clip. */
  protected readonly opts: P;

  /** @param opts the resolved options */
  protected constructor(opts: P) {
    super();
    this.opts = opts;
  }

  /** The options. */
  protected params(): P {
    return this.opts;
  }

  /** Unchanged. */
  outputShape(shape: ClipShape): ClipShape {
    return shape;
  }
}

/** Options of `ScaleIntensity`. */
export interface ScaleIntensityOptions {
  /** Multiplier (per channel or one for all); default 1. */
  scale?: number | readonly number[];
  /** Added after scaling; default 0. */
  offset?: number | readonly number[];
}

/** `x * scale + offset`, e.g. `scale: 1 / 255` for 8-bit data. */
export class ScaleIntensity extends IntensityTransform<Required<ScaleIntensityOptions>> {
  /** `'ScaleIntensity'`. */
  readonly name = 'ScaleIntensity';

  /** @param options scale (default 1), offset (default 0) */
  constructor(options: ScaleIntensityOptions = {}) {
    super({ scale: options.scale ?? 1, offset: options.offset ?? 0 });
  }

  protected applyClip(clip: Clip, p: Required<ScaleIntensityOptions>): Clip {
    return affineIntensity(clip, p.scale, p.offset);
  }

  protected override applyTensor(x: tf.Tensor5D, p: Required<ScaleIntensityOptions>): tf.Tensor5D {
    return affineIntensityTensor(x, p.scale, p.offset);
  }
}

/** Options of `Normalize`. */
export interface NormalizeOptions {
  /** Per-channel means (or one value), e.g. ImageNet `[0.485, 0.456, 0.406]`. */
  mean: number | readonly number[];
  /** Per-channel standard deviations (or one value). */
  std: number | readonly number[];
}

/** torchvision `Normalize`: `(x - mean[c]) / std[c]`. */
export class Normalize extends IntensityTransform<NormalizeOptions> {
  /** `'Normalize'`. */
  readonly name = 'Normalize';

  /** @param options mean and std */
  constructor(options: NormalizeOptions) {
    super(options);
    const stds = typeof options.std === 'number' ? [options.std] : options.std;
    check(stds.every((s) => s > 0), this.name, () => 'std must be positive');
  }

  private affine(C: number): [number[], number[]] {
    const m = typeof this.opts.mean === 'number' ? Array<number>(C).fill(this.opts.mean) : [...this.opts.mean];
    const s = typeof this.opts.std === 'number' ? Array<number>(C).fill(this.opts.std) : [...this.opts.std];
    check(m.length === C && s.length === C, this.name, () => `mean/std have ${m.length}/${s.length} values for ${C} channels`);
    return [s.map((v) => 1 / v), m.map((v, i) => -v / (s[i] as number))];
  }

  protected applyClip(clip: Clip): Clip {
    const [sc, of] = this.affine(clip.shape[3]);
    return affineIntensity(clip, sc, of);
  }

  protected override applyTensor(x: tf.Tensor5D): tf.Tensor5D {
    const [sc, of] = this.affine(x.shape[4]);
    return affineIntensityTensor(x, sc, of);
  }
}

/** Options of `ZScore`. */
export interface ZScoreOptions {
  /** Statistics per channel (true) or over all channels (false); default true. */
  channelWise?: boolean;
  /** A std below this divides by 1 instead (constant clips); default 1e-8. */
  eps?: number;
}

/** Per-clip z-score: `(x - mean) / std` over the whole clip (all frames), population std. */
export function zscore(clip: Clip, options: ZScoreOptions = {}): Clip {
  const { channelWise = true, eps = 1e-8 } = options;
  const C = clip.shape[3];
  let { mean, std } = channelStats(clip);
  if (!channelWise && C > 1) {
    const all = channelStats({ data: clip.data, shape: [clip.data.length, 1, 1, 1] });
    mean = Array<number>(C).fill(all.mean[0] as number);
    std = Array<number>(C).fill(all.std[0] as number);
  }
  const sc = std.map((s) => 1 / (s < eps ? 1 : s));
  return affineIntensity(clip, sc, mean.map((m, c) => -m * (sc[c] as number)));
}

/** Per-clip z-score (the seed paper's last step; per channel by default). */
export class ZScore extends IntensityTransform<Required<ZScoreOptions>> {
  /** `'ZScore'`. */
  readonly name = 'ZScore';

  /** @param options channelWise (default true), eps (default 1e-8) */
  constructor(options: ZScoreOptions = {}) {
    super({ channelWise: options.channelWise ?? true, eps: options.eps ?? 1e-8 });
  }

  protected applyClip(clip: Clip, p: Required<ZScoreOptions>): Clip {
    return zscore(clip, p);
  }

  protected override applyTensor(x: tf.Tensor5D, p: Required<ZScoreOptions>): tf.Tensor5D {
    return tf.tidy(() => {
      const axes = p.channelWise ? [1, 2, 3] : [1, 2, 3, 4];
      const { mean, variance } = tf.moments(x, axes, true);
      const std = tf.sqrt(variance);
      const safe = whereSameShape(tf.less(std, p.eps), tf.onesLike(std), std);
      return tf.div(tf.sub(x, mean), safe) as tf.Tensor5D;
    });
  }
}

/**
 * Base of the random intensity steps that draw one factor per clip,
 * uniformly from a range (`RandBrightness`, `RandContrast`, `RandGamma`).
 */
export abstract class RandFactorTransform extends RandomTransform<FactorParams> {
  /** The range the factor is drawn from. */
  protected readonly range: readonly [number, number];

  /**
   * @param options prob (default 1) and seed
   * @param range the factor's range
   */
  protected constructor(options: RandomOptions, range: readonly [number, number]) {
    super(options);
    this.range = range;
  }

  /** A factor uniform in the range. */
  protected draw(): FactorParams {
    return { applied: true, factor: this.rng.uniform(this.range[0], this.range[1]) };
  }
}

/** Options of `RandBrightness`. */
export interface RandBrightnessOptions extends RandomOptions {
  /** Range of the shift (`add`) or factor (`multiply`); default [-0.1, 0.1] or [0.9, 1.1]. */
  range?: readonly [number, number];
  /** `add` (MONAI `RandShiftIntensity`) or `multiply` (MONAI `RandScaleIntensity`, torchvision brightness without clamping); default `add`. */
  mode?: 'add' | 'multiply';
}

/** Parameters of a scalar-factor draw. */
export interface FactorParams extends Applied {
  /** The drawn value. */
  factor: number;
}

/** Random brightness: one shift (or factor) for the whole clip. */
export class RandBrightness extends RandFactorTransform {
  /** `'RandBrightness'`. */
  readonly name = 'RandBrightness';
  private readonly mode: 'add' | 'multiply';

  /** @param options range, mode, prob (default 1), seed */
  constructor(options: RandBrightnessOptions = {}) {
    const mode = options.mode ?? 'add';
    super(options, options.range ?? (mode === 'add' ? [-0.1, 0.1] : [0.9, 1.1]));
    this.mode = mode;
  }

  protected applyDrawn(clip: Clip, p: FactorParams): Clip {
    return this.mode === 'add' ? affineIntensity(clip, 1, p.factor) : affineIntensity(clip, p.factor, 0);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: FactorParams): tf.Tensor5D {
    return this.mode === 'add' ? affineIntensityTensor(x, 1, p.factor) : affineIntensityTensor(x, p.factor, 0);
  }
}

/** Options of `RandContrast`. */
export interface RandContrastOptions extends RandomOptions {
  /** Range of the contrast factor; default [0.75, 1.25]. */
  range?: readonly [number, number];
}

/** `(x - mean) * factor + mean` with the clip's per-channel mean (no clamping). */
export function adjustContrast(clip: Clip, factor: number): Clip {
  const { mean } = channelStats(clip);
  return affineIntensity(clip, factor, mean.map((m) => m * (1 - factor)));
}

/** Random contrast around the clip mean, one factor per clip. */
export class RandContrast extends RandFactorTransform {
  /** `'RandContrast'`. */
  readonly name = 'RandContrast';

  /** @param options range (default [0.75, 1.25]), prob (default 1), seed */
  constructor(options: RandContrastOptions = {}) {
    super(options, options.range ?? [0.75, 1.25]);
  }

  protected applyDrawn(clip: Clip, p: FactorParams): Clip {
    return adjustContrast(clip, p.factor);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: FactorParams): tf.Tensor5D {
    return tf.tidy(() => {
      const mean = tf.mean(x, [1, 2, 3], true);
      return tf.add(tf.mul(x, p.factor), tf.mul(mean, 1 - p.factor)) as tf.Tensor5D;
    });
  }
}

/** Smallest and largest value of `d` ([Infinity, -Infinity] when empty). */
function valueRange(d: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * MONAI `AdjustContrast`: `((x - min) / (max - min + eps))^gamma * (max - min) + min`
 * with the clip's min and max (eps 1e-7).
 */
export function adjustGamma(clip: Clip, gamma: number): Clip {
  const d = clip.data;
  const [lo, hi] = valueRange(d);
  const range = hi - lo;
  const inv = 1 / (range + 1e-7);
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Math.pow(((d[i] as number) - lo) * inv, gamma) * range + lo;
  return same(clip, out);
}

/** Options of `RandGamma`. */
export interface RandGammaOptions extends RandomOptions {
  /** Range of gamma; default [0.7, 1.5]. */
  range?: readonly [number, number];
}

/** Random gamma (MONAI `RandAdjustContrast`), one gamma per clip. */
export class RandGamma extends RandFactorTransform {
  /** `'RandGamma'`. */
  readonly name = 'RandGamma';

  /** @param options range (default [0.7, 1.5]), prob (default 1), seed */
  constructor(options: RandGammaOptions = {}) {
    super(options, options.range ?? [0.7, 1.5]);
    check(this.range[0] > 0, this.name, () => 'gamma must be positive');
  }

  protected applyDrawn(clip: Clip, p: FactorParams): Clip {
    return adjustGamma(clip, p.factor);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: FactorParams): tf.Tensor5D {
    return tf.tidy(() => {
      const lo = tf.min(x, [1, 2, 3, 4], true);
      const range = tf.sub(tf.max(x, [1, 2, 3, 4], true), lo);
      const u = tf.div(tf.sub(x, lo), tf.add(range, 1e-7));
      return tf.add(tf.mul(tf.pow(u, p.factor), range), lo) as tf.Tensor5D;
    });
  }
}

/** Options of `RandGaussianNoise`. */
export interface RandGaussianNoiseOptions extends RandomOptions {
  /** Noise mean; default 0. */
  mean?: number;
  /** Range of the noise standard deviation, drawn per clip; default [0, 0.1]. */
  std?: readonly [number, number];
}

/** Parameters of a noise draw: its std and the seed of the noise field. */
export interface NoiseParams extends Applied {
  /** Noise standard deviation. */
  std: number;
  /** Seed of the per-voxel noise (generated by `RandomState`). */
  noiseSeed: number;
}

function noiseField(n: number, mean: number, std: number, seed: number): Float32Array {
  return new RandomState(seed).fillNormal(new Float32Array(n), mean, std);
}

/** Additive gaussian noise, independent per voxel, std drawn per clip. */
export class RandGaussianNoise extends RandomTransform<NoiseParams> {
  /** `'RandGaussianNoise'`. */
  readonly name = 'RandGaussianNoise';
  private readonly mean: number;
  private readonly std: readonly [number, number];

  /** @param options mean (default 0), std range (default [0, 0.1]), prob (default 1), seed */
  constructor(options: RandGaussianNoiseOptions = {}) {
    super(options);
    this.mean = options.mean ?? 0;
    this.std = options.std ?? [0, 0.1];
  }

  protected draw(): NoiseParams {
    return { applied: true, std: this.rng.uniform(this.std[0], this.std[1]), noiseSeed: this.rng.uint32() };
  }

  protected applyDrawn(clip: Clip, p: NoiseParams): Clip {
    const out = noiseField(clip.data.length, this.mean, p.std, p.noiseSeed);
    const d = clip.data;
    for (let i = 0; i < d.length; i++) out[i] = (out[i] as number) + (d[i] as number);
    return same(clip, out);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: NoiseParams): tf.Tensor5D {
    const [, T, H, W, C] = x.shape;
    const noise = noiseField(T * H * W * C, this.mean, p.std, p.noiseSeed);
    return tf.tidy(() => tf.add(x, tf.tensor5d(noise, [1, T, H, W, C])));
  }
}

/** Legendre polynomials P_0..P_degree at x. */
function legendre(x: number, degree: number): number[] {
  const p = [1, x];
  for (let n = 1; n < degree; n++) p.push(((2 * n + 1) * x * (p[n] as number) - n * (p[n - 1] as number)) / (n + 1));
  return p.slice(0, degree + 1);
}

/**
 * A smooth multiplicative bias field `exp(sum c_ijk P_i(t) P_j(y) P_k(x))`
 * (MONAI `RandBiasField`, Legendre basis on [-1, 1] coordinates), as a
 * `[T or 1, H, W]` array: with `coeffs` for `spatialDims` 2 the field is the
 * same in every frame.
 */
export function biasField(shape: ClipShape, degree: number, coeffs: readonly number[], spatialDims: 2 | 3): Float32Array {
  const [T, H, W] = shape;
  const Tf = spatialDims === 3 ? T : 1;
  const lin = (n: number) => Array.from({ length: n }, (_, i) => (n === 1 ? 0 : -1 + (2 * i) / (n - 1)));
  const pt = lin(Tf).map((v) => legendre(v, degree));
  const ph = lin(H).map((v) => legendre(v, degree));
  const pw = lin(W).map((v) => legendre(v, degree));
  const terms = biasTerms(degree, spatialDims);
  check(coeffs.length === terms.length, 'biasField', () => `expected ${terms.length} coefficients, got ${coeffs.length}`);
  const out = new Float32Array(Tf * H * W);
  for (let t = 0; t < Tf; t++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        let s = 0;
        terms.forEach(([i, j, k], q) => {
          s += (coeffs[q] as number) * ((pt[t] as number[])[i] as number) * ((ph[h] as number[])[j] as number) * ((pw[w] as number[])[k] as number);
        });
        out[(t * H + h) * W + w] = Math.exp(s);
      }
    }
  }
  return out;
}

/** Exponent triples (t, h, w) of the field's terms with total degree <= degree. */
function biasTerms(degree: number, spatialDims: 2 | 3): [number, number, number][] {
  const out: [number, number, number][] = [];
  const tMax = spatialDims === 3 ? degree : 0;
  for (let i = 0; i <= tMax; i++) for (let j = 0; i + j <= degree; j++) for (let k = 0; i + j + k <= degree; k++) out.push([i, j, k]);
  return out;
}

/** Options of `RandBiasField`. */
export interface RandBiasFieldOptions extends RandomOptions {
  /** Polynomial degree; default 3. */
  degree?: number;
  /** Range of each coefficient; default [0, 0.1] (MONAI's default). */
  coeffRange?: readonly [number, number];
  /** 2: one field for all frames (in-plane coil shading); 3: varies over frames too; default 2. */
  spatialDims?: 2 | 3;
}

/** Parameters of a bias-field draw. */
export interface BiasFieldParams extends Applied {
  /** One coefficient per term of total degree <= degree. */
  coeffs: number[];
}

/** Multiplies the clip by a random smooth bias field (MRI coil inhomogeneity). */
export class RandBiasField extends RandomTransform<BiasFieldParams> {
  /** `'RandBiasField'`. */
  readonly name = 'RandBiasField';
  private readonly degree: number;
  private readonly coeffRange: readonly [number, number];
  private readonly spatialDims: 2 | 3;

  /** @param options degree (3), coeffRange ([0, 0.1]), spatialDims (2), prob (1), seed */
  constructor(options: RandBiasFieldOptions = {}) {
    super(options);
    this.degree = options.degree ?? 3;
    this.coeffRange = options.coeffRange ?? [0, 0.1];
    this.spatialDims = options.spatialDims ?? 2;
    check(Number.isInteger(this.degree) && this.degree >= 1, this.name, () => `degree must be an integer >= 1, got ${this.degree}`);
  }

  protected draw(): BiasFieldParams {
    const n = biasTerms(this.degree, this.spatialDims).length;
    return { applied: true, coeffs: Array.from({ length: n }, () => this.rng.uniform(this.coeffRange[0], this.coeffRange[1])) };
  }

  protected applyDrawn(clip: Clip, p: BiasFieldParams): Clip {
    const [T, H, W, C] = clip.shape;
    const field = biasField(clip.shape, this.degree, p.coeffs, this.spatialDims);
    const per = H * W;
    const d = clip.data;
    const out = new Float32Array(d.length);
    for (let t = 0; t < T; t++) {
      const fb = this.spatialDims === 3 ? t * per : 0;
      for (let q = 0; q < per; q++) {
        const f = field[fb + q] as number;
        const base = (t * per + q) * C;
        for (let c = 0; c < C; c++) out[base + c] = (d[base + c] as number) * f;
      }
    }
    return same(clip, out);
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: BiasFieldParams): tf.Tensor5D {
    const [, T, H, W] = x.shape;
    const field = biasField(x.shape.slice(1) as ClipShape, this.degree, p.coeffs, this.spatialDims);
    return tf.tidy(() => tf.mul(x, tf.tensor5d(field, [1, this.spatialDims === 3 ? T : 1, H, W, 1])));
  }
}

/** numpy-style percentile (linear interpolation) of sorted values. */
function percentileSorted(sorted: Float32Array, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo] as number;
  return a + (pos - lo) * ((sorted[hi] as number) - a);
}

/** numpy `percentile(data, q)` (linear) for several q at once. */
export function percentiles(data: Float32Array, qs: readonly number[]): number[] {
  const sorted = data.slice().sort();
  return qs.map((q) => percentileSorted(sorted, q));
}

/** Options of `PercentileClip`. */
export interface PercentileClipOptions {
  /** Lower percentile (0-100); default 0.5. */
  lower?: number;
  /** Upper percentile (0-100); default 99.5. */
  upper?: number;
  /** Rescale the clipped range to [0, 1]; default false. */
  rescale?: boolean;
}

/**
 * Clips a clip to its own `[lower, upper]` percentiles (computed over all
 * voxels and channels); optionally rescales to [0, 1]. The tensor path
 * computes the percentiles from the data (a read back).
 */
export class PercentileClip extends IntensityTransform<Required<PercentileClipOptions>> {
  /** `'PercentileClip'`. */
  readonly name = 'PercentileClip';

  /** @param options lower (0.5), upper (99.5), rescale (false) */
  constructor(options: PercentileClipOptions = {}) {
    super({ lower: options.lower ?? 0.5, upper: options.upper ?? 99.5, rescale: options.rescale ?? false });
    check(this.opts.lower >= 0 && this.opts.lower < this.opts.upper && this.opts.upper <= 100, this.name, () => `need 0 <= lower < upper <= 100`);
  }

  protected applyClip(clip: Clip, p: Required<PercentileClipOptions>): Clip {
    const [lo, hi] = percentiles(clip.data, [p.lower, p.upper]) as [number, number];
    const d = clip.data;
    const out = new Float32Array(d.length);
    const s = p.rescale ? 1 / (hi - lo || 1) : 1;
    const o = p.rescale ? lo : 0;
    for (let i = 0; i < d.length; i++) {
      const v = d[i] as number;
      out[i] = ((v < lo ? lo : v > hi ? hi : v) - o) * s;
    }
    return same(clip, out);
  }
}

/** Options of `HistogramNormalize`. */
export interface HistogramNormalizeOptions {
  /** Histogram bins; default 256. */
  numBins?: number;
  /** Output minimum; default 0. */
  min?: number;
  /** Output maximum; default 1. */
  max?: number;
}

/**
 * Histogram equalisation per clip (MONAI `HistogramNormalize`): the
 * cumulative histogram, rescaled to `[min, max]`, interpolated at each value
 * (numpy `interp` at bin centres). The tensor path reads the data back.
 */
export function histogramNormalize(clip: Clip, options: HistogramNormalizeOptions = {}): Clip {
  const { numBins = 256, min = 0, max = 1 } = options;
  const d = clip.data;
  const [lo, hi] = valueRange(d);
  if (!(hi > lo)) return same(clip, new Float32Array(d.length).fill(min));
  const width = (hi - lo) / numBins;
  const hist = new Float64Array(numBins);
  for (let i = 0; i < d.length; i++) {
    let b = Math.floor(((d[i] as number) - lo) / width);
    if (b >= numBins) b = numBins - 1;
    hist[b] = (hist[b] as number) + 1;
  }
  const cum = new Float64Array(numBins);
  let acc = 0;
  for (let b = 0; b < numBins; b++) cum[b] = acc += hist[b] as number;
  const c0 = cum[0] as number;
  const cr = (cum[numBins - 1] as number) - c0;
  for (let b = 0; b < numBins; b++) cum[b] = cr > 0 ? (((cum[b] as number) - c0) / cr) * (max - min) + min : min;
  const out = new Float32Array(d.length);
  const firstCentre = lo + width / 2;
  for (let i = 0; i < d.length; i++) {
    const pos = ((d[i] as number) - firstCentre) / width;
    if (pos <= 0) out[i] = cum[0] as number;
    else if (pos >= numBins - 1) out[i] = cum[numBins - 1] as number;
    else {
      const b = Math.floor(pos);
      const f = pos - b;
      out[i] = (cum[b] as number) * (1 - f) + (cum[b + 1] as number) * f;
    }
  }
  return same(clip, out);
}

/** Histogram equalisation per clip (see `histogramNormalize`). */
export class HistogramNormalize extends IntensityTransform<Required<HistogramNormalizeOptions>> {
  /** `'HistogramNormalize'`. */
  readonly name = 'HistogramNormalize';

  /** @param options numBins (256), min (0), max (1) */
  constructor(options: HistogramNormalizeOptions = {}) {
    super({ numBins: options.numBins ?? 256, min: options.min ?? 0, max: options.max ?? 1 });
  }

  protected applyClip(clip: Clip, p: Required<HistogramNormalizeOptions>): Clip {
    return histogramNormalize(clip, p);
  }
}
