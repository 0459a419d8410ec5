import * as tf from '@tensorflow/tfjs-core';
import type { Clip, ClipShape } from './clip.js';
import { check } from './errors.js';
import { RandomState } from './random.js';
import type { Applied, RandomOptions } from './transform.js';
import { RandomTransform } from './transform.js';

/**
 * A precomputed point-sampling plan: output voxel `p` (flat over the sampled
 * axes) is `sum_k weights[k * P + p] * in[indices[k * P + p]]`, with `taps`
 * taps per point; outside the input a tap has weight 0 (zero padding, like
 * `grid_sample(padding_mode='zeros')`).
 */
export interface SamplingPlan {
  /** Taps per output point (4 bilinear, 8 trilinear). */
  taps: number;
  /** Output points. */
  points: number;
  /** Source flat indices, tap-major. */
  indices: Int32Array;
  /** Tap weights, tap-major. */
  weights: Float32Array;
}

/**
 * Bilinear plan for one frame of `H x W`: `matrix` (2x3, row-major) maps an
 * output pixel `(h, w, 1)` to its source `(h', w')`.
 */
export function planarPlan(H: number, W: number, matrix: readonly number[]): SamplingPlan {
  const P = H * W;
  const indices = new Int32Array(4 * P);
  const weights = new Float32Array(4 * P);
  const [a, b, c, d, e, f] = matrix as [number, number, number, number, number, number];
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      const p = h * W + w;
      const sh = a * h + b * w + c;
      const sw = d * h + e * w + f;
      const h0 = Math.floor(sh);
      const w0 = Math.floor(sw);
      const fh = sh - h0;
      const fw = sw - w0;
      let k = 0;
      for (let dh = 0; dh < 2; dh++) {
        for (let dw = 0; dw < 2; dw++, k++) {
          const hh = h0 + dh;
          const ww = w0 + dw;
          if (hh >= 0 && hh < H && ww >= 0 && ww < W) {
            indices[k * P + p] = hh * W + ww;
            weights[k * P + p] = (dh ? fh : 1 - fh) * (dw ? fw : 1 - fw);
          }
        }
      }
    }
  }
  return { taps: 4, points: P, indices, weights };
}

/**
 * Trilinear plan for a `T x H x W` volume: `matrix` (3x4, row-major) maps an
 * output voxel `(t, h, w, 1)` to its source `(t', h', w')`.
 */
export function volumePlan(T: number, H: number, W: number, matrix: readonly number[]): SamplingPlan {
  const P = T * H * W;
  const indices = new Int32Array(8 * P);
  const weights = new Float32Array(8 * P);
  const m = matrix as number[];
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const p = (t * H + h) * W + w;
        const st = (m[0] as number) * t + (m[1] as number) * h + (m[2] as number) * w + (m[3] as number);
        const sh = (m[4] as number) * t + (m[5] as number) * h + (m[6] as number) * w + (m[7] as number);
        const sw = (m[8] as number) * t + (m[9] as number) * h + (m[10] as number) * w + (m[11] as number);
        const t0 = Math.floor(st);
        const h0 = Math.floor(sh);
        const w0 = Math.floor(sw);
        const ft = st - t0;
        const fh = sh - h0;
        const fw = sw - w0;
        let k = 0;
        for (let dt = 0; dt < 2; dt++) {
          for (let dh = 0; dh < 2; dh++) {
            for (let dw = 0; dw < 2; dw++, k++) {
              const tt = t0 + dt;
              const hh = h0 + dh;
              const ww = w0 + dw;
              if (tt >= 0 && tt < T && hh >= 0 && hh < H && ww >= 0 && ww < W) {
                indices[k * P + p] = (tt * H + hh) * W + ww;
                weights[k * P + p] = (dt ? ft : 1 - ft) * (dh ? fh : 1 - fh) * (dw ? fw : 1 - fw);
              }
            }
          }
        }
      }
    }
  }
  return { taps: 8, points: P, indices, weights };
}

/**
 * Applies a plan to a clip: a planar plan (points = H*W) to every frame, a
 * volume plan (points = T*H*W) to the whole clip; all channels alike.
 */
export function applyPlan(clip: Clip, plan: SamplingPlan): Clip {
  const [T, H, W, C] = clip.shape;
  const block = plan.points;
  check(block === H * W || block === T * H * W, 'applyPlan', () => `plan of ${block} points fits neither a frame nor the clip ${T}x${H}x${W}`);
  const blocks = (T * H * W) / block;
  const src = clip.data;
  const out = new Float32Array(src.length);
  const { indices, weights, taps } = plan;
  for (let bI = 0; bI < blocks; bI++) {
    const base = bI * block;
    for (let k = 0; k < taps; k++) {
      const kb = k * block;
      for (let p = 0; p < block; p++) {
        const w = weights[kb + p] as number;
        if (w === 0) continue;
        const s = (base + (indices[kb + p] as number)) * C;
        const d = (base + p) * C;
        for (let c = 0; c < C; c++) out[d + c] = (out[d + c] as number) + w * (src[s + c] as number);
      }
    }
  }
  return { data: out, shape: [...clip.shape] as ClipShape };
}

/** Tensor version of `applyPlan` (`tf.gather` of the taps, weighted sum). */
export function applyPlanTensor(x: tf.Tensor5D, plan: SamplingPlan): tf.Tensor5D {
  const [N, T, H, W, C] = x.shape;
  const block = plan.points;
  const blocks = (N * T * H * W) / block;
  return tf.tidy(() => {
    const flat = tf.reshape(x, [blocks, block, C]);
    const g = tf.gather(flat, tf.tensor1d(plan.indices, 'int32'), 1);
    const wts = tf.tensor3d(plan.weights, [1, plan.taps * block, 1]);
    const y = tf.sum(tf.reshape(tf.mul(g, wts), [blocks, plan.taps, block, C]), 1);
    return tf.reshape(y, [N, T, H, W, C]) as tf.Tensor5D;
  });
}

const deg = Math.PI / 180;

/** Options of `RandRotate`. */
export interface RandRotateOptions extends RandomOptions {
  /** Range of the in-plane angle in degrees; default [-15, 15]. */
  degrees?: readonly [number, number];
}

/** Parameters of an in-plane rotation draw. */
export interface RotateParams extends Applied {
  /** Angle in degrees (counter-clockwise on screen, rows pointing down). */
  degrees: number;
}

/** The 2x3 source-from-output matrix of a rotation by `degrees` about the frame centre. */
export function rotationMatrix2d(H: number, W: number, degrees: number): number[] {
  const a = degrees * deg;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const ch = (H - 1) / 2;
  const cw = (W - 1) / 2;
  // source = R(-a) (p - c) + c, with p = (h, w); screen-counter-clockwise for rows pointing down.
  return [cos, sin, ch - cos * ch - sin * cw, -sin, cos, cw + sin * ch - cos * cw];
}

/** Random rotation in the slice plane, the same angle for every frame (bilinear, zero fill). */
export class RandRotate extends RandomTransform<RotateParams> {
  /** `'RandRotate'`. */
  readonly name = 'RandRotate';
  private readonly degrees: readonly [number, number];

  /** @param options degrees range (default [-15, 15]), prob (1), seed */
  constructor(options: RandRotateOptions = {}) {
    super(options);
    this.degrees = options.degrees ?? [-15, 15];
  }

  protected draw(): RotateParams {
    return { applied: true, degrees: this.rng.uniform(this.degrees[0], this.degrees[1]) };
  }

  protected applyDrawn(clip: Clip, p: RotateParams): Clip {
    const [, H, W] = clip.shape;
    return applyPlan(clip, planarPlan(H, W, rotationMatrix2d(H, W, p.degrees)));
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: RotateParams): tf.Tensor5D {
    const [, , H, W] = x.shape;
    return applyPlanTensor(x, planarPlan(H, W, rotationMatrix2d(H, W, p.degrees)));
  }
}

/** Options of `RandAffine3d`. */
export interface RandAffine3dOptions extends RandomOptions {
  /** Max absolute rotation in degrees about the (t, h, w) axes; default [5, 5, 5]. */
  rotate?: readonly [number, number, number];
  /** Max absolute relative scale change per axis (0.1 = 0.9x..1.1x); default [0.1, 0.1, 0.1]. */
  scale?: readonly [number, number, number];
  /** Max absolute translation in voxels per axis; default [0, 0, 0]. */
  translate?: readonly [number, number, number];
}

/** Parameters of a 3-D affine draw. */
export interface Affine3dParams extends Applied {
  /** Rotation angles in degrees about the t, h and w axes. */
  rotate: [number, number, number];
  /** Scale factors per axis (t, h, w). */
  scale: [number, number, number];
  /** Translation in voxels per axis (t, h, w). */
  translate: [number, number, number];
}

type M3 = [number, number, number, number, number, number, number, number, number];

function mul3(a: M3, b: M3): M3 {
  const o = new Array<number>(9).fill(0) as M3;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j] = (o[i * 3 + j] as number) + (a[i * 3 + k] as number) * (b[k * 3 + j] as number);
  return o;
}

/**
 * The 3x4 source-from-output matrix of `x' = R S (x - c) + c + translate`
 * (voxel units, centre `c`), i.e. `x = S^-1 R^T (x' - c - translate) + c`.
 */
export function affineMatrix3d(shape: ClipShape, p: Pick<Affine3dParams, 'rotate' | 'scale' | 'translate'>): number[] {
  const [T, H, W] = shape;
  const [a, b, g] = p.rotate.map((v) => v * deg) as [number, number, number];
  // Rotation about t (the in-plane angle) acts on (h, w); about h on (t, w); about w on (t, h).
  const Rt: M3 = [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
  const Rh: M3 = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
  const Rw: M3 = [Math.cos(g), -Math.sin(g), 0, Math.sin(g), Math.cos(g), 0, 0, 0, 1];
  const R = mul3(mul3(Rt, Rh), Rw);
  const Rtr: M3 = [R[0], R[3], R[6], R[1], R[4], R[7], R[2], R[5], R[8]];
  const Sinv: M3 = [1 / p.scale[0], 0, 0, 0, 1 / p.scale[1], 0, 0, 0, 1 / p.scale[2]];
  const A = mul3(Sinv, Rtr);
  const c: [number, number, number] = [(T - 1) / 2, (H - 1) / 2, (W - 1) / 2];
  const shift: [number, number, number] = [c[0] + p.translate[0], c[1] + p.translate[1], c[2] + p.translate[2]];
  const out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r0 = A[i * 3] as number;
    const r1 = A[i * 3 + 1] as number;
    const r2 = A[i * 3 + 2] as number;
    out.push(r0, r1, r2, c[i as 0 | 1 | 2] - (r0 * shift[0] + r1 * shift[1] + r2 * shift[2]));
  }
  return out;
}

/**
 * A small random 3-D affine (rotation about each axis, scale, translation)
 * in voxel coordinates, trilinear with zero fill: the whole clip moves as one
 * volume.
 */
export class RandAffine3d extends RandomTransform<Affine3dParams> {
  /** `'RandAffine3d'`. */
  readonly name = 'RandAffine3d';
  private readonly rot: readonly [number, number, number];
  private readonly scl: readonly [number, number, number];
  private readonly trn: readonly [number, number, number];

  /** @param options rotate, scale, translate, prob (1), seed */
  constructor(options: RandAffine3dOptions = {}) {
    super(options);
    this.rot = options.rotate ?? [5, 5, 5];
    this.scl = options.scale ?? [0.1, 0.1, 0.1];
    this.trn = options.translate ?? [0, 0, 0];
    check(this.scl.every((s) => s >= 0 && s < 1), this.name, () => 'scale ranges must be in [0, 1)');
  }

  protected draw(): Affine3dParams {
    const u = (m: number) => this.rng.uniform(-m, m);
    return {
      applied: true,
      rotate: this.rot.map(u) as [number, number, number],
      scale: this.scl.map((s) => 1 + u(s)) as [number, number, number],
      translate: this.trn.map(u) as [number, number, number],
    };
  }

  protected applyDrawn(clip: Clip, p: Affine3dParams): Clip {
    const [T, H, W] = clip.shape;
    return applyPlan(clip, volumePlan(T, H, W, affineMatrix3d(clip.shape, p)));
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: Affine3dParams): tf.Tensor5D {
    const [, T, H, W, C] = x.shape;
    return applyPlanTensor(x, volumePlan(T, H, W, affineMatrix3d([T, H, W, C], p)));
  }
}

/** Options of `RandErase`. */
export interface RandEraseOptions extends RandomOptions {
  /** Range of the erased area as a fraction of the frame; default [0.02, 0.33]. */
  scale?: readonly [number, number];
  /** Range of the box aspect ratio (log-uniform); default [0.3, 3.3]. */
  ratio?: readonly [number, number];
  /** Fill value, or `random` for standard-normal noise; default 0. */
  value?: number | 'random';
}

/** Parameters of an erasing draw: the box (same in every frame) and the noise seed. */
export interface EraseParams extends Applied {
  /** First row. */
  top: number;
  /** First column. */
  left: number;
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
  /** Seed of the fill noise (value `random`). */
  noiseSeed: number;
}

/**
 * torchvision `RandomErasing` for clips: one box (ten tries, else nothing)
 * erased in every frame. Default prob 0.5.
 */
export class RandErase extends RandomTransform<EraseParams> {
  /** `'RandErase'`. */
  readonly name = 'RandErase';
  private readonly scale: readonly [number, number];
  private readonly ratio: readonly [number, number];
  private readonly value: number | 'random';

  /** @param options scale, ratio, value, prob (0.5), seed */
  constructor(options: RandEraseOptions = {}) {
    super(options, 0.5);
    this.scale = options.scale ?? [0.02, 0.33];
    this.ratio = options.ratio ?? [0.3, 3.3];
    this.value = options.value ?? 0;
  }

  protected draw(shape: ClipShape): EraseParams {
    const [, H, W] = shape;
    const area = H * W;
    const lr = [Math.log(this.ratio[0]), Math.log(this.ratio[1])] as const;
    for (let k = 0; k < 10; k++) {
      const target = area * this.rng.uniform(this.scale[0], this.scale[1]);
      const aspect = Math.exp(this.rng.uniform(lr[0], lr[1]));
      const h = Math.round(Math.sqrt(target * aspect));
      const w = Math.round(Math.sqrt(target / aspect));
      if (h > 0 && w > 0 && h < H && w < W) {
        return { applied: true, top: this.rng.int(H - h + 1), left: this.rng.int(W - w + 1), height: h, width: w, noiseSeed: this.rng.uint32() };
      }
    }
    return { applied: false, top: 0, left: 0, height: 0, width: 0, noiseSeed: 0 };
  }

  /** The fill of the box, `[T, h, w, C]` values. */
  private fill(shape: ClipShape, p: EraseParams): Float32Array {
    const n = shape[0] * p.height * p.width * shape[3];
    if (this.value !== 'random') return new Float32Array(n).fill(this.value);
    return new RandomState(p.noiseSeed).fillNormal(new Float32Array(n));
  }

  protected applyDrawn(clip: Clip, p: EraseParams): Clip {
    const [T, H, W, C] = clip.shape;
    const out = clip.data.slice();
    const fill = this.fill(clip.shape, p);
    let q = 0;
    for (let t = 0; t < T; t++) {
      for (let h = p.top; h < p.top + p.height; h++) {
        const row = ((t * H + h) * W + p.left) * C;
        out.set(fill.subarray(q, q + p.width * C), row);
        q += p.width * C;
      }
    }
    return { data: out, shape: [...clip.shape] as ClipShape };
  }

  protected override applyDrawnTensor(x: tf.Tensor5D, p: EraseParams): tf.Tensor5D {
    const [, T, H, W, C] = x.shape;
    const fill = this.fill([T, H, W, C], p);
    return tf.tidy(() => {
      const box = tf.tensor5d(fill, [1, T, p.height, p.width, C]);
      const pad: [number, number][] = [[0, 0], [0, 0], [p.top, H - p.top - p.height], [p.left, W - p.left - p.width], [0, 0]];
      const mask = tf.pad(tf.ones([1, T, p.height, p.width, 1]), pad);
      const val = tf.pad(box, pad);
      return tf.add(tf.mul(x, tf.sub(1, mask)), val) as tf.Tensor5D;
    });
  }
}
