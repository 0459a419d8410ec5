import * as tf from '@tensorflow/tfjs-core';
import { uniformArray } from './random.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Whether the layer adds a bias; default true. */
  bias?: boolean;
  /** Seed of the initial weights; default 0. */
  seed?: number;
  /**
   * Key mixed into the seed, so layers with one seed differ; default the
   * layer's name. Give a scope-free key (e.g. `net.0`) when equal seeds must
   * give equal weights across instances.
   */
  initKey?: string;
}

/**
 * A fully connected layer `y = x W + b` with PyTorch's default initialisation
 * (weight and bias uniform in ±1/sqrt(inFeatures)), seeded.
 *
 * Variables are named `<name>.weight` (tfjs layout `[in, out]`, the transpose
 * of PyTorch's `[out, in]`) and `<name>.bias` (`[out]`).
 */
export class Linear {
  /** Weight, `[inFeatures, outFeatures]`. */
  readonly weight: tf.Variable<tf.Rank.R2>;
  /** Bias, `[outFeatures]`, or null without bias. */
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  /**
   * @param name - Variable name prefix; must be unique among live variables.
   * @param inFeatures - Input width.
   * @param outFeatures - Output width.
   * @param options - Bias and seed.
   */
  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    const { bias = true, seed = 0, initKey = name } = options;
    const bound = 1 / Math.sqrt(inFeatures);
    // PyTorch draws the weight in [out, in] order; keep that order, then transpose.
    const w = uniformArray(inFeatures * outFeatures, bound, seed, `${initKey}.weight`);
    const wt = new Float32Array(w.length);
    for (let o = 0; o < outFeatures; o++) {
      for (let i = 0; i < inFeatures; i++) wt[i * outFeatures + o] = w[o * inFeatures + i] as number;
    }
    this.weight = tf.tidy(() => tf.variable(tf.tensor2d(wt, [inFeatures, outFeatures]), true, `${name}.weight`));
    const b = bias ? uniformArray(outFeatures, bound, seed, `${initKey}.bias`) : null;
    this.bias = b ? tf.tidy(() => tf.variable(tf.tensor1d(b), true, `${name}.bias`)) : null;
  }

  /** `x [N, in]` to `[N, out]`. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy((): tf.Tensor2D => {
      const y: tf.Tensor2D = tf.matMul(x, this.weight);
      return this.bias ? (tf.add(y, this.bias) as tf.Tensor2D) : y;
    });
  }

  /** Trainable variables: weight then bias. */
  get trainableVariables(): tf.Variable[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** Frees the variables. */
  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}
