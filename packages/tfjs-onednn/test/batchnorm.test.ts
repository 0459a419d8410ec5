import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTrain } from '@byolmed3d/resnet3d';
import { BATCH_NORM_ACT_TRAIN, BATCH_NORM_TRAIN } from '@byolmed3d/tfjs-onednn';
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

    for (const [s, relu, res] of [
      [[2, 3, 5, 4, 7], true, false],
      [[2, 3, 5, 4, 7], true, true],
      [[4, 3], false, true],
      [[2, 2, 3, 3, 64], true, true],
      [[1, 1, 9, 1, 13], true, false],
    ] as [number[], boolean, boolean][]) {
      it(`with ${relu ? 'ReLU' : ''}${relu && res ? ' and ' : ''}${res ? 'residual' : ''} fused, matches bn + add + relu as tfjs ops on the cpu backend for ${JSON.stringify(s)}: output and every gradient`, async () => {
        const C = s[s.length - 1] as number;
        const xd = rand(numel(s), 12, -1, 3), gd = rand(C, 13, -1, 2), bd = rand(C, 14), rd = rand(numel(s), 15), wd = rand(numel(s), 16);
        const { cpu, dnn } = await onBoth(() => {
          const x = tf.tensor(xd, s), g = tf.tensor1d(gd), b = tf.tensor1d(bd), r = tf.tensor(rd, s), w = tf.tensor(wd, s);
          const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor, rr: tf.Tensor): tf.Tensor => {
            const o = batchNormTrain(a, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-3, { relu, ...(res ? { residual: rr } : {}) });
            tf.dispose([o.mean, o.variance]);
            return o.output;
          };
          const out = f(x, g, b, r);
          // tf.grads refuses an input the result does not depend on: the residual only when used.
          const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(a[0] as tf.Tensor, a[1] as tf.Tensor, a[2] as tf.Tensor, a[3] ?? r), w)))(res ? [x, g, b, r] : [x, g, b]);
          return [out, ...grads];
        });
        expect(dnn.length).toBe(res ? 5 : 4);
        for (let k = 0; k < dnn.length; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array), `#${k}`).toBeLessThan(5e-5);
        // The ReLU really clipped something (and its gradient is zero there).
        if (relu) expect((dnn[0] as Float32Array).some((v) => v === 0)).toBe(true);
      });
    }

    it('runs the fused ReLU / residual kernel on onednn (not the composed ops), and it keeps fewer tensors for the backward pass', async () => {
      expect(tf.getKernel(BATCH_NORM_ACT_TRAIN, onednn)).toBeDefined();
      await tf.setBackend(onednn);
      const s = [2, 4, 4, 4, 8];
      const x = tf.tensor(rand(numel(s), 20), s), r = tf.tensor(rand(numel(s), 21), s);
      const g = tf.ones([8]) as tf.Tensor1D, b = tf.zeros([8]) as tf.Tensor1D;
      const kept = (fused: boolean): number => {
        let n = 0;
        tf.tidy(() => {
          tf.grads((a: tf.Tensor) => {
            const before = tf.memory().numBytes;
            let out: tf.Tensor;
            if (fused) {
              const o = batchNormTrain(a, g, b, undefined, { relu: true, residual: r });
              tf.dispose([o.mean, o.variance]);
              out = o.output;
            } else {
              const o = batchNormTrain(a, g, b);
              tf.dispose([o.mean, o.variance]);
              out = tf.relu(tf.add(o.output, r));
            }
            n = tf.memory().numBytes - before;
            return tf.sum(out);
          })([x]);
        });
        return n;
      };
      const fusedBytes = kept(true), separateBytes = kept(false);
      // Fused: the output only (x and the output are saved). Separate: bn output, sum, relu output.
      expect(fusedBytes).toBeLessThan(separateBytes / 2);
      tf.dispose([x, r, g, b]);
      await tf.setBackend('cpu');
      expect(tf.memory().numTensors).toBe(0);
    });

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
