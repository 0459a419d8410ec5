import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv3dCases, conv3dFiniteDifferenceErrors, conv3dWithGrads, dilatedConv3d, type Conv3dCase, type Shape5 } from '@byolmed3d/test-utils';
import { PortableBackendError, registerPortableBackend } from '@byolmed3d/tfjs-portable';
import { numel, onBoth, portable, rand, relErr, setup } from './helpers.js';

/** A shape with few output positions (the backprop products are transposed). */
const fewOutputs: Conv3dCase = { name: 'few output positions (transposed backprop products), 3x3x3 stride 2 same, 41->9', x: [2, 2, 3, 3, 41], w: [3, 3, 3, 41, 9], strides: 2, pad: 'same' };

const cases: Conv3dCase[] = [
  ...conv3dCases,
  { name: '1x1x1 stride 1 valid, 7->5', x: [2, 3, 4, 5, 7], w: [1, 1, 1, 7, 5], strides: 1, pad: 'valid' },
  fewOutputs,
  { name: 'even kernel [2,2,2] stride [1,2,1] same, batch 2, 3->4', x: [2, 4, 5, 6, 3], w: [2, 2, 2, 3, 4], strides: [1, 2, 1], pad: 'same' },
  // r2plus1d_18 (width 1/4) layer1 shapes: spatial [1,3,3] and temporal [3,1,1] halves.
  { name: 'r2plus1d spatial [1,3,3] stride 1 same, 16->36', x: [2, 8, 16, 16, 16], w: [1, 3, 3, 16, 36], strides: 1, pad: 'same' },
  { name: 'r2plus1d temporal [3,1,1] stride 1 same, 36->16', x: [2, 8, 16, 16, 36], w: [3, 1, 1, 36, 16], strides: 1, pad: 'same' },
];

/** Forward and both gradients of sum(conv3d(x, w) * r) on the cpu backend and on ours. */
async function compare(c: Conv3dCase): Promise<number[]> {
  const { cpu, ours, shapes } = await onBoth(conv3dWithGrads(c));
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
    for (const c of [...conv3dCases.slice(0, 4), fewOutputs]) {
      it(`${c.name}: still matches the cpu backend`, async () => {
        for (const e of await compare(c)) expect(e).toBeLessThan(1e-5);
      });
    }
  });

  it('dilated forward matches the cpu backend', async () => {
    const { cpu, ours } = await onBoth(dilatedConv3d());
    expect(relErr(cpu[0] as Float32Array, ours[0] as Float32Array)).toBeLessThan(1e-5);
  });

  it('gradients match central finite differences on the portable backend alone (bilinear loss: exact up to rounding)', async () => {
    await tf.setBackend(portable);
    const e = await conv3dFiniteDifferenceErrors();
    expect(e.dx, 'input gradient').toBeLessThan(1e-3);
    expect(e.dw, 'filter gradient').toBeLessThan(1e-3);
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
