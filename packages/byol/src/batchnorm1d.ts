import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';

/** Options of {@link BatchNorm1d}. */
export interface BatchNorm1dOptions {
  /** Added to the variance; default 1e-5 (PyTorch). */
  eps?: number;
  /** Weight of the new batch statistic in the running averages; default 0.1 (PyTorch). */
  momentum?: number;
  /** Learn a scale (`weight`) and shift (`bias`); default true. */
  affine?: boolean;
}

/**
 * Batch normalisation over the batch axis of `[N, C]` with PyTorch's
 * `BatchNorm1d` semantics: in training it normalises with the batch mean and
 * the biased batch variance and updates `running_mean` and `running_var`
 * (the latter from the unbiased variance) with momentum 0.1; in evaluation it
 * uses the running statistics. Training needs N ≥ 2, as in PyTorch.
 *
 * Variables: `<name>.weight`, `<name>.bias` (trainable, when affine),
 * `<name>.running_mean`, `<name>.running_var` (not trainable).
 */
export class BatchNorm1d {
  /** Scale (gamma), `[C]`, or null when not affine. */
  readonly weight: tf.Variable<tf.Rank.R1> | null;
  /** Shift (beta), `[C]`, or null when not affine. */
  readonly bias: tf.Variable<tf.Rank.R1> | null;
  /** Running mean, `[C]`, initially 0. */
  readonly runningMean: tf.Variable<tf.Rank.R1>;
  /** Running (unbiased) variance, `[C]`, initially 1. */
  readonly runningVar: tf.Variable<tf.Rank.R1>;
  /** Variance epsilon. */
  readonly eps: number;
  /** Running-average momentum. */
  readonly momentum: number;

  /**
   * @param name - Variable name prefix; must be unique among live variables.
   * @param numFeatures - Number of channels C.
   * @param options - eps, momentum, affine.
   */
  constructor(
    readonly name: string,
    readonly numFeatures: number,
    options: BatchNorm1dOptions = {},
  ) {
    const { eps = 1e-5, momentum = 0.1, affine = true } = options;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? tf.tidy(() => tf.variable(tf.ones([numFeatures]), true, `${name}.weight`) as tf.Variable<tf.Rank.R1>) : null;
    this.bias = affine ? tf.tidy(() => tf.variable(tf.zeros([numFeatures]), true, `${name}.bias`) as tf.Variable<tf.Rank.R1>) : null;
    this.runningMean = tf.tidy(() => tf.variable(tf.zeros([numFeatures]), false, `${name}.running_mean`) as tf.Variable<tf.Rank.R1>);
    this.runningVar = tf.tidy(() => tf.variable(tf.ones([numFeatures]), false, `${name}.running_var`) as tf.Variable<tf.Rank.R1>);
  }

  /** Normalises `x [N, C]`; in training also updates the running statistics. */
  apply(x: tf.Tensor2D, { training }: { training: boolean }): tf.Tensor2D {
    return tf.tidy(() => {
      let y: tf.Tensor2D;
      if (training) {
        const n = x.shape[0];
        check(n > 1, `BatchNorm1d ${this.name}`, () => `training needs more than 1 value per channel, got input shape [${x.shape.join(', ')}]`);
        const mean = tf.mean(x, 0);
        const xc = tf.sub(x, mean);
        const variance = tf.mean(tf.square(xc), 0);
        y = tf.mul(xc, tf.rsqrt(tf.add(variance, this.eps)));
        // The running statistics do not lead to the output, so a gradient
        // tape never differentiates through these updates.
        const m = this.momentum;
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * n) / (n - 1))));
      } else {
        y = tf.mul(tf.sub(x, this.runningMean), tf.rsqrt(tf.add(this.runningVar, this.eps)));
      }
      if (this.weight && this.bias) y = tf.add(tf.mul(y, this.weight), this.bias);
      return y;
    });
  }

  /** Trainable variables: weight then bias (empty when not affine). */
  get trainableVariables(): tf.Variable[] {
    return this.weight && this.bias ? [this.weight, this.bias] : [];
  }

  /** Non-trainable variables: running mean then running variance. */
  get nonTrainableVariables(): tf.Variable[] {
    return [this.runningMean, this.runningVar];
  }

  /** Frees the variables. */
  dispose(): void {
    this.weight?.dispose();
    this.bias?.dispose();
    this.runningMean.dispose();
    this.runningVar.dispose();
  }
}
