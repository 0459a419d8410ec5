import { describe, expect, it } from 'vitest';
import { RandFrameDropout, RandomState, RandTemporalReverse, RandTemporalSample, sampleFrameIndices, TemporalSample } from '@byolmed3d/augment3d';
import { at, coordClip } from './helpers.js';

describe('temporal sampling', () => {
  it('contiguous windows are consecutive and inside the clip', () => {
    const r = new RandomState(1);
    const starts = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const idx = sampleFrameIndices(30, 16, 'contiguous', r);
      expect(idx).toHaveLength(16);
      for (let k = 1; k < 16; k++) expect(idx[k]).toBe(idx[0]! + k);
      expect(idx[15]!).toBeLessThan(30);
      starts.add(idx[0]!);
    }
    expect(starts.size).toBe(15);
    const strided = sampleFrameIndices(40, 8, 'contiguous', r, 3);
    for (let k = 1; k < 8; k++) expect(strided[k]! - strided[k - 1]!).toBe(3);
  });

  it('uniform stride spans the clip, subset is sorted and distinct, deterministic modes', () => {
    const r = new RandomState(2);
    const u = sampleFrameIndices(64, 16, 'uniform', r);
    for (let k = 1; k < 16; k++) expect(u[k]! - u[k - 1]!).toBe(4);
    const s = sampleFrameIndices(40, 16, 'subset', r);
    expect(new Set(s).size).toBe(16);
    expect([...s].sort((a, b) => a - b)).toEqual(s);
    expect(sampleFrameIndices(10, 4, 'center', undefined)).toEqual([3, 4, 5, 6]);
    expect(sampleFrameIndices(10, 4, 'linspace', undefined)).toEqual([0, 3, 6, 9]);
  });

  it('short clips repeat the last frame (contiguous) or sample with replacement (subset)', () => {
    const r = new RandomState(3);
    expect(sampleFrameIndices(3, 5, 'contiguous', r)).toEqual([0, 1, 2, 2, 2]);
    const s = sampleFrameIndices(3, 5, 'subset', r);
    expect(s).toHaveLength(5);
    for (const i of s) expect(i).toBeLessThan(3);
  });

  it('RandTemporalSample picks the logged frames; TemporalSample is deterministic', () => {
    const x = coordClip([20, 2, 2, 1]);
    const t = new RandTemporalSample({ frames: 5, mode: 'subset', seed: 4 });
    const y = t.call(x);
    expect(y.shape).toEqual([5, 2, 2, 1]);
    t.lastParams!.indices.forEach((src, k) => expect(at(y, k, 1, 1)).toBe(at(x, src, 1, 1)));
    const c = new TemporalSample({ frames: 4 });
    expect(c.apply(x).data).toEqual(c.apply(x).data);
    expect(at(c.apply(x), 0, 0, 0)).toBe(at(x, 8, 0, 0));
  });

  it('reversal twice is the identity; frame dropout blanks or repeats the logged frames', () => {
    const x = coordClip([6, 2, 3, 1]);
    const rev = new RandTemporalReverse({ prob: 1 });
    expect(rev.call(rev.call(x)).data).toEqual(x.data);
    const d = new RandFrameDropout({ rate: 0.4, seed: 8 });
    let y = d.call(x);
    while (!d.lastParams!.applied) y = d.call(x);
    const dropped = d.lastParams!.dropped;
    for (let t = 0; t < 6; t++) expect(at(y, t, 1, 2)).toBe(dropped.includes(t) ? 0 : at(x, t, 1, 2));
    const rep = new RandFrameDropout({ rate: 0.4, mode: 'repeat', seed: 8 });
    const z = rep.apply(x, { applied: true, dropped: [0, 2, 3] });
    expect([0, 1, 2, 3, 4, 5].map((t) => at(z, t, 0, 0) / 10000)).toEqual([1, 1, 1, 1, 4, 5]);
    const all = new RandFrameDropout({ rate: 0.99, seed: 1 });
    for (let i = 0; i < 20; i++) expect(all.randomize([4, 1, 1, 1]).dropped.length).toBeLessThan(4);
  });
});
