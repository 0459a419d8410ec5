import * as tf from '@tensorflow/tfjs-core';

/**
 * BYOL's regression loss per row: `2 - 2 cos(p, z)` between L2-normalised
 * predictions `p` and targets `z`, both `[N, D]`. Returns `[N]`.
 */
export function byolLoss(p: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const cos = tf.sum(tf.mul(tf.div(p, tf.norm(p, 'euclidean', 1, true)), tf.div(z, tf.norm(z, 'euclidean', 1, true))), 1);
    return tf.sub(2, tf.mul(2, cos)) as tf.Tensor1D;
  });
}
