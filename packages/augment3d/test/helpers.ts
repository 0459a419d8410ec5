import { RandomState, type Clip, type ClipShape } from '@byolmed3d/augment3d';

/** A clip of uniform [0, 1) values from a seed. */
export function randClip(shape: ClipShape, seed = 1): Clip {
  const r = new RandomState(seed);
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  return { data: Float32Array.from({ length: n }, () => r.next()), shape: [...shape] as ClipShape };
}

/** A clip whose value encodes its coordinates: t * 1e6 + h * 1e3 + w + c / 10. */
export function coordClip(shape: ClipShape): Clip {
  const [T, H, W, C] = shape;
  const data = new Float32Array(T * H * W * C);
  let i = 0;
  for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) data[i++] = t * 10000 + h * 100 + w + c / 10;
  return { data, shape: [...shape] as ClipShape };
}

/** Value of a clip at (t, h, w, c). */
export function at(clip: Clip, t: number, h: number, w: number, c = 0): number {
  const [, H, W, C] = clip.shape;
  return clip.data[((t * H + h) * W + w) * C + c] as number;
}

/** Mean of an array. */
export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return s / a.length;
}

/** Population std of an array. */
export function std(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - m) ** 2;
  return Math.sqrt(s / a.length);
}
