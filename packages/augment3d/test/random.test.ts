import { describe, expect, it } from 'vitest';
import { RandomState } from '@byolmed3d/augment3d';

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
});
