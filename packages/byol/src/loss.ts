import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';

function checkPair(context: string, a: tf.Tensor, b: tf.Tensor): void {
  check(a.rank === 2 && b.rank === 2, context, () => `expected two [N, D] tensors, got ranks ${a.rank} and ${b.rank}`);
  check(a.shape[0] === b.shape[0] && a.shape[1] === b.shape[1], context, () => `shape mismatch [${a.shape.join(', ')}] vs [${b.shape.join(', ')}]`);
}

/**
 * Rows of `x [N, D]` divided by their L2 norm, as PyTorch's
 * `F.normalize(x, dim=1)`: the norm is clamped at `eps` (default 1e-12) so a
 * zero row stays zero and its gradient finite.
 */
export function l2Normalize(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), eps * eps))));
}

/** Cosine similarity per row of two `[N, D]` tensors. Returns `[N]`. */
export function rowCosine(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  checkPair('rowCosine', a, b);
  return tf.tidy(() => tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1));
}

/**
 * BYOL's regression loss per row: `2 - 2 cos(p, z)`, the squared distance
 * between L2-normalised predictions `p` and targets `z`, both `[N, D]`.
 * Returns `[N]`, each in [0, 4].
 */
export function byolLoss(p: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  checkPair('byolLoss', p, z);
  return tf.tidy(() => tf.sub(2, tf.mul(2, rowCosine(p, z))));
}

/**
 * BYOL's symmetrised loss as in the paper (L + L~) and BYOL-PyTorch: view A's
 * prediction regresses view B's target projection and vice versa; the two
 * per-row losses are added and averaged over the batch. Scalar in [0, 8].
 *
 * @param pA - Online prediction of view A, `[N, D]`.
 * @param zB - Target projection of view B, `[N, D]` (treated as constant by the caller).
 * @param pB - Online prediction of view B.
 * @param zA - Target projection of view A.
 */
export function symmetricByolLoss(pA: tf.Tensor2D, zB: tf.Tensor2D, pB: tf.Tensor2D, zA: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.add(byolLoss(pA, zB), byolLoss(pB, zA))));
}

/**
 * SimSiam's symmetrised negative cosine: `D(pA, zB)/2 + D(pB, zA)/2` with
 * `D(p, z) = -mean(cos(p, z))`. Scalar in [-1, 1]; the caller stops the
 * gradient through `zA` and `zB`.
 */
export function simSiamLoss(pA: tf.Tensor2D, zB: tf.Tensor2D, pB: tf.Tensor2D, zA: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mul(-0.5, tf.add(tf.mean(rowCosine(pA, zB)), tf.mean(rowCosine(pB, zA)))));
}

/**
 * SimCLR's NT-Xent loss (normalised temperature-scaled cross entropy) over
 * the 2N projections of a micro-batch: for each of the 2N rows the positive
 * is the other view of the same clip and the 2N - 2 other rows are the
 * negatives. Cosine similarities are divided by `temperature` (default 0.1)
 * and self-similarities are excluded. Scalar, the mean over the 2N rows.
 *
 * The negatives are only those in this call: accumulating gradients over
 * micro-batches does NOT give SimCLR the negatives of the effective batch.
 */
export function ntXentLoss(zA: tf.Tensor2D, zB: tf.Tensor2D, temperature = 0.1): tf.Scalar {
  checkPair('ntXentLoss', zA, zB);
  check(temperature > 0, 'ntXentLoss', () => `temperature must be > 0, got ${temperature}`);
  const n = zA.shape[0];
  check(n >= 2, 'ntXentLoss', () => `needs at least 2 clips for negatives, got ${n}`);
  return tf.tidy(() => {
    const z = l2Normalize(tf.concat([zA, zB], 0));
    const logits = tf.div(tf.matMul(z, z, false, true), temperature);
    // Self-similarity is masked out with a large negative logit.
    const masked = tf.sub(logits, tf.mul(tf.eye(2 * n), 1e9));
    const lse = tf.logSumExp(masked, 1);
    // Positive of row i is row (i + n) mod 2n: its logit is cos(zA_i, zB_i) / T for both halves.
    const pos = tf.div(tf.sum(tf.mul(tf.slice(z, [0, 0], [n, -1]), tf.slice(z, [n, 0], [n, -1])), 1), temperature);
    return tf.mean(tf.sub(lse, tf.concat([pos, pos], 0)));
  });
}
