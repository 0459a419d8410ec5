import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv3dCases, conv3dFiniteDifferenceErrors, conv3dGemmCase, conv3dWithGrads, dilatedConv3d, type Conv3dCase } from '@byolmed3d/test-utils';
import { available, onBoth, onednn, relErr, setup } from './helpers.js';

const cases: Conv3dCase[] = [
  ...conv3dCases,
  // >= 1024 output positions, strided in all axes: the forward takes the im2col + GEMM path.
  conv3dGemmCase,
  { name: '1x1x1 stride 2 same, 1152 outputs (GEMM forward), 7->3', x: [2, 8, 24, 24, 7], w: [1, 1, 1, 7, 3], strides: 2, pad: 'same' },
];

describe.skipIf(!available)('Conv3D on oneDNN (skipped when the addon is not built)', () => {
  beforeAll(async () => setup());

  for (const c of cases) {
    it(`${c.name}: forward and both gradients match the cpu backend`, async () => {
      const { cpu, dnn, shapes } = await onBoth(conv3dWithGrads(c));
      expect(shapes[1]).toEqual(c.x);
      expect(shapes[2]).toEqual(c.w);
      for (let k = 0; k < 3; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array)).toBeLessThan(1e-5);
    });
  }

  it('dilated forward matches the cpu backend', async () => {
    const { cpu, dnn } = await onBoth(dilatedConv3d());
    expect(relErr(cpu[0] as Float32Array, dnn[0] as Float32Array)).toBeLessThan(1e-5);
  });

  it('gradients match central finite differences (the loss is bilinear, so they are exact up to rounding)', async () => {
    await tf.setBackend(onednn);
    const e = await conv3dFiniteDifferenceErrors();
    expect(e.dx, 'input gradient').toBeLessThan(1e-3);
    expect(e.dw, 'filter gradient').toBeLessThan(1e-3);
    await tf.setBackend('cpu');
  });
});
