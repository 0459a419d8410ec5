import * as tf from '@tensorflow/tfjs-core';
import type { Clip, ClipShape } from './clip.js';
import { check } from './errors.js';
import type { Applied, RandomOptions } from './transform.js';
import { DeterministicTransform, RandomTransform } from './transform.js';

/**
 * torchvision's 1-D gaussian kernel: `exp(-0.5 (x / sigma)^2)` at
 * `x = linspace(-(k-1)/2, (k-1)/2, k)`, normalised to sum 1.
 */
export function gaussianKernel1d(kernelSize: number, sigma: number): Float32Array {
  check(Number.isInteger(kernelSize) && kernelSize > 0 && kernelSize % 2 === 1, 'gaussianKernel1d', () => `kernel size must be a positive odd integer, got ${kernelSize}`);
  check(sigma > 0, 'gaussianKernel1d', () => `sigma must be positive, got ${sigma}`);
  const half = (kernelSize - 1) / 2;
  const k = new Float64Array(kernelSize);
  let s = 0;
  for (let i = 0; i < kernelSize; i++) {
    const x = -half + i;
    s += k[i] = Math.exp(-0.5 * (x / sigma) ** 2);
  }
  return Float32Array.from(k, (v) => v / s);
}

/** Kernel size covering +-3 sigma: `2 * ceil(3 sigma) + 1`. */
export function defaultKernelSize(sigma: number): number {
  return 2 * Math.ceil(3 * sigma) + 1;
}

/** Reflect-pad source index (no edge repeat, like `torch.nn.functional.pad(mode='reflect')`), folding as often as needed. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/**
 * Convolves `clip` along `axis` (0 = T, 1 = H, 2 = W) with an odd
 * symmetric `kernel`, reflect padding. Tight loops over contiguous runs:
 * whole rows (H), whole frames (T), or a padded line buffer (W); symmetric
 * taps are paired, and taps below 1e-9 of the centre weight (beyond about
 * 6.4 sigma, below float32 resolution) are skipped. Writes into `into`
 * when given (same length, not the input).
 */
export function convolveAxis(clip: Clip, axis: number, kernel: Float32Array, into?: Float32Array): Clip {
  const shape = clip.shape;
  const L = shape[axis] as number;
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i] as number;
  let inner = 1;
  for (let i = axis + 1; i < 4; i++) inner *= shape[i] as number;
  const r0 = (kernel.length - 1) >> 1;
  const centre = kernel[r0] as number;
  let r = r0;
  while (r > 0 && (kernel[r0 + r] as number) < 1e-9 * centre && (kernel[r0 - r] as number) < 1e-9 * centre) r--;
  // Half kernel: w[0] centre, w[d] for offsets +-d.
  const w = new Float32Array(r + 1);
  for (let d = 0; d <= r; d++) w[d] = kernel[r0 + d] as number;
  const symmetric = Array.from({ length: r + 1 }, (_, d) => kernel[r0 - d] === kernel[r0 + d]).every(Boolean);
  const src = clip.data;
  check(into === undefined || (into.length === src.length && into !== src), 'convolveAxis', () => 'output buffer must match the input length and not be the input');
  const out = into ?? new Float32Array(src.length);
  if (!symmetric) {
    out.fill(0);
    // General (asymmetric) kernels: direct sum.
    const K = kernel.length;
    for (let o = 0; o < outer; o++) {
      const base = o * L * inner;
      for (let j = 0; j < L; j++) {
        const d = base + j * inner;
        for (let k = 0; k < K; k++) {
          const wk = kernel[k] as number;
          const s = base + reflectIndex(j + k - r0, L) * inner;
          for (let q = 0; q < inner; q++) out[d + q] = (out[d + q] as number) + wk * (src[s + q] as number);
        }
      }
    }
    return { data: out, shape: [...shape] as ClipShape };
  }
  const w0 = w[0] as number;
  if (axis === 2 || inner < 64) {
    // Padded line buffer per line; each output accumulated in a register over the paired taps.
    const n = L * inner;
    const buf = new Float32Array((L + 2 * r) * inner);
    const idx = Int32Array.from({ length: L + 2 * r }, (_, p) => reflectIndex(p - r, L));
    const cb = r * inner;
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      for (let p = 0; p < L + 2 * r; p++) {
        const s = base + (idx[p] as number) * inner;
        const b = p * inner;
        for (let c = 0; c < inner; c++) buf[b + c] = src[s + c] as number;
      }
      for (let q = 0; q < n; q++) {
        const m = cb + q;
        let acc = w0 * (buf[m] as number);
        for (let dd = 1, st = inner; dd <= r; dd++, st += inner) acc += (w[dd] as number) * ((buf[m - st] as number) + (buf[m + st] as number));
        out[base + q] = acc;
      }
    }
  } else {
    // Whole rows (H) or frames (T) at a time, tap-major over the contiguous run.
    for (let o = 0; o < outer; o++) {
      const base = o * L * inner;
      for (let j = 0; j < L; j++) {
        const d = base + j * inner;
        for (let q = 0; q < inner; q++) out[d + q] = w0 * (src[d + q] as number);
        for (let dd = 1; dd <= r; dd++) {
          const wd = w[dd] as number;
          const a = base + reflectIndex(j - dd, L) * inner;
          const b = base + reflectIndex(j + dd, L) * inner;
          for (let q = 0; q < inner; q++) out[d + q] = (out[d + q] as number) + wd * ((src[a + q] as number) + (src[b + q] as number));
        }
      }
    }
  }
  return { data: out, shape: [...shape] as ClipShape };
}

/** Tensor version of `convolveAxis` on `[N, T, H, W, C]` (reflect gather + depthwise conv). */
export function convolveAxisTensor(x: tf.Tensor5D, axis: number, kernel: Float32Array): tf.Tensor5D {
  const shape = x.shape;
  const ax = axis + 1;
  const L = shape[ax] as number;
  const C = shape[4];
  const K = kernel.length;
  const r = (K - 1) >> 1;
  let before = 1;
  for (let i = 0; i < ax; i++) before *= shape[i] as number;
  let after = 1;
  for (let i = ax + 1; i < 4; i++) after *= shape[i] as number;
  return tf.tidy(() => {
    const idx = Int32Array.from({ length: L + 2 * r }, (_, p) => reflectIndex(p - r, L));
    const padded = tf.gather(x, tf.tensor1d(idx, 'int32'), ax);
    const x4 = tf.reshape(padded, [before, L + 2 * r, after, C]) as tf.Tensor4D;
    const filt = new Float32Array(K * C);
    for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) filt[k * C + c] = kernel[k] as number;
    const y = tf.depthwiseConv2d(x4, tf.tensor4d(filt, [K, 1, C, 1]), 1, 'valid');
    return tf.reshape(y, shape) as tf.Tensor5D;
  });
}

/** Spatial extent of a blur: `2` in-plane (per frame), `3` also across frames. */
export type BlurDims = 2 | 3;

/**
 * Separable gaussian blur of a clip: W then H frame by frame (the frame
 * stays in cache between the passes), then T for `dims` 3.
 */
export function gaussianBlur(clip: Clip, sigma: number, options: { kernelSize?: number; dims?: BlurDims } = {}): Clip {
  const k = gaussianKernel1d(options.kernelSize ?? defaultKernelSize(sigma), sigma);
  const [T, H, W, C] = clip.shape;
  const frame = H * W * C;
  const out = new Float32Array(clip.data.length);
  const tmp = new Float32Array(frame);
  for (let t = 0; t < T; t++) {
    convolveAxis({ data: clip.data.subarray(t * frame, (t + 1) * frame), shape: [1, H, W, C] }, 2, k, tmp);
    convolveAxis({ data: tmp, shape: [1, H, W, C] }, 1, k, out.subarray(t * frame, (t + 1) * frame));
  }
  const y: Clip = { data: out, shape: [T, H, W, C] };
  return (options.dims ?? 2) === 3 ? convolveAxis(y, 0, k) : y;
}

/** Tensor version of `gaussianBlur`. */
export function gaussianBlurTensor(x: tf.Tensor5D, sigma: number, options: { kernelSize?: number; dims?: BlurDims } = {}): tf.Tensor5D {
  const k = gaussianKernel1d(options.kernelSize ?? defaultKernelSize(sigma), sigma);
  return tf.tidy(() => {
    let y = convolveAxisTensor(x, 2, k);
    y = convolveAxisTensor(y, 1, k);
    if ((options.dims ?? 2) === 3) y = convolveAxisTensor(y, 0, k);
    return y;
  });
}

/** Options of `GaussianBlur`. */
export interface GaussianBlurOptions {
  /** Standard deviation in voxels. */
  sigma: number;
  /** Odd kernel size; default `2 * ceil(3 sigma) + 1`. */
  kernelSize?: number;
  /** 2: per frame (torchvision `GaussianBlur` on each frame); 3: also across frames; default 2. */
  dims?: BlurDims;
}

/** Fixed gaussian blur (reflect padding, separable). */
export class GaussianBlur extends DeterministicTransform<GaussianBlurOptions> {
  /** `'GaussianBlur'`. */
  readonly name = 'GaussianBlur';
  private readonly opts: GaussianBlurOptions;

  /** @param options sigma, kernelSize, dims */
  constructor(options: GaussianBlurOptions) {
    super();
    gaussianKernel1d(options.kernelSize ?? defaultKernelSize(options.sigma), options.sigma);
    this.opts = options;
  }

  protected params(): GaussianBlurOptions {
    return this.opts;
  }

  /** Unchanged. */
  outputShape(shape: ClipShape): ClipShape {
    return shape;
  }

  protected applyClip(clip: Clip, p: GaussianBlurOptions): Clip {
    return gaussianBlur(clip, p.sigma, p);
  }

  protected override applyTensor(x: tf.Tensor5D, p: GaussianBlurOptions): tf.Tensor5D {
    return gaussianBlurTensor(x, p.sigma, p);
  }
}

/** Options of `RandGaussianBlur`. */
export interface RandGaussianBlurOptions extends RandomOptions {
  /** Range of sigma, drawn uniformly per clip; default [0.1, 2.0] (torchvision). */
  sigma?: readonly [number, number];
  /** Odd kernel size (the seed paper uses 23); default `2 * ceil(3 sigma) + 1` of the drawn sigma. */
  kernelSize?: number;
  /** 2: per frame; 3: also across frames; default 2. */
  dims?: BlurDims;
}

/** Parameters of a blur draw. */
export interface BlurParams extends Applied {
  /** Drawn sigma. */
  sigma: number;
}

/** torchvision-style random gaussian blur (same sigma for every frame and axis). */
export class RandGaussianBlur extends RandomTransform<BlurParams> {
  /** `'RandGaussianBlur'`. */
  readonly name = 'RandGaussianBlur';
  private readonly sigma: readonly [number, number];
  private readonly kernelSize: number | undefined;
  private readonly dims: BlurDims;

  /** @param options sigma range, kernelSize, dims, prob (default 1), seed */
  constructor(options: RandGaussianBlurOptions = {}) {
    super(options);
    this.sigma = options.sigma ?? [0.1, 2.0];
    this.kernelSize = options.kernelSize;
    this.dims = options.dims ?? 2;
    check(this.sigma[0] > 0 && this.sigma[0] <= this.sigma[1], this.name, () => `bad sigma range [${this.sigma.join(', ')}]`);
    if (this.kernelSize !== undefined) gaussianKernel1d(this.kernelSize, 1);
  }

  protected draw(): BlurParams {
    return { applied: true, sigma: this.rng.uniform(this.sigma[0], this.sigma[1]) };
  }

  protected applyDrawn(clip: Clip, p: BlurParams): Clip {
    return gaussianBlur(clip, p.sigma, { kernelSize: this.kernelSize, dims: this.dims });
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: BlurParams): tf.Tensor5D {
    return gaussianBlurTensor(x, p.sigma, { kernelSize: this.kernelSize, dims: this.dims });
  }
}
