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

  it('stateDictAsync and clone read nothing synchronously; stateDictAsync equals stateDict after training', async () => {
    await expectNoLeaks(async () => {
      const m = createVideoResNet('r3d_18', { numClasses: 3, widthMultiplier: 1 / 16, inChannels: 1, seed: 4 });
      const x = tf.randomNormal([2, 3, 9, 11, 1], 0, 1, 'float32', 5) as tf.Tensor5D;
      const out = m.apply(x, { training: true });
      tf.dispose([out.features, out.logits as tf.Tensor]);
      const want = m.stateDict();
      const proto = tf.Tensor.prototype as unknown as Record<'dataSync' | 'arraySync', () => unknown>;
      const saved = { dataSync: proto.dataSync, arraySync: proto.arraySync };
      proto.dataSync = proto.arraySync = () => {
        throw new Error('synchronous read');
      };
      let got: Awaited<ReturnType<typeof m.stateDictAsync>>;
      let copy: ReturnType<typeof m.clone>;
      try {
        got = await m.stateDictAsync();
        copy = m.clone();
      } finally {
        Object.assign(proto, saved);
      }
      expect(Object.keys(got)).toEqual(Object.keys(want));
      for (const [k, e] of Object.entries(want)) {
        expect(got[k]?.shape, k).toEqual(e.shape);
        expect(got[k]?.dtype, k).toBe(e.dtype);
        expect(Array.from(got[k]?.data as ArrayLike<number | bigint>), k).toEqual(Array.from(e.data as ArrayLike<number | bigint>));
      }
      expect(Number(got['stem.1.num_batches_tracked']?.data[0])).toBe(1);
      expect(Number(copy.stateDict()['stem.1.num_batches_tracked']?.data[0])).toBe(1);
      x.dispose();
      m.dispose();
      copy.dispose();
    });
  });
});
