import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN_GRAD, batchNormTrain } from '@byolmed3d/resnet3d';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '@byolmed3d/tfjs-portable';
import { numel, onBoth, portable, rand, relErr, setup } from './helpers.js';

describe('fused training batch norm on the portable backend', () => {
  beforeAll(async () => setup());

  it('registers the kernels @byolmed3d/resnet3d looks for', () => {
    expect(BATCH_NORM_TRAIN).toBe(FUSED_BATCH_NORM_TRAIN);
    expect(BATCH_NORM_TRAIN_GRAD).toBe(FUSED_BATCH_NORM_TRAIN_GRAD);
    expect(tf.getKernel(BATCH_NORM_TRAIN, portable)).toBeDefined();
    expect(tf.getKernel(BATCH_NORM_TRAIN_GRAD, portable)).toBeDefined();
  });

  for (const shape of [
    [2, 3, 5, 4, 7],
    [3, 2, 3, 3, 1],
    [1, 4, 6, 5, 16],
    [37, 9],
  ]) {
    it(`[${shape}]: output, batch statistics and the gradients of x, gamma, beta match the composed ops on the cpu backend`, async () => {
      const c = shape[shape.length - 1] as number;
      const xd = rand(numel(shape), 51, -2, 3), gd = rand(c, 52, 0.5, 1.5), bd = rand(c, 53);
      const { cpu, ours } = await onBoth(() => {
        const x = tf.tensor(xd, shape), g = tf.tensor1d(gd), b = tf.tensor1d(bd);
        const r = tf.tensor(rand(numel(shape), 54), shape);
        const { output, mean, variance } = batchNormTrain(x, g, b);
        const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => {
          const o = batchNormTrain(xi, gi as tf.Tensor1D, bi as tf.Tensor1D);
          tf.dispose([o.mean, o.variance]);
          return tf.sum(tf.mul(tf.square(o.output), r));
        })([x, g, b]);
        return [output, mean, variance, ...grads];
      });
      const names = ['output', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      names.forEach((n, k) => expect(relErr(cpu[k] as Float32Array, ours[k] as Float32Array), n).toBeLessThan(1e-5));
    });
  }
});
