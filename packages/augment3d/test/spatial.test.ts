import { describe, expect, it } from 'vitest';
import {
  AugmentError,
  CenterCrop,
  Flip,
  RandAffine3d,
  RandErase,
  RandFlip,
  RandomResizedCrop,
  RandRotate,
  RandSpatialCrop,
  Resize,
  applyPlan,
  flipClip,
  planarPlan,
  rotationMatrix2d,
  type ResizedCropParams,
} from '@byolmed3d/augment3d';
import { at, coordClip, randClip } from './helpers.js';

describe('flips', () => {
  it('a flip twice is the identity on every axis', () => {
    const x = randClip([3, 5, 4, 2]);
    for (const axes of [['t'], ['h'], ['w'], ['t', 'h', 'w']] as const) {
      const y = flipClip(flipClip(x, axes), axes);
      expect(y.data).toEqual(x.data);
    }
  });

  it('Flip on w reverses columns and keeps rows, frames, channels', () => {
    const x = coordClip([2, 3, 4, 2]);
    const y = new Flip(['w']).apply(x);
    expect(at(y, 1, 2, 0, 1)).toBe(at(x, 1, 2, 3, 1));
    expect(at(y, 0, 1, 3, 0)).toBe(at(x, 0, 1, 0, 0));
    const z = new Flip(['t']).apply(x);
    expect(at(z, 0, 1, 1, 0)).toBe(at(x, 1, 1, 1, 0));
  });

  it('RandFlip with prob 0.5 flips about half of the clips, logs its draw', () => {
    const f = new RandFlip({ axes: ['h'], prob: 0.5, seed: 3 });
    const x = coordClip([1, 4, 2, 1]);
    let flipped = 0;
    for (let i = 0; i < 200; i++) {
      const y = f.call(x);
      const p = f.lastParams!;
      if (p.applied) {
        flipped++;
        expect(at(y, 0, 0, 0)).toBe(at(x, 0, 3, 0));
      } else expect(y.data).toEqual(x.data);
    }
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
  });

  it('independent per-axis flips', () => {
    const f = new RandFlip({ axes: ['t', 'h', 'w'], independent: true, prob: 0.5, seed: 1 });
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(f.randomize([2, 2, 2, 1]).axes.join(''));
    expect(seen.size).toBe(8);
  });
});

describe('crops and resizing', () => {
  it('RandSpatialCrop lands where its params say, same box in every frame', () => {
    const x = coordClip([4, 20, 16, 1]);
    const c = new RandSpatialCrop({ size: [5, 7], frames: 3, seed: 4 });
    for (let i = 0; i < 10; i++) {
      const y = c.call(x);
      const p = c.lastParams!;
      expect(y.shape).toEqual([3, 5, 7, 1]);
      for (let t = 0; t < 3; t++) {
        expect(at(y, t, 0, 0)).toBe(at(x, p.t0! + t, p.top, p.left));
        expect(at(y, t, 4, 6)).toBe(at(x, p.t0! + t, p.top + 4, p.left + 6));
      }
    }
  });

  it('CenterCrop takes the centre (torchvision rounding) and a centred frame window', () => {
    const x = coordClip([6, 10, 9, 1]);
    const y = new CenterCrop({ size: [4, 4], frames: 2 }).apply(x);
    expect(y.shape).toEqual([2, 4, 4, 1]);
    expect(at(y, 0, 0, 0)).toBe(at(x, 2, 3, Math.round(5 / 2)));
    expect(() => new CenterCrop({ size: 11 }).apply(x)).toThrow(AugmentError);
  });

  it('RandomResizedCrop draws boxes inside the frame with area and aspect in range', () => {
    const c = new RandomResizedCrop({ size: 32, scale: [0.5, 1], seed: 9 });
    const areas: number[] = [];
    for (let i = 0; i < 300; i++) {
      const p = c.randomize([4, 100, 120, 1]) as ResizedCropParams;
      expect(p.top).toBeGreaterThanOrEqual(0);
      expect(p.left).toBeGreaterThanOrEqual(0);
      expect(p.top + p.height).toBeLessThanOrEqual(100);
      expect(p.left + p.width).toBeLessThanOrEqual(120);
      const a = (p.height * p.width) / 12000;
      areas.push(a);
      expect(a).toBeGreaterThan(0.45);
      expect(a).toBeLessThanOrEqual(1.02);
      const ratio = p.width / p.height;
      expect(ratio).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.4);
    }
    expect(Math.min(...areas)).toBeLessThan(0.6);
  });

  it('RandomResizedCrop of a full box equals Resize; output is the crop resized', () => {
    const x = randClip([2, 12, 12, 3]);
    const c = new RandomResizedCrop({ size: 6 });
    const full = c.apply(x, { applied: true, top: 0, left: 0, height: 12, width: 12 });
    expect(full.data).toEqual(new Resize({ size: 6 }).apply(x).data);
    // A box resized to its own size is the exact crop.
    const c2 = new RandomResizedCrop({ size: [4, 5] });
    const y = c2.apply(coordClip([2, 12, 12, 1]), { applied: true, top: 3, left: 6, height: 4, width: 5 });
    expect(at(y, 1, 0, 0)).toBe(10000 + 300 + 6);
    expect(at(y, 1, 3, 4)).toBe(10000 + 600 + 10);
  });

  it('Resize: bilinear keeps frames, trilinear changes them, upsampling a constant stays constant', () => {
    const x = { data: new Float32Array(2 * 3 * 4).fill(2.5), shape: [2, 3, 4, 1] as [number, number, number, number] };
    const y = new Resize({ size: [7, 9], frames: 5, mode: 'trilinear' }).apply(x);
    expect(y.shape).toEqual([5, 7, 9, 1]);
    for (const v of y.data) expect(v).toBeCloseTo(2.5, 6);
    expect(() => new Resize({ size: 4, frames: 3 })).toThrow(AugmentError);
    const s = new Resize({ size: 8, shorterSide: true }).apply(randClip([1, 10, 20, 1]));
    expect(s.shape).toEqual([1, 8, 16, 1]);
  });
});

describe('rotation, affine, erasing', () => {
  it('a 90-degree in-plane rotation of a square frame permutes pixels exactly', () => {
    const x = coordClip([2, 5, 5, 1]);
    const y = applyPlan(x, planarPlan(5, 5, rotationMatrix2d(5, 5, 90)));
    for (let h = 0; h < 5; h++) for (let w = 0; w < 5; w++) expect(at(y, 1, h, w)).toBeCloseTo(at(x, 1, w, 4 - h), 3);
  });

  it('rotating by +a then -a is close to the identity in the interior', () => {
    const r = new RandRotate({ degrees: [20, 20] });
    const x = randClip([1, 31, 31, 1]);
    const smooth = new Resize({ size: 31 }).apply(new Resize({ size: 8 }).apply(x));
    const y = r.call(smooth);
    expect(r.lastParams!.degrees).toBe(20);
    const back = r.apply(y, { applied: true, degrees: -20 });
    let err = 0;
    for (let h = 10; h < 21; h++) for (let w = 10; w < 21; w++) err = Math.max(err, Math.abs(at(back, 0, h, w) - at(smooth, 0, h, w)));
    // Two bilinear resamplings of this smoothed field: the max error over 60
    // random fields (two generators x 30 seeds) is 0.025..0.098.
    expect(err).toBeLessThan(0.12);
  });

  it('RandAffine3d with zero ranges is the identity; a drawn one moves the whole volume', () => {
    const x = randClip([5, 6, 7, 2]);
    const id = new RandAffine3d({ rotate: [0, 0, 0], scale: [0, 0, 0], translate: [0, 0, 0] }).call(x);
    for (let i = 0; i < x.data.length; i++) expect(id.data[i]).toBeCloseTo(x.data[i]!, 5);
    const a = new RandAffine3d({ translate: [1, 0, 0], rotate: [0, 0, 0], scale: [0, 0, 0], seed: 2 });
    const y = a.apply(x, { applied: true, rotate: [0, 0, 0], scale: [1, 1, 1], translate: [1, 0, 0] });
    // Shifted by one frame: output frame t+1 is input frame t, frame 0 is empty.
    expect(at(y, 3, 2, 2, 1)).toBeCloseTo(at(x, 2, 2, 2, 1), 5);
    expect(at(y, 0, 2, 2, 0)).toBe(0);
  });

  it('RandErase blanks the same box in every frame, leaves the rest', () => {
    const e = new RandErase({ prob: 1, seed: 5 });
    const x = { data: new Float32Array(3 * 20 * 20).fill(1), shape: [3, 20, 20, 1] as [number, number, number, number] };
    const y = e.call(x);
    const p = e.lastParams!;
    expect(p.applied).toBe(true);
    let zeros = 0;
    for (let t = 0; t < 3; t++) {
      for (let h = 0; h < 20; h++) {
        for (let w = 0; w < 20; w++) {
          const inBox = h >= p.top && h < p.top + p.height && w >= p.left && w < p.left + p.width;
          expect(at(y, t, h, w)).toBe(inBox ? 0 : 1);
          if (inBox) zeros++;
        }
      }
    }
    expect(zeros).toBe(3 * p.height * p.width);
  });
});
