import { describe, expect, it } from 'vitest';
import { rocAuc } from '@byolmed3d/metrics';

describe('rocAuc', () => {
  it('counts ties as one half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBeCloseTo(0.5);
  });
});
