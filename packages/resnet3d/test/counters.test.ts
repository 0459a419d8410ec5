import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { createVideoResNet } from '@byolmed3d/resnet3d';

beforeAll(async () => {
  await useBackend();
});

describe('batch-norm counters (num_batches_tracked)', () => {
  it('are int32 non-trainable variables, counted on the device, in the state dict and restorable through the variables', async () => {
    await expectNoLeaks(async () => {
      const m = createVideoResNet('r3d_18', { numClasses: 0, widthMultiplier: 1 / 16, inChannels: 1, seed: 1 });
      const counters = m.nonTrainableVariables.filter((v) => v.name.endsWith('.num_batches_tracked'));
      expect(counters.length).toBe(Object.keys(m.stateDict()).filter((k) => k.endsWith('num_batches_tracked')).length);
      expect(counters.length).toBeGreaterThan(0);
      for (const v of counters) {
        expect(v.dtype).toBe('int32');
        expect(v.trainable).toBe(false);
        expect(v.shape).toEqual([]);
      }
      const x = tf.randomNormal([2, 4, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor5D;
      tf.dispose(m.apply(x, { training: true }).features);
      tf.dispose(m.apply(x, { training: true }).features);
      tf.dispose(m.apply(x, { training: false }).features);
      expect(Number(m.stateDict()['stem.1.num_batches_tracked']?.data[0])).toBe(2);
      // Saving and restoring the variables (what getWeights/setWeights do) carries the counters.
      const saved = m.nonTrainableVariables.map((v) => tf.clone(v));
      const other = createVideoResNet('r3d_18', { numClasses: 0, widthMultiplier: 1 / 16, inChannels: 1, seed: 2 });
      other.nonTrainableVariables.forEach((v, i) => v.assign(saved[i] as tf.Tensor));
      expect(Number(other.stateDict()['layer4.1.conv2.1.num_batches_tracked']?.data[0])).toBe(2);
      tf.dispose([x, ...saved]);
      m.dispose();
      other.dispose();
    });
  });
});
