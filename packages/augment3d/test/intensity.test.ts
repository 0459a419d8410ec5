import { describe, expect, it } from 'vitest';
import {
  GaussianBlur,
  HistogramNormalize,
  PercentileClip,
  RandBiasField,
  RandBrightness,
  RandColorJitter,
  RandContrast,
  RandGamma,
  RandGaussianBlur,
  RandGaussianNoise,
  RandGrayscale,
  RandSolarize,
  RepeatChannels,
  ScaleIntensity,
  ZScore,
  channelStats,
  gaussianBlur,
  type Clip,
} from '@byolmed3d/augment3d';
import { at, mean, randClip, std } from './helpers.js';

function channel(clip: Clip, c: number): number[] {
  const C = clip.shape[3];
  const out: number[] = [];
  for (let i = c; i < clip.data.length; i += C) out.push(clip.data[i]!);
  return out;
}

describe('blur', () => {
  it('preserves the mean (exactly for a constant, closely for noise) and lowers the variance', () => {
    const k = { data: new Float32Array(2 * 9 * 9).fill(0.7), shape: [2, 9, 9, 1] as [number, number, number, number] };
    for (const v of gaussianBlur(k, 2, { kernelSize: 23, dims: 3 }).data) expect(v).toBeCloseTo(0.7, 6);
    const x = randClip([8, 40, 40, 3], 2);
    for (const dims of [2, 3] as const) {
      const y = new GaussianBlur({ sigma: 1.5, dims }).apply(x);
      for (let c = 0; c < 3; c++) {
        // Reflect padding re-weights border voxels a little; the noise-level tolerance is 1/sqrt(n).
        expect(Math.abs(mean(channel(y, c)) - mean(channel(x, c)))).toBeLessThan(3e-3);
        expect(std(channel(y, c))).toBeLessThan(std(channel(x, c)) / 2);
      }
    }
  });

  it('2-D blur does not mix frames; 3-D blur does', () => {
    const x = { data: new Float32Array(5 * 4 * 4), shape: [5, 4, 4, 1] as [number, number, number, number] };
    x.data.fill(1, 2 * 16, 3 * 16); // frame 2 is 1, others 0
    const y2 = gaussianBlur(x, 1, { dims: 2 });
    expect(at(y2, 1, 2, 2)).toBe(0);
    expect(at(y2, 2, 2, 2)).toBeCloseTo(1, 6);
    const y3 = gaussianBlur(x, 1, { dims: 3 });
    expect(at(y3, 1, 2, 2)).toBeGreaterThan(0.1);
  });

  it('RandGaussianBlur draws sigma in range and honours prob', () => {
    const b = new RandGaussianBlur({ sigma: [0.8, 2], kernelSize: 23, prob: 0.6, seed: 1 });
    let on = 0;
    for (let i = 0; i < 500; i++) {
      const p = b.randomize([1, 8, 8, 1]);
      if (p.applied) {
        on++;
        expect(p.sigma).toBeGreaterThanOrEqual(0.8);
        expect(p.sigma).toBeLessThan(2);
      }
    }
    expect(on / 500).toBeGreaterThan(0.53);
    expect(on / 500).toBeLessThan(0.67);
  });
});

describe('intensity statistics', () => {
  it('z-score gives mean 0 and std 1 per channel (or jointly)', () => {
    const x = new ScaleIntensity({ scale: [3, 0.5], offset: [10, -2] }).apply(randClip([3, 10, 10, 2]));
    const y = new ZScore().apply(x);
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(mean(channel(y, c)))).toBeLessThan(1e-5);
      expect(Math.abs(std(channel(y, c)) - 1)).toBeLessThan(1e-5);
    }
    const j = new ZScore({ channelWise: false }).apply(x);
    expect(Math.abs(mean(j.data))).toBeLessThan(1e-5);
    expect(Math.abs(std(j.data) - 1)).toBeLessThan(1e-5);
    const flat = { data: new Float32Array(8).fill(3), shape: [2, 2, 2, 1] as [number, number, number, number] };
    expect([...new ZScore().apply(flat).data]).toEqual(Array(8).fill(0));
  });

  it('brightness shifts the mean by its draw; contrast keeps the mean and scales the std', () => {
    const x = randClip([2, 10, 10, 1]);
    const b = new RandBrightness({ range: [-0.5, 0.5], seed: 2 });
    const y = b.call(x);
    expect(mean(y.data) - mean(x.data)).toBeCloseTo(b.lastParams!.factor, 5);
    const c = new RandContrast({ range: [0.5, 1.5], seed: 3 });
    const z = c.call(x);
    expect(mean(z.data)).toBeCloseTo(mean(x.data), 5);
    expect(std(z.data) / std(x.data)).toBeCloseTo(c.lastParams!.factor, 4);
  });

  it('gamma keeps min and max and is monotone', () => {
    const x = randClip([1, 8, 8, 1]);
    const y = new RandGamma({ range: [2, 2] }).call(x);
    const [lo, hi] = [Math.min(...x.data), Math.max(...x.data)];
    expect(Math.min(...y.data)).toBeCloseTo(lo, 5);
    expect(Math.max(...y.data)).toBeCloseTo(hi, 4);
    const order = (a: Float32Array) => [...a.keys()].sort((i, j) => a[i]! - a[j]!);
    expect(order(y.data)).toEqual(order(x.data));
  });

  it('gaussian noise has the drawn std and is reproducible', () => {
    const x = { data: new Float32Array(20000), shape: [2, 100, 100, 1] as [number, number, number, number] };
    const n = new RandGaussianNoise({ std: [0.2, 0.3], seed: 4 });
    const y = n.call(x);
    expect(Math.abs(mean(y.data))).toBeLessThan(0.01);
    expect(std(y.data)).toBeCloseTo(n.lastParams!.std, 2);
    expect(n.apply(x, n.lastParams).data).toEqual(y.data);
  });

  it('bias field is smooth, positive and the same in every frame (2-D)', () => {
    const x = { data: new Float32Array(3 * 16 * 16).fill(1), shape: [3, 16, 16, 1] as [number, number, number, number] };
    const b = new RandBiasField({ coeffRange: [0.1, 0.3], seed: 5 });
    const y = b.call(x);
    expect(b.lastParams!.coeffs).toHaveLength(10);
    for (const v of y.data) expect(v).toBeGreaterThan(0);
    expect(y.data.subarray(0, 256)).toEqual(y.data.subarray(512, 768));
    expect(Math.abs(at(y, 0, 5, 5) - at(y, 0, 5, 6))).toBeLessThan(0.2);
    expect(std(y.data)).toBeGreaterThan(0.01);
    const y3 = new RandBiasField({ spatialDims: 3, coeffRange: [0.1, 0.3], seed: 5 }).call(x);
    expect(y3.data.subarray(0, 256)).not.toEqual(y3.data.subarray(512, 768));
  });

  it('percentile clipping bounds the values; histogram normalisation spreads them to [0, 1]', () => {
    const x = randClip([2, 20, 20, 1]);
    x.data[0] = 100;
    x.data[1] = -100;
    const y = new PercentileClip({ lower: 1, upper: 99 }).apply(x);
    expect(Math.max(...y.data)).toBeLessThan(1);
    expect(Math.min(...y.data)).toBeGreaterThan(0);
    const r = new PercentileClip({ lower: 1, upper: 99, rescale: true }).apply(x);
    expect(Math.min(...r.data)).toBe(0);
    expect(Math.max(...r.data)).toBeCloseTo(1, 6);
    const skew = { data: Float32Array.from({ length: 4000 }, (_, i) => (i / 4000) ** 4), shape: [1, 40, 100, 1] as [number, number, number, number] };
    const h = new HistogramNormalize().apply(skew);
    expect(Math.min(...h.data)).toBe(0);
    expect(Math.max(...h.data)).toBeCloseTo(1, 6);
    expect(Math.abs(mean(h.data) - 0.5)).toBeLessThan(0.15);
    expect(Math.abs(mean(skew.data) - 0.5)).toBeGreaterThan(0.25);
    for (let i = 1; i < h.data.length; i++) expect(h.data[i]!).toBeGreaterThanOrEqual(h.data[i - 1]!);
  });
});

describe('colour', () => {
  it('jitter draws torchvision ranges and a permutation, logs them, same seed same output', () => {
    const j = new RandColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, seed: 6 });
    const x = randClip([2, 6, 6, 3]);
    const y = j.call(x);
    const p = j.lastParams!;
    expect([...p.order].sort()).toEqual([0, 1, 2, 3]);
    expect(p.brightness!).toBeGreaterThanOrEqual(0.6);
    expect(p.brightness!).toBeLessThan(1.4);
    expect(p.saturation!).toBeGreaterThanOrEqual(0.8);
    expect(Math.abs(p.hue!)).toBeLessThanOrEqual(0.1);
    j.setSeed(6);
    expect(j.call(x).data).toEqual(y.data);
    for (const v of y.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('the same jitter draw is applied to every frame', () => {
    const f = randClip([1, 6, 6, 3], 3);
    const x = { data: new Float32Array(3 * f.data.length), shape: [3, 6, 6, 3] as [number, number, number, number] };
    for (let t = 0; t < 3; t++) x.data.set(f.data, t * f.data.length);
    const y = new RandColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, seed: 1 }).call(x);
    const n = f.data.length;
    expect(y.data.subarray(0, n)).toEqual(y.data.subarray(n, 2 * n));
    expect(y.data.subarray(0, n)).toEqual(y.data.subarray(2 * n, 3 * n));
  });

  it('grey -> RGB repeat, greyscale on grey is the identity, solarize flips the bright half', () => {
    const g = randClip([1, 3, 3, 1]);
    const rgb = new RepeatChannels(3).apply(g);
    expect(rgb.shape).toEqual([1, 3, 3, 3]);
    expect(at(rgb, 0, 1, 2, 2)).toBe(at(g, 0, 1, 2, 0));
    expect(new RandGrayscale({ prob: 1 }).call(g)).toBe(g);
    const gr = new RandGrayscale({ prob: 1 }).call(rgb);
    for (let i = 0; i < rgb.data.length; i++) expect(gr.data[i]).toBeCloseTo(rgb.data[i]!, 3);
    const s = new RandSolarize({ prob: 1 }).call(g);
    g.data.forEach((v, i) => expect(s.data[i]).toBeCloseTo(v >= 0.5 ? 1 - v : v, 6));
    expect(channelStats(rgb).mean[0]).toBeCloseTo(channelStats(g).mean[0]!, 6);
  });
});
