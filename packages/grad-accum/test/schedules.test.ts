import { describe, expect, it } from 'vitest';
import { warmupCosine } from '@byolmed3d/grad-accum';

describe('warmupCosine', () => {
  it('warms up linearly then decays to the floor', () => {
    const s = warmupCosine({ base: 1, totalSteps: 110, warmupSteps: 10, floor: 0.1 });
    expect(s(0)).toBeCloseTo(0.1);
    expect(s(9)).toBeCloseTo(1);
    expect(s(10)).toBeCloseTo(1);
    expect(s(60)).toBeCloseTo(0.55);
    expect(s(110)).toBeCloseTo(0.1);
  });
});
