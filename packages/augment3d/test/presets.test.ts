import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import { byolMed3dViews, byolViews, evalTransform, type Clip } from '@byolmed3d/augment3d';
import { mean, randClip, std } from './helpers.js';

beforeAll(async () => {
  await useBackend();
});

function channel(clip: Clip, c: number): number[] {
  const C = clip.shape[3];
  const out: number[] = [];
  for (let i = c; i < clip.data.length; i += C) out.push(clip.data[i]!);
  return out;
}

describe('byolMed3dViews', () => {
  it('defaults: grey 0-255 slices -> two 16x224x224x3 z-scored views with the paper parameters', () => {
    const x = randClip([24, 48, 48, 1], 3);
    const p = byolMed3dViews({ inputScale: 1 / 255, seed: 1 });
    x.data.forEach((v, i) => (x.data[i] = Math.round(v * 255)));
    const [a, b] = p.sample(x);
    expect(a.shape).toEqual([16, 224, 224, 3]);
    expect(b.shape).toEqual([16, 224, 224, 3]);
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(mean(channel(a, c)))).toBeLessThan(1e-4);
      expect(Math.abs(std(channel(a, c)) - 1)).toBeLessThan(1e-3);
    }
    const log = p.paramsLog();
    expect(log.shared.map((e) => e.transform)).toEqual(['RandTemporalSample', 'ScaleIntensity']);
    expect(log.view1.map((e) => e.transform)).toEqual(['RandomResizedCrop', 'RepeatChannels', 'RandColorJitter', 'RandGaussianBlur', 'ZScore']);
    const idx = (log.shared[0]!.params as { indices: number[] }).indices;
    for (let k = 1; k < 16; k++) expect(idx[k]).toBe(idx[0]! + k);
    const crop = log.view1[0]!.params as { height: number; width: number };
    expect(crop.height * crop.width).toBeGreaterThanOrEqual(0.45 * 48 * 48);
  });

  it('blur probabilities 0.6 / 0.4 and jitter 0.8 over many draws', () => {
    const p = byolMed3dViews({ size: 8, frames: 2, seed: 3 });
    const x = randClip([3, 10, 10, 1]);
    let b1 = 0;
    let b2 = 0;
    let j = 0;
    const n = 400;
    for (let i = 0; i < n; i++) {
      p.sample(x);
      const log = p.paramsLog();
      if ((log.view1[3]!.params as { applied: boolean }).applied) b1++;
      if ((log.view2[3]!.params as { applied: boolean }).applied) b2++;
      if ((log.view1[2]!.params as { applied: boolean }).applied) j++;
    }
    expect(b1 / n).toBeGreaterThan(0.52);
    expect(b1 / n).toBeLessThan(0.68);
    expect(b2 / n).toBeGreaterThan(0.32);
    expect(b2 / n).toBeLessThan(0.48);
    expect(j / n).toBeGreaterThan(0.74);
    expect(j / n).toBeLessThan(0.86);
  });

  it('same seed same views, different seeds differ, the two views differ', () => {
    const x = randClip([10, 20, 20, 1]);
    const opts = { size: 12, frames: 4 };
    const [a1, b1] = byolMed3dViews({ ...opts, seed: 5 }).sample(x);
    const [a2, b2] = byolMed3dViews({ ...opts, seed: 5 }).sample(x);
    expect(a2.data).toEqual(a1.data);
    expect(b2.data).toEqual(b1.data);
    const [a3] = byolMed3dViews({ ...opts, seed: 6 }).sample(x);
    expect(maxAbsDiff(a3.data, a1.data)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(a1.data, b1.data)).toBeGreaterThan(0.1);
    const p = byolMed3dViews({ ...opts, seed: 5 });
    p.sample(x);
    p.setSeed(5);
    expect(p.sample(x)[0].data).toEqual(a1.data);
  });

  it('view 2 may choose its own frames (random sorted subset)', () => {
    const p = byolMed3dViews({ size: 8, temporal: { frames: 4, mode: 'contiguous', view2Mode: 'subset' }, seed: 2 });
    p.sample(randClip([12, 10, 10, 1]));
    const log = p.paramsLog();
    expect(log.shared.map((e) => e.transform)).toEqual([]);
    expect(log.view2[0]!.transform).toBe('RandTemporalSample');
    const idx = (log.view2[0]!.params as { indices: number[] }).indices;
    expect(new Set(idx).size).toBe(4);
  });

  it('sampleBatch equals sample clip by clip and leaks nothing', async () => {
    const clips = [randClip([6, 14, 14, 1], 1), randClip([6, 14, 14, 1], 2), randClip([6, 14, 14, 1], 3)];
    for (const make of [() => byolMed3dViews({ size: 10, frames: 4, seed: 9 }), () => byolViews({ size: 10, frames: 4, seed: 9, solarizeProb: [0.5, 0.5] })]) {
      const typed = clips.map((c) => make().sample(c));
      // Same pipeline object for both paths, re-seeded: the draws run clip by clip.
      const p = make();
      const seq = clips.map((c) => p.sample(c));
      const all = new Float32Array(clips.length * clips[0]!.data.length);
      clips.forEach((c, i) => all.set(c.data, i * c.data.length));
      const x = tf.tensor5d(all, [3, 6, 14, 14, 1]);
      await expectNoLeaks(() => {
        p.setSeed(9);
        const [a, b] = p.sampleBatch(x);
        expect(a.shape).toEqual([3, 4, 10, 10, 3]);
        const ad = a.dataSync();
        const bd = b.dataSync();
        const per = seq[0]![0].data.length;
        seq.forEach(([va, vb], i) => {
          expect(maxAbsDiff(ad.subarray(i * per, (i + 1) * per), va.data)).toBeLessThan(1e-4);
          expect(maxAbsDiff(bd.subarray(i * per, (i + 1) * per), vb.data)).toBeLessThan(1e-4);
        });
        a.dispose();
        b.dispose();
      });
      x.dispose();
      expect(typed[0]![0].data).toEqual(seq[0]![0].data);
    }
  });
});

describe('byolViews', () => {
  it('has the BYOL steps, ImageNet normalisation, and configurable probabilities', () => {
    const p = byolViews({ size: 8, frames: 2, seed: 1 });
    p.sample(randClip([4, 12, 12, 3]));
    const log = p.paramsLog();
    expect(log.view1.map((e) => e.transform)).toEqual(['RandomResizedCrop', 'RepeatChannels', 'RandFlip', 'RandColorJitter', 'RandGrayscale', 'RandGaussianBlur', 'Normalize']);
    expect(log.view2.map((e) => e.transform)).toEqual(['RandomResizedCrop', 'RepeatChannels', 'RandFlip', 'RandColorJitter', 'RandGrayscale', 'RandGaussianBlur', 'RandSolarize', 'Normalize']);
    expect((log.view1[5]!.params as { applied: boolean }).applied).toBe(true);
    const q = byolViews({ size: 8, frames: 2, flipProb: 0, grayscaleProb: 0, normalize: 'zscore' });
    q.sample(randClip([4, 12, 12, 3]));
    expect(q.paramsLog().view1.map((e) => e.transform)).toEqual(['RandomResizedCrop', 'RepeatChannels', 'RandColorJitter', 'RandGaussianBlur', 'ZScore']);
  });
});

describe('evalTransform', () => {
  it('is deterministic by default and gives the preset shape, z-scored', () => {
    const x = randClip([30, 40, 50, 1]);
    const t = evalTransform({ size: 32, frames: 8 });
    const a = t.call(x);
    expect(a.shape).toEqual([8, 32, 32, 3]);
    expect(t.call(x).data).toEqual(a.data);
    expect(Math.abs(mean(channel(a, 0)))).toBeLessThan(1e-4);
    const c = evalTransform({ size: 32, frames: 8, spatial: 'center-crop', normalize: 'kinetics' }).call(x);
    expect(c.shape).toEqual([8, 32, 32, 3]);
  });

  it('random subsets (the seed test protocol) differ per call, reproducible from the seed', () => {
    const x = randClip([30, 10, 10, 1]);
    const t = evalTransform({ size: 8, frames: 8, temporalMode: 'subset', seed: 3 });
    const a = t.call(x);
    const b = t.call(x);
    expect(maxAbsDiff(a.data, b.data)).toBeGreaterThan(0);
    t.setSeed(3);
    expect(t.call(x).data).toEqual(a.data);
  });
});
