import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@byolmed3d/test-utils';
import { PortableBackendError, registerPortableBackend } from '@byolmed3d/tfjs-portable';
import { numel, onBoth, portable, rand, relErr, setup } from './helpers.js';

type Triple = [number, number, number];
type Shape5 = [number, number, number, number, number];
interface Case {
  name: string;
  x: Shape5;
  w: Shape5;
  strides: Triple | number;
  pad: 'same' | 'valid';
}

const cases: Case[] = [
  { name: '3x3x3 stride 1 same, batch 2, 3->5 channels', x: [2, 5, 7, 6, 3], w: [3, 3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: '3x3x3 stride 2 same, odd sizes, 6->11', x: [1, 5, 9, 7, 6], w: [3, 3, 3, 6, 11], strides: 2, pad: 'same' },
  { name: 'stem-like 3x7x7 stride [1,2,2] valid, batch 2', x: [2, 4, 13, 12, 3], w: [3, 7, 7, 3, 9], strides: [1, 2, 2], pad: 'valid' },
  { name: '1x1x1 stride 2 same (tfjs pads -1), 13->17', x: [2, 4, 6, 6, 13], w: [1, 1, 1, 13, 17], strides: 2, pad: 'same' },
  { name: '1x1x1 stride 1 valid (one matmul), batch 3, 1 channel', x: [3, 2, 3, 4, 1], w: [1, 1, 1, 1, 1], strides: 1, pad: 'valid' },
  { name: '1x1x1 stride 1 valid, 7->5', x: [2, 3, 4, 5, 7], w: [1, 1, 1, 7, 5], strides: 1, pad: 'valid' },
  { name: '[1,3,3] stride [1,2,2] same, 10->7', x: [2, 3, 8, 9, 10], w: [1, 3, 3, 10, 7], strides: [1, 2, 2], pad: 'same' },
  { name: '[3,1,1] stride [2,1,1] valid, 5->4', x: [1, 7, 4, 5, 5], w: [3, 1, 1, 5, 4], strides: [2, 1, 1], pad: 'valid' },
  { name: 'few output positions (transposed backprop products), 3x3x3 stride 2 same, 41->9', x: [2, 2, 3, 3, 41], w: [3, 3, 3, 41, 9], strides: 2, pad: 'same' },
  { name: 'even kernel [2,2,2] stride [1,2,1] same, batch 2, 3->4', x: [2, 4, 5, 6, 3], w: [2, 2, 2, 3, 4], strides: [1, 2, 1], pad: 'same' },
  // r2plus1d_18 (width 1/4) layer1 shapes: spatial [1,3,3] and temporal [3,1,1] halves.
  { name: 'r2plus1d spatial [1,3,3] stride 1 same, 16->36', x: [2, 8, 16, 16, 16], w: [1, 3, 3, 16, 36], strides: 1, pad: 'same' },
  { name: 'r2plus1d temporal [3,1,1] stride 1 same, 36->16', x: [2, 8, 16, 16, 36], w: [3, 1, 1, 36, 16], strides: 1, pad: 'same' },
];

/** Forward and both gradients of sum(conv3d(x, w) * r) on the cpu backend and on ours. */
async function compare(c: Case): Promise<number[]> {
  const xd = rand(numel(c.x), 11), wd = rand(numel(c.w), 12);
  const { cpu, ours, shapes } = await onBoth(() => {
    const x = tf.tensor5d(xd, c.x), w = tf.tensor5d(wd, c.w);
    const y = tf.conv3d(x, w, c.strides, c.pad);
    const r = tf.tensor(rand(y.size, 13), y.shape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides, c.pad), r)))([x, w]);
    return [y, ...g];
  });
  expect(shapes[1]).toEqual(c.x);
  expect(shapes[2]).toEqual(c.w);
  return [0, 1, 2].map((k) => relErr(cpu[k] as Float32Array, ours[k] as Float32Array));
}

describe('Conv3D and its gradients on the portable backend', () => {
  beforeAll(async () => setup());

  for (const c of cases) {
    it(`${c.name}: forward, input gradient and filter gradient match the cpu backend`, async () => {
      const [fwd, dx, dw] = await compare(c);
      expect(fwd, 'forward').toBeLessThan(1e-5);
      expect(dx, 'input gradient').toBeLessThan(1e-5);
      expect(dw, 'filter gradient').toBeLessThan(1e-5);
    });
  }

  describe('with column matrices split into many chunks', () => {
    beforeAll(async () => {
      await registerPortableBackend({ chunkBytes: 4 * 50 });
    });
    afterAll(async () => {
      await registerPortableBackend();
    });
    for (const c of [...cases.slice(0, 4), cases[8] as Case]) {
      it(`${c.name}: still matches the cpu backend`, async () => {
        for (const e of await compare(c)) expect(e).toBeLessThan(1e-5);
      });
    }
  });

  it('dilated forward matches the cpu backend', async () => {
    const xs: Shape5 = [1, 7, 8, 9, 4], ws: Shape5 = [3, 3, 3, 4, 6];
    const xd = rand(numel(xs), 21), wd = rand(numel(ws), 22);
    const { cpu, ours } = await onBoth(() => tf.conv3d(tf.tensor5d(xd, xs), tf.tensor5d(wd, ws), 1, 'same', 'NDHWC', 2));
    expect(relErr(cpu[0] as Float32Array, ours[0] as Float32Array)).toBeLessThan(1e-5);
  });

  it('gradients match central finite differences on the portable backend alone (bilinear loss: exact up to rounding)', async () => {
    await tf.setBackend(portable);
    const xs: Shape5 = [2, 3, 5, 4, 3], ws: Shape5 = [3, 3, 3, 3, 5];
    const strides: Triple = [1, 2, 1];
    const xd = rand(numel(xs), 31), wd = rand(numel(ws), 32);
    const loss = (xa: Float32Array, wa: Float32Array): number =>
      tf.tidy(() => {
        const y = tf.conv3d(tf.tensor5d(xa, xs), tf.tensor5d(wa, ws), strides, 'same');
        return tf.sum(tf.mul(y, tf.tensor(rand(y.size, 33), y.shape))).dataSync()[0] as number;
      });
    const [gx, gw] = await expectNoLeaks(() =>
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const y = tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, strides, 'same');
          return tf.sum(tf.mul(y, tf.tensor(rand(y.size, 33), y.shape)));
        })([tf.tensor5d(xd, xs), tf.tensor5d(wd, ws)]);
        return g.map((t) => t.dataSync());
      }),
    ) as [Float32Array, Float32Array];
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

  it('a filter updated in place of an old one is not served from a stale XNNPACK packing', async () => {
    await tf.setBackend(portable);
    const xs: Shape5 = [1, 3, 4, 4, 2], ws: Shape5 = [3, 3, 3, 2, 3];
    const x = tf.tensor5d(rand(numel(xs), 41), xs);
    const v = tf.variable(tf.tensor5d(rand(numel(ws), 42), ws));
    const y1 = tf.conv3d(x, v as tf.Tensor5D, 1, 'same').dataSync();
    v.assign(tf.mul(v, -2) as tf.Tensor5D);
    const y2 = tf.conv3d(x, v as tf.Tensor5D, 1, 'same').dataSync();
    for (let i = 0; i < y1.length; i++) expect(y2[i]).toBeCloseTo(-2 * (y1[i] as number), 4);
    tf.dispose([x, v]);
    await tf.setBackend('cpu');
  });

  it('rejects a bad chunk size with a PortableBackendError', async () => {
    await expect(registerPortableBackend({ chunkBytes: 0 })).rejects.toBeInstanceOf(PortableBackendError);
    await expect(registerPortableBackend({ chunkBytes: Number.NaN })).rejects.toThrow(/chunkBytes/);
  });
});
