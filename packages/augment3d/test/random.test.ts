import { describe, expect, it } from 'vitest';
import { RandomState } from '@byolmed3d/augment3d';
import { mean, std } from './helpers.js';

describe('RandomState', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const a = new RandomState(7);
    const b = new RandomState(7);
    const c = new RandomState(8);
    const xs = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    for (const x of xs) expect(x).toBeGreaterThanOrEqual(0);
  });

  it('draws normals with mean 0 and std 1', () => {
    const r = new RandomState(3);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    expect(Math.abs(mean(xs))).toBeLessThan(0.03);
    expect(Math.abs(std(xs) - 1)).toBeLessThan(0.03);
    const ys = Array.from({ length: 5000 }, () => r.normal(5, 2));
    expect(Math.abs(mean(ys) - 5)).toBeLessThan(0.1);
  });

  it('int covers [lo, hi) uniformly and rejects empty ranges', () => {
    const r = new RandomState(4);
    const counts = [0, 0, 0, 0];
    let bad = 0;
    for (let i = 0; i < 8000; i++) {
      const v = r.int(2, 6);
      if (v < 2 || v >= 6 || !Number.isInteger(v)) bad++;
      else counts[v - 2]!++;
    }
    expect(bad).toBe(0);
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    expect(r.int(1)).toBe(0);
    expect(() => r.int(3, 3)).toThrow(/empty range/);
  });

  it('permutation, choice and sortedSubset', () => {
    const r = new RandomState(5);
    const p = r.permutation(10);
    expect([...p].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const s = r.sortedSubset(30, 16);
    expect(s).toHaveLength(16);
    expect(new Set(s).size).toBe(16);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
    expect(['a', 'b', 'c']).toContain(r.choice(['a', 'b', 'c']));
    expect(() => r.sortedSubset(3, 4)).toThrow(RangeError);
  });

  it('fork advances the parent; child does not, and is keyed', () => {
    const a = new RandomState(9);
    const b = new RandomState(9);
    const f = a.fork();
    expect(a.next()).not.toBe(b.next());
    const g = new RandomState(9);
    const c1 = g.child('view1').next();
    const c2 = g.child('view1').next();
    const c3 = g.child('view2').next();
    expect(c1).toBe(c2);
    expect(c3).not.toBe(c1);
    expect(f.next()).not.toBe(new RandomState(9).next());
  });

  it('getState/setState resumes the stream, spare normal included', () => {
    const a = new RandomState(11);
    a.normal();
    const st = a.getState();
    const xs = [a.normal(), a.next(), a.normal()];
    const b = new RandomState(0);
    b.setState(st);
    expect([b.normal(), b.next(), b.normal()]).toEqual(xs);
  });
});
