import { describe, expect, it } from 'vitest';
import { Random } from '@byolmed3d/util';
import { MetricsError, umapEmbedding } from '../src/index.js';

/** Two well-separated Gaussian blobs in 16-D, `n` points each. */
function blobs(n: number, seed: number): { data: Float64Array; shape: [number, number]; labels: number[] } {
  const d = 16;
  const rng = new Random(seed);
  const data = new Float64Array(2 * n * d);
  const labels: number[] = [];
  for (let i = 0; i < 2 * n; i++) {
    const c = i < n ? 0 : 1;
    labels.push(c);
    for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() + (c === 1 && j < 4 ? 6 : 0);
  }
  return { data, shape: [2 * n, d], labels };
}

describe('umapEmbedding', () => {
  it('is seeded: same seed, same coordinates; another seed, others', () => {
    const x = blobs(20, 1);
    const a = umapEmbedding(x, { seed: 3 });
    const b = umapEmbedding(x, { seed: 3 });
    const c = umapEmbedding(x, { seed: 4 });
    expect(a.length).toBe(80);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('keeps separated clusters apart: each point is nearer its own cluster centre', () => {
    const x = blobs(25, 2);
    const e = umapEmbedding(x, { seed: 0 });
    const centre = [0, 1].map((c) => {
      const idx = x.labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
      return [0, 1].map((k) => idx.reduce((s, i) => s + (e[i * 2 + k] as number), 0) / idx.length);
    });
    let right = 0;
    x.labels.forEach((l, i) => {
      const dist = (c: number): number => Math.hypot((e[i * 2] as number) - centre[c]![0]!, (e[i * 2 + 1] as number) - centre[c]![1]!);
      if (dist(l) < dist(1 - l)) right++;
    });
    expect(right).toBe(50);
  });

  it('rejects too few rows, non-finite values and bad options with a MetricsError', () => {
    expect(() => umapEmbedding({ data: [1, 2, 3, 4], shape: [2, 2] })).toThrow(MetricsError);
    expect(() => umapEmbedding({ data: [1, 2, NaN, 4, 5, 6], shape: [3, 2] })).toThrow(/data\[2\] is NaN/);
    expect(() => umapEmbedding(blobs(5, 0), { nNeighbors: 1 })).toThrow(/nNeighbors/);
  });
});
