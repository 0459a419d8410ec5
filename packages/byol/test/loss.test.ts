import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { byolLoss } from '@byolmed3d/byol';

describe('byolLoss', () => {
  it('equals 2 - 2 cos, computed by hand', async () => {
    await useBackend();
    await expectNoLeaks(async () => {
      const p = tf.tensor2d([[1, 0], [3, 4]]);
      const z = tf.tensor2d([[0, 2], [3, 4]]);
      const l = byolLoss(p, z);
      expect(Array.from(await l.data())).toEqual([2, expect.closeTo(0, 6)]);
      tf.dispose([p, z, l]);
    });
  });
});
