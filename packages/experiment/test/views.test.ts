import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import { defaultConfig, mergeConfig } from '@byolmed3d/experiment';
import { pretrainViews, useTensorViews } from '@byolmed3d/experiment/internal';
import { makeViews } from '../src/train/pretrain.js';
import type { Clip } from '@byolmed3d/augment3d';

beforeAll(async () => {
  await useBackend('cpu');
});

/** A grey clip of [0, 1] values, deterministic. */
function clip(t: number, h: number, w: number, seed: number): Clip {
  const data = new Float32Array(t * h * w);
  let a = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    data[i] = a / 2 ** 32;
  }
  return { data, shape: [t, h, w, 1] };
}

describe('pretraining views: augment3d tensor path vs typed-array path', () => {
  it('uses the tensor path on GPU backends only, not on a software WebGPU adapter', () => {
    expect(useTensorViews('webgpu', false)).toBe(true);
    expect(useTensorViews('webgl', false)).toBe(true);
    expect(useTensorViews('webgpu', true)).toBe(false);
    for (const b of ['cpu', 'wasm', 'onednn', 'tensorflow']) expect(useTensorViews(b, false)).toBe(false);
    expect(useTensorViews()).toBe(false); // cpu here
  });

  for (const views of ['byolmed3d', 'byol'] as const) {
    it(`${views} preset: same seeds give the same views within float rounding on clips of different lengths (odd sizes), no leaks`, async () => {
      const cfg = mergeConfig(defaultConfig(), { data: { frames: 3, crop: 11, channels: 3 }, pretrain: { views, minScale: 0.3 } });
      const v = makeViews(cfg);
      const clips = [clip(5, 17, 13, 1), clip(7, 17, 13, 2), clip(3, 17, 13, 3)];
      const seeds = [11, 12, 13];
      const [ta, tb] = pretrainViews(v, clips, seeds, false);
      await expectNoLeaks(async () => {
        const [ga, gb] = pretrainViews(v, clips, seeds, true);
        expect(ga.shape).toEqual([3, 3, 11, 11, 3]);
        expect(ga.shape).toEqual(ta.shape);
        expect(gb.shape).toEqual(tb.shape);
        const [a1, b1, a2, b2] = await Promise.all([ta.data(), tb.data(), ga.data(), gb.data()]);
        // z-scored / normalised views: values of order 1.
        expect(maxAbsDiff(a2, a1)).toBeLessThan(2e-4);
        expect(maxAbsDiff(b2, b1)).toBeLessThan(2e-4);
        // The two views differ (the test can tell them apart).
        expect(maxAbsDiff(a1, b1)).toBeGreaterThan(1e-2);
        tf.dispose([ga, gb]);
      });
      tf.dispose([ta, tb]);
    });
  }
});
