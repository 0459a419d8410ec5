import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';

/**
 * `tf.where(cond, a, b)` for three tensors of one shape, computed on their
 * flattened views: tfjs-webgpu's Select has no rank-5 shader ("Where for
 * rank 5 is not yet supported"), and the tensor path works on rank-5 batches.
 */
export function whereSameShape<T extends tf.Tensor>(cond: tf.Tensor, a: T, b: tf.Tensor): T {
  check(tf.util.arraysEqual(cond.shape, a.shape) && tf.util.arraysEqual(a.shape, b.shape), 'whereSameShape', () => `shapes differ: [${cond.shape.join(', ')}], [${a.shape.join(', ')}], [${b.shape.join(', ')}]`);
  return tf.tidy(() => tf.reshape(tf.where(tf.reshape(cond, [-1]), tf.reshape(a, [-1]), tf.reshape(b, [-1])), a.shape) as T);
}
