import * as tf from '@tensorflow/tfjs-core';
import type { BatchShape, Clip, ClipShape } from './clip.js';
import { assertClip } from './clip.js';
import { AugmentError } from './errors.js';
import { RandomState } from './random.js';

/** One logged draw: the transform's name and the parameters it used. */
export interface ParamsLogEntry {
  /** Transform name, e.g. `RandGaussianBlur`. */
  transform: string;
  /** The parameters drawn (or fixed) for the last clip. */
  params: unknown;
}

/**
 * Base of every transform. A transform maps a `[T, H, W, C]` clip to a new
 * clip (never mutating its input) and a `[N, T, H, W, C]` tensor to a new
 * tensor, applying one set of parameters to every frame of a clip.
 *
 * MONAI-style protocol: `randomize(shape)` draws the parameters for one clip
 * of that shape (from the transform's own generator; deterministic transforms
 * return fixed ones), `apply(clip, params)` applies them, and `call(clip)`
 * does both. `lastParams` keeps the last draw for logging. The tensor path
 * mirrors this: `randomizeBatch`, `applyToTensor`, `callTensor` (one draw per
 * clip of the batch, in order, so a seeded tensor call gives the same result
 * as calling the typed-array path clip by clip).
 */
export abstract class Transform<P = unknown> {
  /** Class name used in logs and errors. */
  abstract readonly name: string;
  /** Whether the transform draws parameters from a generator. */
  abstract readonly isRandom: boolean;
  /** Parameters of the last `randomize` call (one clip). */
  lastParams: P | undefined = undefined;
  /** Parameters of the last `randomizeBatch` call (one entry per clip). */
  lastBatchParams: P[] | undefined = undefined;

  /** Draws (or computes) the parameters for one clip of `shape`; stores them in `lastParams`. */
  abstract randomize(shape: ClipShape): P;

  /** Shape of the output for an input of `shape` under `params`. */
  abstract outputShape(shape: ClipShape, params: P): ClipShape;

  /** Typed-array kernel: applies `params` to `clip` (already validated). */
  protected abstract applyClip(clip: Clip, params: P): Clip;

  /**
   * Tensor kernel for a batch `[N, T, H, W, C]` whose clips all share
   * `params`. The default reads the data back synchronously and runs the
   * typed-array kernel clip by clip (where the backend cannot read
   * synchronously, webgpu in Node, it throws an {@link AugmentError} naming
   * the transform); transforms with a tfjs implementation override it. Every
   * transform of the two-view presets has one.
   */
  protected applyTensor(x: tf.Tensor5D, params: P): tf.Tensor5D {
    const [n, t, h, w, c] = x.shape;
    const size = t * h * w * c;
    let data: Float32Array;
    try {
      data = x.dataSync() as Float32Array;
    } catch (err) {
      throw new AugmentError(this.name, `has no tfjs kernel and its tensor path needs a synchronous read, which the '${tf.getBackend()}' backend refused: run it on the typed-array path (call/apply) instead (${(err as Error).message})`, { cause: err });
    }
    const outs: Float32Array[] = [];
    let outShape: ClipShape = [t, h, w, c];
    for (let i = 0; i < n; i++) {
      const y = this.applyClip({ data: data.subarray(i * size, (i + 1) * size), shape: [t, h, w, c] }, params);
      outShape = y.shape;
      outs.push(y.data);
    }
    const per = outShape[0] * outShape[1] * outShape[2] * outShape[3];
    const all = new Float32Array(n * per);
    outs.forEach((o, i) => all.set(o, i * per));
    return tf.tensor5d(all, [n, ...outShape]);
  }

  /** Re-seeds the transform's generator (no-op for deterministic transforms). */
  setSeed(_seed: number): this {
    return this;
  }

  /** The parameters of the last draw as log entries (a `Compose` lists its children). */
  paramsLog(): ParamsLogEntry[] {
    return [{ transform: this.name, params: this.lastParams }];
  }

  /**
   * Applies `params` (default: the last draw of `randomize`, or for a
   * deterministic transform its fixed parameters) to `clip`. May return the
   * input object itself when the draw says "not applied".
   */
  apply(clip: Clip, params?: P): Clip {
    assertClip(clip, this.name);
    let p = params;
    if (p === undefined) p = this.isRandom ? this.lastParams : this.randomize(clip.shape);
    if (p === undefined) throw new AugmentError(this.name, 'apply() called before randomize(): pass params or call randomize first (or use call())');
    return this.applyClip(clip, p);
  }

  /** Draws fresh parameters for `clip` and applies them. */
  call(clip: Clip): Clip {
    assertClip(clip, this.name);
    return this.applyClip(clip, this.randomize([...clip.shape] as ClipShape));
  }

  /** Draws one set of parameters per clip of a batch of `shape` (in order); stores them in `lastBatchParams`. */
  randomizeBatch(shape: BatchShape | readonly number[]): P[] {
    if (shape.length !== 5) throw new AugmentError(this.name, `expected a [N, T, H, W, C] shape, got [${shape.join(', ')}]`);
    const clipShape = shape.slice(1) as ClipShape;
    const out: P[] = [];
    for (let i = 0; i < (shape[0] as number); i++) out.push(this.randomize([...clipShape] as ClipShape));
    this.lastBatchParams = out;
    return out;
  }

  /**
   * Applies per-clip parameters (default: the last `randomizeBatch`, or the
   * fixed parameters of a deterministic transform) to a `[N, T, H, W, C]`
   * tensor. Returns a new tensor owned by the caller; the input is not
   * disposed; no intermediate tensor survives.
   */
  applyToTensor(x: tf.Tensor5D, params?: P[]): tf.Tensor5D {
    const all = this.batchParams(x, params);
    if (all.length !== x.shape[0]) throw new AugmentError(this.name, `got ${all.length} parameter sets for a batch of ${x.shape[0]}`);
    return tf.tidy(() => {
      const xf = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
      if (all.every((p) => p === all[0])) return this.applyTensor(xf, all[0] as P);
      const [, t, h, w, c] = x.shape;
      const parts = all.map((p, i) => this.applyTensor(tf.slice(xf, [i, 0, 0, 0, 0], [1, t, h, w, c]), p));
      const shapes = parts.map((q) => q.shape.slice(1).join('x'));
      if (new Set(shapes).size > 1) throw new AugmentError(this.name, `clips of the batch came out with different shapes (${[...new Set(shapes)].join(', ')}); fix the output size to batch them`);
      return tf.concat(parts, 0);
    });
  }

  /**
   * The per-clip parameters `applyToTensor` uses for the rank-5 `x`: `params`
   * when given, else the last `randomizeBatch` (random transforms) or the
   * fixed parameters repeated (deterministic ones).
   */
  protected batchParams(x: tf.Tensor5D, params: P[] | undefined): P[] {
    if (x.rank !== 5) throw new AugmentError(this.name, `expected a rank-5 [N, T, H, W, C] tensor, got rank ${x.rank}`);
    if (params !== undefined) return params;
    if (!this.isRandom) {
      const p = this.randomize(x.shape.slice(1) as ClipShape);
      return Array.from({ length: x.shape[0] }, () => p);
    }
    if (this.lastBatchParams === undefined) throw new AugmentError(this.name, 'applyToTensor() called before randomizeBatch(): pass params or use callTensor()');
    return this.lastBatchParams;
  }

  /** Draws per-clip parameters for the batch and applies them (see `applyToTensor`). */
  callTensor(x: tf.Tensor5D): tf.Tensor5D {
    if (x.rank !== 5) throw new AugmentError(this.name, `expected a rank-5 [N, T, H, W, C] tensor, got rank ${x.rank}`);
    return this.applyToTensor(x, this.randomizeBatch(x.shape));
  }
}

/**
 * A transform without randomness: its parameters come from its options and
 * the input shape alone.
 */
export abstract class DeterministicTransform<P = unknown> extends Transform<P> {
  /** Always false. */
  readonly isRandom = false;

  /** Computes the fixed parameters for `shape`. */
  protected abstract params(shape: ClipShape): P;

  /** Returns the fixed parameters for `shape` (and stores them in `lastParams`). */
  randomize(shape: ClipShape): P {
    const p = this.params(shape);
    this.lastParams = p;
    return p;
  }
}

/** Options every random transform takes. */
export interface RandomOptions {
  /** Seed of the transform's own generator; default 0 (a `Compose` re-seeds its children). */
  seed?: number;
  /** Probability that the transform is applied to a clip; default 1 unless a transform says otherwise. */
  prob?: number;
}

/** Parameters of a random transform that may be skipped: `applied` is false when the coin said no. */
export interface Applied {
  /** Whether the transform acts on this clip. */
  applied: boolean;
}

/**
 * A transform that owns a `RandomState`. Subclasses implement `draw(shape)`
 * (called only when the `prob` coin says yes) and the kernels.
 */
export abstract class RandomTransform<P extends Applied> extends Transform<P> {
  /** Always true. */
  readonly isRandom = true;
  /** The transform's own generator. */
  rng: RandomState;
  /** Probability of acting on a clip. */
  readonly prob: number;

  /**
   * @param options seed (default 0) and prob (default `defaultProb`)
   * @param defaultProb probability used when `options.prob` is absent
   */
  constructor(options: RandomOptions = {}, defaultProb = 1) {
    super();
    this.rng = new RandomState(options.seed ?? 0);
    this.prob = options.prob ?? defaultProb;
    if (!(this.prob >= 0 && this.prob <= 1)) throw new AugmentError(this.constructor.name, `prob must be in [0, 1], got ${this.prob}`);
  }

  /** Re-seeds the generator. */
  override setSeed(seed: number): this {
    this.rng = new RandomState(seed);
    return this;
  }

  /** Draws the parameters of an applied transform for `shape`. */
  protected abstract draw(shape: ClipShape): P;

  /** Parameters meaning "leave the clip unchanged". */
  protected skipped(): P {
    return { applied: false } as P;
  }

  /** Flips the `prob` coin (no draw when prob is 1), then draws parameters. */
  randomize(shape: ClipShape): P {
    let p: P;
    if (this.prob < 1 && !(this.rng.next() < this.prob)) p = this.skipped();
    else p = this.draw(shape);
    this.lastParams = p;
    return p;
  }

  /** Input shape unless a subclass changes it. */
  outputShape(shape: ClipShape, _params: P): ClipShape {
    return shape;
  }

  /** Dispatches skipped draws to the identity. */
  protected applyClip(clip: Clip, params: P): Clip {
    return params.applied ? this.applyDrawn(clip, params) : clip;
  }

  /** Dispatches skipped draws to the identity. */
  protected override applyTensor(x: tf.Tensor5D, params: P): tf.Tensor5D {
    return params.applied ? this.applyDrawnTensor(x, params) : tf.clone(x);
  }

  /** Typed-array kernel for an applied draw. */
  protected abstract applyDrawn(clip: Clip, params: P): Clip;

  /** Tensor kernel for an applied draw (default: typed-array kernel through the data). */
  protected applyDrawnTensor(x: tf.Tensor5D, params: P): tf.Tensor5D {
    return super.applyTensor(x, params);
  }
}

/** Options of `Compose`. */
export interface ComposeOptions {
  /** Seed from which every child's generator is seeded; default 0. */
  seed?: number;
  /** Name used in logs; default `'Compose'`. */
  name?: string;
}

/**
 * Runs transforms in order. Its own generator (seeded by `seed`/`setSeed`)
 * seeds each child, so a whole pipeline is reproducible from one number.
 * Its parameters are the list of its children's parameters.
 */
export class Compose extends Transform<unknown[]> {
  /** Name used in logs. */
  readonly name: string;
  /** Whether any child is random. */
  readonly isRandom: boolean;
  /** The children, in order. */
  readonly transforms: readonly Transform[];
  /** Generator that seeds the children. */
  rng: RandomState;

  /**
   * @param transforms children, applied in order
   * @param options seed (default 0) and name
   */
  constructor(transforms: readonly Transform[], options: ComposeOptions = {}) {
    super();
    this.transforms = transforms;
    this.name = options.name ?? 'Compose';
    this.isRandom = transforms.some((t) => t.isRandom);
    this.rng = new RandomState(0);
    this.setSeed(options.seed ?? 0);
  }

  /** Re-seeds this generator and, from its stream, every child. */
  override setSeed(seed: number): this {
    this.rng = new RandomState(seed);
    for (const t of this.transforms) t.setSeed(this.rng.uint32());
    return this;
  }

  /** Draws every child's parameters, threading the shape through the chain. */
  randomize(shape: ClipShape): unknown[] {
    const out: unknown[] = [];
    let s = shape;
    for (const t of this.transforms) {
      const p = t.randomize(s);
      s = t.outputShape(s, p);
      out.push(p);
    }
    this.lastParams = out;
    return out;
  }

  /** Shape after the whole chain. */
  outputShape(shape: ClipShape, params: unknown[]): ClipShape {
    let s = shape;
    this.transforms.forEach((t, i) => (s = t.outputShape(s, params[i])));
    return s;
  }

  /** One log entry per child (nested composes are flattened). */
  override paramsLog(): ParamsLogEntry[] {
    return this.transforms.flatMap((t) => t.paramsLog());
  }

  protected applyClip(clip: Clip, params: unknown[]): Clip {
    let y = clip;
    this.transforms.forEach((t, i) => (y = t.apply(y, params[i])));
    return y;
  }

  protected override applyTensor(x: tf.Tensor5D, params: unknown[]): tf.Tensor5D {
    return this.applyChain(x, Array.from({ length: x.shape[0] }, () => params));
  }

  override applyToTensor(x: tf.Tensor5D, params?: unknown[][]): tf.Tensor5D {
    const all = this.batchParams(x, params);
    return tf.tidy(() => this.applyChain(x, all));
  }

  private applyChain(x: tf.Tensor5D, params: unknown[][]): tf.Tensor5D {
    let y = x;
    this.transforms.forEach((t, i) => {
      const next = t.applyToTensor(y, params.map((p) => p[i]));
      if (y !== x) y.dispose();
      y = next;
    });
    return y === x ? tf.clone(x) : y;
  }
}
