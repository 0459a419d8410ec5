import type { Clip, MedicalVideo, VideoTypedArray } from './types.js';

/** What `byolmed3d inspect` prints about a video (see {@link describeVideo}). */
export interface VideoDescription extends Pick<MedicalVideo, 'format' | 'shape' | 'spacing' | 'frameTime'> {
  /** Path or label of the source. */
  source: string;
  /** Element type. */
  dtype: string;
  /** Orientation codes of the source axes, when known. */
  axcodes?: string;
  /** Smallest value (NaN ignored). */
  min: number;
  /** Largest value (NaN ignored). */
  max: number;
  /** Mean value (NaN ignored). */
  mean: number;
  /** Standard deviation (population, NaN ignored). */
  std: number;
  /** Bytes held by the data. */
  bytes: number;
}

/** Result of {@link arrayStats}. */
export interface ArrayStats {
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Mean. */
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** Number of values counted (NaN excluded). */
  count: number;
}

/** Min, max, mean and standard deviation of any typed array (bigints converted to numbers; NaN ignored). */
export function arrayStats(data: VideoTypedArray): ArrayStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  let n = 0;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (const b of data) {
      const x = Number(b);
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
      n++;
    }
    const mean = n ? sum / n : NaN;
    for (const b of data) sq += (Number(b) - mean) ** 2;
    return { min, max, mean, std: n ? Math.sqrt(sq / n) : NaN, count: n };
  }
  const d = data as Float64Array;
  for (let i = 0; i < d.length; i++) {
    const x = d[i] as number;
    if (x !== x) continue;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    n++;
  }
  const mean = n ? sum / n : NaN;
  for (let i = 0; i < d.length; i++) {
    const x = d[i] as number;
    if (x === x) sq += (x - mean) * (x - mean);
  }
  return { min: n ? min : NaN, max: n ? max : NaN, mean, std: n ? Math.sqrt(sq / n) : NaN, count: n };
}

/**
 * Summarises a video for `byolmed3d inspect PATH [--json]`: format, shape,
 * dtype, spacing, frame time, min, max, mean (and std, size, axcodes).
 * `JSON.stringify` the result for `--json`; {@link formatDescription} gives
 * the human-readable text.
 */
export function describeVideo(video: MedicalVideo): VideoDescription {
  const s = arrayStats(video.data);
  const d: VideoDescription = {
    source: String(video.meta.source ?? ''),
    format: video.format,
    shape: [...video.shape] as [number, number, number, number],
    dtype: video.dtype,
    min: s.min,
    max: s.max,
    mean: s.mean,
    std: s.std,
    bytes: video.data.byteLength,
  };
  if (video.spacing) d.spacing = [...video.spacing] as [number, number, number];
  if (video.frameTime !== undefined) d.frameTime = video.frameTime;
  if (video.orientation) d.axcodes = video.orientation.axcodes;
  return d;
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, ''));

/** Human-readable multi-line text of a {@link VideoDescription}. */
export function formatDescription(d: VideoDescription): string {
  const lines = [
    `source:     ${d.source}`,
    `format:     ${d.format}`,
    `shape:      [${d.shape.join(', ')}] (T, H, W, C)`,
    `dtype:      ${d.dtype}`,
    `spacing:    ${d.spacing ? `[${d.spacing.map(fmt).join(', ')}] mm (t, h, w)` : 'unknown'}`,
    `frame time: ${d.frameTime !== undefined ? `${fmt(d.frameTime)} ms` : 'unknown'}`,
  ];
  if (d.axcodes) lines.push(`axcodes:    ${d.axcodes}`);
  lines.push(`min:        ${fmt(d.min)}`, `max:        ${fmt(d.max)}`, `mean:       ${fmt(d.mean)}`, `std:        ${fmt(d.std)}`);
  return lines.join('\n');
}

/** Options of {@link toFloat32Clip}. */
export interface ToClipOptions {
  /**
   * Intensity normalisation: `'none'` keeps the values (default),
   * `'minmax'` maps [min, max] to [0, 1], `'zscore'` subtracts the mean and
   * divides by the standard deviation, `'uint8'` divides by 255.
   */
  normalize?: 'none' | 'minmax' | 'zscore' | 'uint8';
}

/**
 * The video as a float32 {@link Clip} `[T, H, W, C]` (what augment3d and the
 * models take). Float32 data is copied, never shared.
 */
export function toFloat32Clip(video: Pick<MedicalVideo, 'data' | 'shape'>, options: ToClipOptions = {}): Clip {
  const src = video.data;
  const out = new Float32Array(src.length);
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  else out.set(src as Float32Array);
  const norm = options.normalize ?? 'none';
  if (norm === 'uint8') for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / 255;
  else if (norm === 'minmax' || norm === 'zscore') {
    const s = arrayStats(out);
    const [a, b] = norm === 'minmax' ? [s.min, s.max - s.min] : [s.mean, s.std];
    const inv = b > 0 ? 1 / b : 0;
    for (let i = 0; i < out.length; i++) out[i] = ((out[i] as number) - a) * inv;
  }
  return { data: out, shape: [...video.shape] as [number, number, number, number] };
}
