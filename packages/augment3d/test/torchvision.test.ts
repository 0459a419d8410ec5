import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '@byolmed3d/test-utils';
import {
  adjustBrightness,
  adjustContrastRgb,
  adjustHue,
  adjustSaturation,
  colorJitter,
  cropClip,
  gaussianBlur,
  gaussianKernel1d,
  histogramNormalize,
  Normalize,
  percentiles,
  Resize,
  resampleAxes,
  resizeMaps,
  solarize,
  toGrayscale,
  type Clip,
  type ClipShape,
} from '@byolmed3d/augment3d';

// Made once by tools/fixtures/augment3d.py (torch 1.13, torchvision 0.14, numpy).
type Fixture = Record<string, { data: number[]; shape?: number[]; factor?: number; [k: string]: unknown }>;
const fx = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torchvision.json'), 'utf8')) as Fixture;
const input = (name: string): Clip => ({ data: Float32Array.from(fx[name]!.data), shape: fx[name]!.shape as ClipShape });
const ref = (name: string) => fx[name]!.data;

describe('agreement with torchvision 0.14', () => {
  it('resized_crop (bilinear, no antialias) on RGB and grey', () => {
    for (const name of ['rgb', 'grey']) {
      const x = input(name);
      const box = { top: 2, left: 1, height: 7, width: 8 };
      const y = resampleAxes(x, resizeMaps(x.shape, box, [2, 5, 6], 'bilinear', 'test'));
      expect(y.shape).toEqual(fx[`resized_crop_${name}`]!.shape);
      expect(maxAbsDiff(y.data, ref(`resized_crop_${name}`))).toBeLessThan(1e-5);
      const up = new Resize({ size: [17, 13] }).apply(x);
      expect(maxAbsDiff(up.data, ref(`resize_up_${name}`))).toBeLessThan(1e-5);
    }
  });

  it('trilinear resize matches F.interpolate(align_corners=False)', () => {
    const y = new Resize({ size: [5, 9], frames: 4, mode: 'trilinear' }).apply(input('vol'));
    expect(y.shape).toEqual([4, 5, 9, 2]);
    expect(maxAbsDiff(y.data, ref('trilinear'))).toBeLessThan(1e-5);
  });

  it('brightness, contrast, saturation, hue', () => {
    const x = input('rgb');
    for (const f of [0.6, 1.3]) {
      expect(maxAbsDiff(adjustBrightness(x, f).data, ref(`brightness_${f}`))).toBeLessThan(1e-6);
      expect(maxAbsDiff(adjustContrastRgb(x, f).data, ref(`contrast_${f}`))).toBeLessThan(1e-5);
      expect(maxAbsDiff(adjustContrastRgb(input('grey'), f).data, ref(`contrast_grey_${f}`))).toBeLessThan(1e-5);
      expect(maxAbsDiff(adjustSaturation(x, f).data, ref(`saturation_${f}`))).toBeLessThan(1e-5);
    }
    for (const h of [-0.1, 0.07, 0.45]) expect(maxAbsDiff(adjustHue(x, h).data, ref(`hue_${h}`))).toBeLessThan(1e-5);
  });

  it('a colour jitter in a given order', () => {
    const j = fx['jitter'] as unknown as { order: number[]; brightness: number; contrast: number; saturation: number; hue: number; data: number[] };
    const y = colorJitter(input('rgb'), j);
    expect(maxAbsDiff(y.data, j.data)).toBeLessThan(1e-5);
  });

  it('grayscale, solarize, normalize', () => {
    const x = input('rgb');
    expect(maxAbsDiff(toGrayscale(x).data, ref('grayscale'))).toBeLessThan(1e-6);
    expect(maxAbsDiff(solarize(x, 0.5).data, ref('solarize'))).toBeLessThan(1e-7);
    const n = new Normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }).apply(x);
    expect(maxAbsDiff(n.data, ref('normalize'))).toBeLessThan(1e-5);
  });

  it('gaussian kernel and blur (kernel 23 and 5, reflect padding)', () => {
    expect(maxAbsDiff(gaussianKernel1d(23, 1.7), fx['kernel23'] as unknown as number[])).toBeLessThan(1e-7);
    expect(maxAbsDiff(gaussianBlur(input('big'), 1.7, { kernelSize: 23 }).data, ref('blur23'))).toBeLessThan(1e-5);
    expect(maxAbsDiff(gaussianBlur(input('rgb'), 0.9, { kernelSize: 5 }).data, ref('blur5'))).toBeLessThan(1e-5);
  });

  it('numpy percentiles and histogram equalisation', () => {
    const g = input('grey');
    const p = fx['percentiles'] as unknown as { q: number[]; values: number[] };
    expect(maxAbsDiff(percentiles(g.data, p.q), p.values)).toBeLessThan(1e-6);
    expect(maxAbsDiff(histogramNormalize(g, { numBins: 16 }).data, ref('histnorm16'))).toBeLessThan(1e-5);
  });

  it('cropClip keeps exactly the box', () => {
    const x = input('rgb');
    const y = cropClip(x, { top: 3, left: 2, height: 4, width: 5 });
    expect(y.shape).toEqual([2, 4, 5, 3]);
    expect(y.data[0]).toBe(x.data[(3 * 10 + 2) * 3]);
  });
});
