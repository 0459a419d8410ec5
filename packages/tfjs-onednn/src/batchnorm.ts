import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernels/batchnorm_train.js';

/** Result of {@link batchNormTrain}. */
export interface BatchNormTrainOutput {
  /** Normalised, scaled and shifted input, same shape as `x`. */
  output: tf.Tensor;
  /** Per-channel batch mean `[C]` (not differentiated). */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance `[C]` (not differentiated). */
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm over every axis but the last (channels last),
 * normalising with the biased batch variance as PyTorch does, differentiable
 * in `x`, `gamma` and `beta`. On the `onednn` backend it runs as two fused
 * native kernels (two passes forward, two backward); on any other backend
 * it composes tfjs ops with the hand-written gradient
 * `dx = gamma * inv * (dy - mean(dy) - xhat * mean(dy * xhat))`.
 * The caller owns the three returned tensors.
 *
 * @param x - input `[..., C]`, more than one value per channel
 * @param gamma - scale `[C]`
 * @param beta - shift `[C]`
 * @param eps - added to the variance; default 1e-5
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): BatchNormTrainOutput {
  const c = x.shape[x.rank - 1] as number;
  tf.util.assert(gamma.shape[0] === c && beta.shape[0] === c, () => `batchNormTrain: x has ${c} channels, gamma [${gamma.shape}], beta [${beta.shape}]`);
  const m = x.size / c;
  tf.util.assert(m > 1, () => `batchNormTrain: expected more than 1 value per channel, got input shape [${x.shape}]`);
  const fused = tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) !== undefined;
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const xt = xIn as tf.Tensor, gt = gIn as tf.Tensor1D, bt = bIn as tf.Tensor1D;
    const saveFn = save as tf.GradSaveFunc;
    if (fused) {
      const [y, mu, v] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x: xt, gamma: gt, beta: bt }, { eps }) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
      mean = tf.keep(tf.clone(mu));
      variance = tf.keep(tf.clone(v));
      saveFn([xt, mu, v, gt]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, smu, sv, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x: sx, mean: smu, variance: sv, gamma: sg }, { eps }) as unknown as tf.Tensor[];
        },
      };
    }
    const x2 = tf.reshape(xt, [m, c]);
    const mu = tf.mean(x2, 0) as tf.Tensor1D;
    const xc = tf.sub(x2, mu);
    const v = tf.mean(tf.square(xc), 0) as tf.Tensor1D;
    const inv = tf.rsqrt(tf.add(v, eps));
    const xhat = tf.mul(xc, inv);
    const y = tf.add(tf.mul(xhat, gt), bt);
    mean = tf.keep(tf.clone(mu));
    variance = tf.keep(tf.clone(v));
    saveFn([xhat, inv, gt]);
    return {
      value: tf.reshape(y, xt.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sXhat, sInv, sG] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dy2 = tf.reshape(dy, [m, c]);
        const sumDy = tf.sum(dy2, 0);
        const sumDyXhat = tf.sum(tf.mul(dy2, sXhat), 0);
        const dx = tf.mul(tf.sub(tf.sub(dy2, tf.div(sumDy, m)), tf.mul(sXhat, tf.div(sumDyXhat, m))), tf.mul(sG, sInv));
        return [tf.reshape(dx, dy.shape), sumDyXhat, sumDy];
      },
    };
  });
  const output = op(x, gamma, beta);
  return { output, mean: mean as unknown as tf.Tensor1D, variance: variance as unknown as tf.Tensor1D };
}
