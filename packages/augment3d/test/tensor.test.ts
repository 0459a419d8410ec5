import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import {
  CenterCrop,
  Compose,
  Flip,
  GaussianBlur,
  HistogramNormalize,
  Normalize,
  PercentileClip,
  RandAffine3d,
  RandBiasField,
  RandBrightness,
  RandColorJitter,
  RandContrast,
  RandErase,
  RandFlip,
  RandFrameDropout,
  RandGamma,
  RandGaussianBlur,
  RandGaussianNoise,
  RandGrayscale,
  RandomResizedCrop,
  RandRotate,
  RandSolarize,
  RandSpatialCrop,
  RandTemporalReverse,
  RandTemporalSample,
  RepeatChannels,
  AugmentError,
  byolMed3dViews,
  byolViews,
  Resize,
  ScaleIntensity,
  TemporalSample,
  ZScore,
  type Clip,
  type ClipShape,
  type Transform,
} from '@byolmed3d/augment3d';
import { randClip } from './helpers.js';

beforeAll(async () => {
  await useBackend();
});

function stack(clips: Clip[]): tf.Tensor5D {
  const n = clips[0]!.data.length;
  const all = new Float32Array(n * clips.length);
  clips.forEach((c, i) => all.set(c.data, i * n));
  return tf.tensor5d(all, [clips.length, ...clips[0]!.shape]);
}

/** Runs `t` clip by clip on typed arrays and once on the stacked tensor from the same seed; compares. */
async function agree(t: Transform, shape: ClipShape, tol = 1e-5, n = 3): Promise<void> {
  const clips = Array.from({ length: n }, (_, i) => randClip(shape, 10 + i));
  t.setSeed(42);
  const typed = clips.map((c) => t.call(c));
  const typedParams = JSON.stringify(t.isRandom ? undefined : t.lastParams);
  const x = stack(clips);
  await expectNoLeaks(() => {
    t.setSeed(42);
    const y = t.callTensor(x);
    try {
      expect(y.shape).toEqual([n, ...typed[0]!.shape]);
      const got = y.dataSync();
      const per = typed[0]!.data.length;
      typed.forEach((c, i) => expect(maxAbsDiff(got.subarray(i * per, (i + 1) * per), c.data), `${t.name} clip ${i}`).toBeLessThan(tol));
    } finally {
      y.dispose();
    }
  });
  if (!t.isRandom) expect(JSON.stringify(t.lastParams)).toBe(typedParams);
  x.dispose();
}

const rgb: ClipShape = [4, 12, 10, 3];
const grey: ClipShape = [5, 9, 11, 1];

describe('tensor path agrees with the typed-array path and leaks nothing', () => {
  const cases: [string, () => Transform, ClipShape[], number?][] = [
    ['CenterCrop', () => new CenterCrop({ size: [6, 5], frames: 3 }), [rgb, grey]],
    ['Resize bilinear', () => new Resize({ size: [7, 13] }), [rgb, grey]],
    ['Resize trilinear', () => new Resize({ size: [5, 6], frames: 7, mode: 'trilinear' }), [rgb]],
    ['RandSpatialCrop', () => new RandSpatialCrop({ size: 5, frames: 2 }), [rgb, grey]],
    ['RandomResizedCrop', () => new RandomResizedCrop({ size: 8, scale: [0.3, 1] }), [rgb, grey]],
    ['Flip', () => new Flip(['t', 'w']), [rgb]],
    ['RandFlip', () => new RandFlip({ axes: ['h', 'w'], independent: true }), [rgb, grey]],
    ['RandRotate', () => new RandRotate({ degrees: [-30, 30] }), [rgb, grey]],
    ['RandAffine3d', () => new RandAffine3d({ translate: [1, 2, 2] }), [rgb, grey]],
    ['RandErase', () => new RandErase({ prob: 0.8, value: 'random' }), [rgb, grey]],
    ['TemporalSample', () => new TemporalSample({ frames: 3, mode: 'linspace' }), [rgb]],
    ['RandTemporalSample', () => new RandTemporalSample({ frames: 3, mode: 'subset' }), [rgb, grey]],
    ['RandTemporalReverse', () => new RandTemporalReverse(), [rgb]],
    ['RandFrameDropout zero', () => new RandFrameDropout({ rate: 0.3 }), [rgb]],
    ['RandFrameDropout repeat', () => new RandFrameDropout({ rate: 0.3, mode: 'repeat' }), [grey]],
    ['ScaleIntensity', () => new ScaleIntensity({ scale: [2, 3, 4], offset: 1 }), [rgb]],
    ['Normalize', () => new Normalize({ mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.3] }), [rgb]],
    ['ZScore', () => new ZScore(), [rgb, grey], 1e-4],
    ['ZScore joint', () => new ZScore({ channelWise: false }), [rgb], 1e-4],
    ['RandBrightness', () => new RandBrightness({ mode: 'multiply' }), [rgb]],
    ['RandContrast', () => new RandContrast(), [rgb, grey]],
    ['RandGamma', () => new RandGamma(), [grey], 1e-4],
    ['RandGaussianNoise', () => new RandGaussianNoise({ prob: 0.7 }), [rgb]],
    ['RandBiasField 2d', () => new RandBiasField(), [rgb]],
    ['RandBiasField 3d', () => new RandBiasField({ spatialDims: 3, degree: 2 }), [grey]],
    ['PercentileClip', () => new PercentileClip({ lower: 5, upper: 95, rescale: true }), [grey]],
    ['HistogramNormalize', () => new HistogramNormalize(), [grey]],
    ['GaussianBlur 2d', () => new GaussianBlur({ sigma: 1.2 }), [rgb, grey]],
    ['GaussianBlur 3d k23', () => new GaussianBlur({ sigma: 1.5, kernelSize: 23, dims: 3 }), [grey]],
    ['RandGaussianBlur', () => new RandGaussianBlur({ sigma: [0.8, 2], kernelSize: 23, prob: 0.6 }), [rgb, grey]],
    ['RandColorJitter', () => new RandColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, prob: 0.8 }), [rgb, grey], 1e-5],
    ['RandColorJitter strong hue', () => new RandColorJitter({ hue: 0.5, saturation: 0.9 }), [rgb], 1e-5],
    ['RandGrayscale', () => new RandGrayscale({ prob: 0.5 }), [rgb, grey]],
    ['RandSolarize', () => new RandSolarize({ prob: 0.5 }), [rgb]],
    ['RepeatChannels', () => new RepeatChannels(3), [grey]],
  ];
  for (const [name, make, shapes, tol] of cases) {
    it(name, async () => {
      for (const s of shapes) await agree(make(), s, tol ?? 1e-5);
    });
  }

  it('Compose of several random steps', async () => {
    const c = new Compose([
      new RandTemporalSample({ frames: 3 }),
      new RepeatChannels(3),
      new RandomResizedCrop({ size: 6, scale: [0.5, 1] }),
      new RandColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, prob: 0.8 }),
      new RandGaussianBlur({ sigma: [0.8, 2], prob: 0.5 }),
      new ZScore(),
    ]);
    await agree(c, grey, 1e-4, 4);
  });

  it('applyToTensor with explicit params; rank and count errors; input is never disposed', async () => {
    const t = new RandFlip({ axes: ['w'], prob: 1 });
    const x = tf.tensor5d(Float32Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i), [2, 1, 2, 3, 2]);
    await expectNoLeaks(() => {
      const y = t.applyToTensor(x, [{ applied: true, axes: ['w'] }, { applied: false, axes: [] }]);
      const d = y.dataSync();
      expect(d[0]).toBe(4);
      expect(d[12]).toBe(12);
      y.dispose();
      expect(() => t.applyToTensor(x, [{ applied: true, axes: ['w'] }])).toThrow(/1 parameter sets for a batch of 2/);
    });
    const z = tf.zeros([2, 2, 2, 2]) as unknown as tf.Tensor5D;
    expect(() => t.applyToTensor(z)).toThrow(/rank-5/);
    z.dispose();
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });
});

/** Runs `fn` with Tensor.dataSync/arraySync throwing (what webgpu does in Node). */
async function withoutSyncReads<T>(fn: () => T): Promise<T> {
  const proto = tf.Tensor.prototype as unknown as Record<'dataSync' | 'arraySync', () => unknown>;
  const saved = { dataSync: proto.dataSync, arraySync: proto.arraySync };
  proto.dataSync = proto.arraySync = () => {
    throw new Error('synchronous read');
  };
  try {
    return fn();
  } finally {
    Object.assign(proto, saved);
  }
}

describe('the presets run on the tensor path without a synchronous read (as on webgpu)', () => {
  const presets: [string, () => ReturnType<typeof byolViews>][] = [
    ['byolMed3dViews', () => byolMed3dViews({ size: 9, frames: 3, seed: 3 })],
    // Every optional BYOL step switched on: flip, greyscale, solarisation, blur on both views.
    ['byolViews', () => byolViews({ size: 9, frames: 3, seed: 4, flipProb: 1, grayscaleProb: 1, solarizeProb: [1, 1], blur: { prob: [1, 1] } })],
  ];
  for (const [name, make] of presets) {
    it(`${name}: sampleBatch reads nothing back and matches sample clip by clip`, async () => {
      const clips = [randClip([5, 13, 11, 1], 1), randClip([5, 13, 11, 1], 2)];
      const x = stack(clips);
      const p = make();
      const want = clips.map((c) => p.setSeed(7 + clips.indexOf(c)).sample(c));
      const before = tf.memory().numTensors;
      const got = await withoutSyncReads(() =>
        clips.map((c, i) => {
          const xi = tf.slice(x, [i, 0, 0, 0, 0], [1, ...c.shape]);
          const out = p.setSeed(7 + i).sampleBatch(xi);
          xi.dispose();
          return out;
        }),
      );
      // Only the four views survive.
      expect(tf.memory().numTensors).toBe(before + 2 * clips.length);
      for (let i = 0; i < clips.length; i++) {
        for (const v of [0, 1] as const) {
          const t = got[i]![v];
          expect(t.shape).toEqual([1, ...want[i]![v].shape]);
          expect(maxAbsDiff(await t.data(), want[i]![v].data), `${name} clip ${i} view ${v + 1}`).toBeLessThan(1e-4);
        }
      }
      tf.dispose(got.flat());
      x.dispose();
    });
  }

  it('a transform without a tfjs kernel fails with an AugmentError naming it when the backend refuses synchronous reads', async () => {
    const x = stack([randClip([2, 5, 5, 1], 3)]);
    const before = tf.memory().numTensors;
    const err = await withoutSyncReads(() => {
      try {
        new PercentileClip().callTensor(x);
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(err).toBeInstanceOf(AugmentError);
    expect((err as AugmentError).message).toMatch(/^PercentileClip: has no tfjs kernel .* typed-array path/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

