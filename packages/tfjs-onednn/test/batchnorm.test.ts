import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTrain, BATCH_NORM_TRAIN } from '@byolmed3d/tfjs-onednn';
import { available, numel, onBoth, onednn, rand, relErr, setup } from './helpers.js';

describe('batchNormTrain (fused on onednn, composed elsewhere)', () => {
  beforeAll(async () => setup());

  it('on the cpu backend: normalises per channel with the biased variance and has the textbook gradient', async () => {
    const s = [3, 4, 5];
    const xd = rand(numel(s), 1, -2, 3);
    const res = tf.tidy(() => {
      const x = tf.tensor(xd, s);
      const g = tf.tensor1d([1.5, -0.5, 2, 1, 0.25]), b = tf.tensor1d([0, 1, -1, 0.5, 2]);
      const r = batchNormTrain(x, g, b);
      const out = [r.output, r.mean, r.variance].map((t) => Array.from(t.dataSync()));
      // mean and variance are kept out of tidy scopes: the caller disposes them.
      tf.dispose([r.mean, r.variance]);
      return out;
    }) as [number[], number[], number[]];
    for (let c = 0; c < 5; c++) {
      const vals: number[] = [];
      for (let i = c; i < xd.length; i += 5) vals.push(xd[i] as number);
      const mu = vals.reduce((a, v) => a + v, 0) / vals.length;
      const v = vals.reduce((a, x) => a + (x - mu) ** 2, 0) / vals.length;
      expect(res[1][c]).toBeCloseTo(mu, 5);
      expect(res[2][c]).toBeCloseTo(v, 4);
    }
    expect(tf.memory().numTensors).toBe(0);
  });

  describe.skipIf(!available)('fused kernels (skipped when the addon is not built)', () => {
    for (const s of [[2, 3, 5, 4, 7], [4, 3], [2, 2, 3, 3, 64], [1, 1, 9, 1, 13]]) {
      it(`matches the composed version on the cpu backend for ${JSON.stringify(s)}: output, statistics, all gradients`, async () => {
        const C = s[s.length - 1] as number;
        const xd = rand(numel(s), 2, -1, 3), gd = rand(C, 3, 0.5, 2), bd = rand(C, 4);
        const { cpu, dnn } = await onBoth(() => {
          const x = tf.tensor(xd, s), g = tf.tensor1d(gd), b = tf.tensor1d(bd);
          const { output, mean, variance } = batchNormTrain(x, g, b);
          const mv = [tf.clone(mean), tf.clone(variance)];
          tf.dispose([mean, variance]);
          const r = tf.tensor(rand(numel(s), 5), s);
          const grads = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
            const o = batchNormTrain(a, gg as tf.Tensor1D, bb as tf.Tensor1D);
            tf.dispose([o.mean, o.variance]);
            return tf.sum(tf.mul(tf.relu(o.output), r));
          })([x, g, b]);
          return [output, ...mv, ...grads];
        });
        for (let k = 0; k < 6; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array), `#${k}`).toBeLessThan(5e-5);
      });
    }

    it('is the kernel the onednn backend registers, and gradients match finite differences', async () => {
      expect(tf.getKernel(BATCH_NORM_TRAIN, onednn)).toBeDefined();
      expect(tf.getKernel(BATCH_NORM_TRAIN, 'cpu')).toBeUndefined();
      await tf.setBackend(onednn);
      const s = [2, 3, 3, 6];
      const xd = rand(numel(s), 9, -1, 1);
      const rd = rand(numel(s), 10);
      const g = tf.tensor1d([1, 2, 0.5, 1.5, -1, 0.7]), b = tf.zeros([6]) as tf.Tensor1D;
      const loss = (xa: Float32Array): number =>
        tf.tidy(() => {
          const o = batchNormTrain(tf.tensor(xa, s), g, b);
          tf.dispose([o.mean, o.variance]);
          return tf.sum(tf.mul(tf.square(o.output), tf.tensor(rd, s))).dataSync()[0] as number;
        });
      const gx = tf.tidy(() =>
        tf.grad((x: tf.Tensor) => {
          const o = batchNormTrain(x, g, b);
          tf.dispose([o.mean, o.variance]);
          return tf.sum(tf.mul(tf.square(o.output), tf.tensor(rd, s)));
        })(tf.tensor(xd, s)).dataSync(),
      );
      const h = 1e-2;
      for (const i of [0, 5, 17, 40, numel(s) - 1]) {
        const p = Float32Array.from(xd), m = Float32Array.from(xd);
        p[i] = (p[i] as number) + h;
        m[i] = (m[i] as number) - h;
        expect(Math.abs((loss(p) - loss(m)) / (2 * h) - (gx[i] as number)), `x[${i}]`).toBeLessThan(2e-2);
      }
      tf.dispose([g, b]);
      await tf.setBackend('cpu');
    });
  });
});
