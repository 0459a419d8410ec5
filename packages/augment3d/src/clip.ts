import { AugmentError, check } from './errors.js';

/** Shape of a clip: frames, height, width, channels (channels-last). */
export type ClipShape = [T: number, H: number, W: number, C: number];

/** Shape of a batch of clips as a tfjs tensor: `[N, T, H, W, C]`. */
export type BatchShape = [N: number, T: number, H: number, W: number, C: number];

/**
 * A video clip or volume read slice by slice: `data[((t * H + h) * W + w) * C + c]`.
 */
export interface Clip {
  /** Voxel values, row-major over `[T, H, W, C]`. */
  data: Float32Array;
  /** `[T, H, W, C]`. */
  shape: ClipShape;
}

/** Number of values of a clip shape. */
export function clipSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Checks that `clip.shape` is four positive integers matching `clip.data.length`. */
export function assertClip(clip: Clip, transform = 'Clip'): void {
  check(Array.isArray(clip.shape) && clip.shape.length === 4, transform, () => `expected a [T, H, W, C] shape, got [${String(clip.shape)}]`);
  for (const d of clip.shape) check(Number.isInteger(d) && d > 0, transform, () => `shape [${clip.shape.join(', ')}] has a non-positive or non-integer dimension`);
  check(clip.data instanceof Float32Array, transform, () => 'clip.data must be a Float32Array');
  check(clip.data.length === clipSize(clip.shape), transform, () => `data length ${clip.data.length} does not match shape [${clip.shape.join(', ')}]`);
}

/** A zero-filled clip of the given shape. */
export function zerosClip(shape: readonly number[]): Clip {
  if (shape.length !== 4) throw new AugmentError('zerosClip', `expected 4 dims, got ${shape.length}`);
  return { data: new Float32Array(clipSize(shape)), shape: [...shape] as ClipShape };
}

/** A deep copy of a clip. */
export function cloneClip(clip: Clip): Clip {
  return { data: clip.data.slice(), shape: [...clip.shape] as ClipShape };
}

/**
 * Makes a float32 clip from any numeric array (e.g. a `MedicalVideo` from
 * `@byolmed3d/video-io`), optionally rescaling: `value * scale + offset`.
 */
export function toClip(
  source: { data: ArrayLike<number>; shape: readonly number[] },
  options: { scale?: number; offset?: number } = {},
): Clip {
  const { scale = 1, offset = 0 } = options;
  const shape = [...source.shape];
  if (shape.length === 3) shape.push(1);
  if (shape.length !== 4) throw new AugmentError('toClip', `expected [T, H, W] or [T, H, W, C], got [${shape.join(', ')}]`);
  const n = clipSize(shape);
  if (source.data.length !== n) throw new AugmentError('toClip', `data length ${source.data.length} does not match shape [${shape.join(', ')}]`);
  const data = new Float32Array(n);
  const src = source.data;
  if (scale === 1 && offset === 0) {
    for (let i = 0; i < n; i++) data[i] = src[i] as number;
  } else {
    for (let i = 0; i < n; i++) data[i] = (src[i] as number) * scale + offset;
  }
  return { data, shape: shape as ClipShape };
}
