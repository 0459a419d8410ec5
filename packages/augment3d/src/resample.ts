import * as tf from '@tensorflow/tfjs-core';
import type { Clip, ClipShape } from './clip.js';

/**
 * A precomputed 1-D sampling map along one axis: output index `j` reads
 * `(1 - w1[j]) * in[i0[j]] + w1[j] * in[i1[j]]`. Crops, flips, frame
 * selection and linear resizing are all such maps, applied as tight loops on
 * typed arrays and as `tf.gather` on tensors.
 */
export interface AxisMap {
  /** First source index of each output index. */
  i0: Int32Array;
  /** Second source index (equal to `i0` for pure gathers). */
  i1: Int32Array;
  /** Weight of `i1`; all zero for pure gathers. */
  w1: Float32Array;
}

/** A pure gather map (no interpolation) from a list of source indices. */
export function gatherMap(indices: ArrayLike<number>): AxisMap {
  const i0 = Int32Array.from(indices);
  return { i0, i1: i0, w1: new Float32Array(i0.length) };
}

/**
 * Linear resampling of the window `[start, start + length)` of an axis to
 * `outSize` samples, with PyTorch's `align_corners=False` convention
 * (`src = (j + 0.5) * length / outSize - 0.5`, clamped at 0), as
 * `torch.nn.functional.interpolate` and torchvision's `resize` use.
 */
export function linearMap(outSize: number, start: number, length: number): AxisMap {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  const scale = length / outSize;
  for (let j = 0; j < outSize; j++) {
    let src = (j + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    let a = Math.floor(src);
    if (a > length - 1) a = length - 1;
    const b = a < length - 1 ? a + 1 : a;
    i0[j] = start + a;
    i1[j] = start + b;
    w1[j] = b === a ? 0 : Math.fround(src - a);
  }
  return { i0, i1, w1 };
}

/** Nearest-neighbour resampling with PyTorch's `nearest` rule (`floor(j * length / outSize)`). */
export function nearestMap(outSize: number, start: number, length: number): AxisMap {
  const idx = new Int32Array(outSize);
  const scale = length / outSize;
  for (let j = 0; j < outSize; j++) idx[j] = start + Math.min(Math.floor(j * scale), length - 1);
  return gatherMap(idx);
}

/** True when a map is the identity on an axis of `size`. */
export function isIdentityMap(map: AxisMap, size: number): boolean {
  if (map.i0.length !== size) return false;
  for (let j = 0; j < size; j++) if (map.i0[j] !== j || map.w1[j] !== 0) return false;
  return true;
}

/**
 * Resamples `clip` along `axis` (0 = T, 1 = H, 2 = W, 3 = C) with `map`.
 * Returns the input itself when the map is the identity.
 */
export function resampleAxis(clip: Clip, axis: number, map: AxisMap): Clip {
  const shape = clip.shape;
  if (isIdentityMap(map, shape[axis] as number)) return clip;
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i] as number;
  let inner = 1;
  for (let i = axis + 1; i < 4; i++) inner *= shape[i] as number;
  const L = shape[axis] as number;
  const M = map.i0.length;
  const src = clip.data;
  const out = new Float32Array(outer * M * inner);
  const { i0, i1, w1 } = map;
  if (inner === 1 || inner === 3) {
    // Short runs (the W axis of 1- and 3-channel clips): unrolled.
    for (let o = 0; o < outer; o++) {
      const sb = o * L * inner;
      const ob = o * M * inner;
      for (let j = 0; j < M; j++) {
        const a = sb + (i0[j] as number) * inner;
        const b = sb + (i1[j] as number) * inner;
        const w = w1[j] as number;
        const d = ob + j * inner;
        const a0 = src[a] as number;
        if (w === 0) {
          // Pure gathers copy (exact even for infinities).
          out[d] = a0;
          if (inner === 3) {
            out[d + 1] = src[a + 1] as number;
            out[d + 2] = src[a + 2] as number;
          }
          continue;
        }
        out[d] = a0 + w * ((src[b] as number) - a0);
        if (inner === 3) {
          const a1 = src[a + 1] as number;
          const a2 = src[a + 2] as number;
          out[d + 1] = a1 + w * ((src[b + 1] as number) - a1);
          out[d + 2] = a2 + w * ((src[b + 2] as number) - a2);
        }
      }
    }
    const shortShape = [...shape] as ClipShape;
    shortShape[axis] = M;
    return { data: out, shape: shortShape };
  }
  for (let o = 0; o < outer; o++) {
    const sb = o * L * inner;
    const ob = o * M * inner;
    for (let j = 0; j < M; j++) {
      const a = sb + (i0[j] as number) * inner;
      const d = ob + j * inner;
      const w = w1[j] as number;
      if (w === 0) {
        if (inner >= 32) out.set(src.subarray(a, a + inner), d);
        else for (let k = 0; k < inner; k++) out[d + k] = src[a + k] as number;
      } else {
        const b = sb + (i1[j] as number) * inner;
        for (let k = 0; k < inner; k++) {
          const va = src[a + k] as number;
          out[d + k] = va + w * ((src[b + k] as number) - va);
        }
      }
    }
  }
  const outShape = [...shape] as ClipShape;
  outShape[axis] = M;
  return { data: out, shape: outShape };
}

/**
 * Tensor version of `resampleAxis` on a `[N, T, H, W, C]` batch; `axis`
 * counts clip axes (0 = T), so the tensor axis is `axis + 1`. Returns a new
 * tensor (a clone for the identity).
 */
export function resampleAxisTensor(x: tf.Tensor5D, axis: number, map: AxisMap): tf.Tensor5D {
  const ax = axis + 1;
  const size = x.shape[ax] as number;
  if (isIdentityMap(map, size)) return tf.clone(x);
  return tf.tidy(() => {
    const a = tf.gather(x, tf.tensor1d(map.i0, 'int32'), ax) as tf.Tensor5D;
    if (map.w1.every((w) => w === 0)) return a;
    const b = tf.gather(x, tf.tensor1d(map.i1, 'int32'), ax);
    const wShape = [1, 1, 1, 1, 1];
    wShape[ax] = map.w1.length;
    const w = tf.tensor(map.w1, wShape, 'float32');
    return tf.add(a, tf.mul(w, tf.sub(b, a))) as tf.Tensor5D;
  });
}

/** Applies several axis maps in turn (cheapest first is the caller's choice). */
export function resampleAxes(clip: Clip, maps: readonly (readonly [number, AxisMap])[]): Clip {
  let y = clip;
  for (const [axis, map] of maps) y = resampleAxis(y, axis, map);
  return y;
}

/** Tensor version of `resampleAxes`. */
export function resampleAxesTensor(x: tf.Tensor5D, maps: readonly (readonly [number, AxisMap])[]): tf.Tensor5D {
  return tf.tidy(() => {
    let y: tf.Tensor5D = x;
    for (const [axis, map] of maps) y = resampleAxisTensor(y, axis, map);
    return y === x ? tf.clone(x) : y;
  });
}
