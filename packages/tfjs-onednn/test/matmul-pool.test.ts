import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { available, numel, onBoth, onednn, rand, relErr, setup } from './helpers.js';

describe.skipIf(!available)('matmul and 3D pooling on oneDNN (skipped when the addon is not built)', () => {
  beforeAll(async () => setup());

  const mm: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 5, 7], [2, 7, 3], false, false],
    [[3, 5, 7], [7, 9], false, false],
    [[1, 5, 13], [4, 13, 6], false, false],
    [[2, 2, 4, 6], [2, 2, 6, 5], false, false],
  ];
  for (const [sa, sb, ta, tb] of mm) {
    it(`matMul ${JSON.stringify(sa)} x ${JSON.stringify(sb)} (transpose ${ta}, ${tb}) matches the cpu backend, with gradients`, async () => {
      const ad = rand(numel(sa), 1), bd = rand(numel(sb), 2);
      const { cpu, dnn } = await onBoth(() => {
        const a = tf.tensor(ad, sa), b = tf.tensor(bd, sb);
        const y = tf.matMul(a, b, ta, tb);
        const r = tf.tensor(rand(y.size, 3), y.shape);
        // tfjs's BatchMatMul gradient does not reduce broadcast batches: values only then.
        if (numel(sa.slice(0, -2)) !== numel(sb.slice(0, -2))) return [y];
        return [y, ...tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, z, ta, tb), r)))([a, b])];
      });
      for (let k = 0; k < cpu.length; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array), `#${k}`).toBeLessThan(1e-5);
    });
  }

  const pools: { x: [number, number, number, number, number]; f: number | [number, number, number]; s: number | [number, number, number]; pad: 'same' | 'valid' }[] = [
    { x: [2, 5, 7, 6, 3], f: 3, s: 2, pad: 'same' },
    { x: [1, 4, 9, 8, 13], f: 2, s: 2, pad: 'valid' },
    { x: [2, 3, 5, 5, 4], f: [1, 3, 3], s: [1, 2, 2], pad: 'same' },
    { x: [1, 6, 6, 6, 2], f: 3, s: 1, pad: 'valid' },
  ];
  for (const p of pools) {
    for (const kind of ['max', 'avg'] as const) {
      it(`${kind}Pool3d ${JSON.stringify(p)} matches the cpu backend, with gradients`, async () => {
        const xd = rand(numel(p.x), 9);
        const f = (x: tf.Tensor): tf.Tensor => (kind === 'max' ? tf.maxPool3d(x as tf.Tensor5D, p.f, p.s, p.pad) : tf.avgPool3d(x as tf.Tensor5D, p.f, p.s, p.pad));
        const { cpu, dnn, shapes } = await onBoth(() => {
          const x = tf.tensor5d(xd, p.x);
          const y = f(x);
          const r = tf.tensor(rand(y.size, 10), y.shape);
          return [y, tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), r)))(x)];
        });
        expect(shapes[1]).toEqual(p.x);
        expect(relErr(cpu[0] as Float32Array, dnn[0] as Float32Array), 'forward').toBeLessThan(1e-5);
        if (kind === 'avg' && p.pad === 'same') {
          // tfjs's cpu AvgPool3DGrad divides by the full window even where the
          // forward pass excluded padding; oneDNN's gradient is the true one.
          // The loss is linear in x, so central differences are exact.
          await tf.setBackend(onednn);
          const loss = (xa: Float32Array): number =>
            tf.tidy(() => {
              const y = f(tf.tensor5d(xa, p.x));
              return tf.sum(tf.mul(y, tf.tensor(rand(y.size, 10), y.shape))).dataSync()[0] as number;
            });
          const g = dnn[1] as Float32Array;
          for (const i of [0, 1, 17, 40, numel(p.x) - 1]) {
            const a = Float32Array.from(xd), b = Float32Array.from(xd);
            a[i] = (a[i] as number) + 1;
            b[i] = (b[i] as number) - 1;
            expect(Math.abs((loss(a) - loss(b)) / 2 - (g[i] as number)), `x[${i}]`).toBeLessThan(1e-4);
          }
          await tf.setBackend('cpu');
        } else {
          expect(relErr(cpu[1] as Float32Array, dnn[1] as Float32Array), 'gradient').toBeLessThan(1e-5);
        }
      });
    }
  }
});
