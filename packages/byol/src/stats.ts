import * as tf from '@tensorflow/tfjs-core';
import { l2Normalize, rowCosine } from './loss.js';

/**
 * Collapse indicator of SimSiam (Chen & He 2021): the standard deviation over
 * the batch of each dimension of the L2-normalised rows of `z [N, D]`,
 * averaged over dimensions. About `1/sqrt(D)` when embeddings spread over the
 * sphere, 0 when every row is the same point. Returns a scalar.
 */
export function projectionStd(z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sqrt(tf.moments(l2Normalize(z), 0).variance)));
}

/**
 * `[projectionStd, viewCosine]` for the online projections of the two views:
 * the std averaged over both views, and the mean cosine between the views of
 * each clip. Returns `[2]`.
 */
export function collapseStats(zA: tf.Tensor2D, zB: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const std = tf.mul(0.5, tf.add(projectionStd(zA), projectionStd(zB)));
    return tf.stack([std, tf.mean(rowCosine(zA, zB))]) as tf.Tensor1D;
  });
}
