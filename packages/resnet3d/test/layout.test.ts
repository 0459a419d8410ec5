import { describe, expect, it } from 'vitest';
import { torchToTfConv3d } from '@byolmed3d/resnet3d';

describe('torchToTfConv3d', () => {
  it('moves out/in channels last', () => {
    const w = Float32Array.from({ length: 2 * 3 }, (_, i) => i); // [2,3,1,1,1]
    expect(Array.from(torchToTfConv3d(w, [2, 3, 1, 1, 1]))).toEqual([0, 3, 1, 4, 2, 5]);
  });
});
