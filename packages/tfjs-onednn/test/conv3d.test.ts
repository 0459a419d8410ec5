import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { available, numel, onBoth, onednn, rand, relErr, setup } from './helpers.js';

type Triple = [number, number, number];
interface Case {
  name: string;
  x: [number, number, number, number, number];
  w: [number, number, number, number, number];
  strides: Triple | number;
  pad: 'same' | 'valid';
  dilations?: Triple | number;
}

const cases: Case[] = [
  { name: '3x3x3 stride 1 same, 3->5 channels', x: [2, 5, 7, 6, 3], w: [3, 3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: '3x3x3 stride 2 same, odd sizes, 6->11', x: [1, 5, 9, 7, 6], w: [3, 3, 3, 6, 11], strides: 2, pad: 'same' },
  { name: 'stem-like 3x7x7 stride [1,2,2] valid', x: [2, 4, 13, 12, 3], w: [3, 7, 7, 3, 9], strides: [1, 2, 2], pad: 'valid' },
  { name: '1x1x1 stride 2 same (tfjs pads -1)', x: [2, 4, 6, 6, 13], w: [1, 1, 1, 13, 17], strides: 2, pad: 'same' },
  { name: '1x1x1 stride 1 valid, 1 channel', x: [3, 2, 3, 4, 1], w: [1, 1, 1, 1, 1], strides: 1, pad: 'valid' },
  { name: '[1,3,3] stride [1,2,2] same, 10->7', x: [2, 3, 8, 9, 10], w: [1, 3, 3, 10, 7], strides: [1, 2, 2], pad: 'same' },
  { name: '[3,1,1] stride [2,1,1] valid', x: [1, 7, 4, 5, 5], w: [3, 1, 1, 5, 4], strides: [2, 1, 1], pad: 'valid' },
  // >= 1024 output positions, strided in all axes: the forward takes the im2col + GEMM path.
  { name: '3x3x3 stride 2 same, 1152 outputs (GEMM forward), 5->6', x: [2, 8, 24, 24, 5], w: [3, 3, 3, 5, 6], strides: 2, pad: 'same' },
  { name: '1x1x1 stride 2 same, 1152 outputs (GEMM forward), 7->3', x: [2, 8, 24, 24, 7], w: [1, 1, 1, 7, 3], strides: 2, pad: 'same' },
];

describe.skipIf(!available)('Conv3D on oneDNN (skipped when the addon is not built)', () => {
  beforeAll(async () => setup());

  for (const c of cases) {
    it(`${c.name}: forward and both gradients match the cpu backend`, async () => {
      const xd = rand(numel(c.x), 11), wd = rand(numel(c.w), 12);
      const { cpu, dnn, shapes } = await onBoth(() => {
        const x = tf.tensor5d(xd, c.x), w = tf.tensor5d(wd, c.w);
        const y = tf.conv3d(x, w, c.strides, c.pad, 'NDHWC', c.dilations ?? 1);
        const r = tf.tensor(rand(y.size, 13), y.shape);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides, c.pad), r)))([x, w]);
        return [y, ...g];
      });
      expect(shapes[1]).toEqual(c.x);
      expect(shapes[2]).toEqual(c.w);
      for (let k = 0; k < 3; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array)).toBeLessThan(1e-5);
    });
  }

  it('dilated forward matches the cpu backend', async () => {
    const xs: [number, number, number, number, number] = [1, 7, 8, 9, 4], ws: [number, number, number, number, number] = [3, 3, 3, 4, 6];
    const xd = rand(numel(xs), 21), wd = rand(numel(ws), 22);
    const { cpu, dnn } = await onBoth(() => tf.conv3d(tf.tensor5d(xd, xs), tf.tensor5d(wd, ws), 1, 'same', 'NDHWC', 2));
    expect(relErr(cpu[0] as Float32Array, dnn[0] as Float32Array)).toBeLessThan(1e-5);
  });

  it('gradients match central finite differences (the loss is bilinear, so they are exact up to rounding)', async () => {
    await tf.setBackend(onednn);
    const xs: [number, number, number, number, number] = [2, 3, 5, 4, 3], ws: [number, number, number, number, number] = [3, 3, 3, 3, 5];
    const strides: Triple = [1, 2, 1];
    const xd = rand(numel(xs), 31), wd = rand(numel(ws), 32);
    const loss = (xa: Float32Array, wa: Float32Array): number =>
      tf.tidy(() => {
        const y = tf.conv3d(tf.tensor5d(xa, xs), tf.tensor5d(wa, ws), strides, 'same');
        return tf.sum(tf.mul(y, tf.tensor(rand(y.size, 33), y.shape))).dataSync()[0] as number;
      });
    const [gx, gw] = tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const y = tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, strides, 'same');
        return tf.sum(tf.mul(y, tf.tensor(rand(y.size, 33), y.shape)));
      })([tf.tensor5d(xd, xs), tf.tensor5d(wd, ws)]);
      return g.map((t) => t.dataSync());
    }) as [Float32Array, Float32Array];
    const h = 0.5;
    for (const i of [0, 7, 33, 100, numel(xs) - 1]) {
      const p = Float32Array.from(xd), m = Float32Array.from(xd);
      p[i] = (p[i] as number) + h;
      m[i] = (m[i] as number) - h;
      expect(Math.abs((loss(p, wd) - loss(m, wd)) / (2 * h) - (gx[i] as number))).toBeLessThan(1e-3);
    }
    for (const i of [0, 5, 50, 200, numel(ws) - 1]) {
      const p = Float32Array.from(wd), m = Float32Array.from(wd);
      p[i] = (p[i] as number) + h;
      m[i] = (m[i] as number) - h;
      expect(Math.abs((loss(xd, p) - loss(xd, m)) / (2 * h) - (gw[i] as number))).toBeLessThan(1e-3);
    }
    await tf.setBackend('cpu');
  });
});
