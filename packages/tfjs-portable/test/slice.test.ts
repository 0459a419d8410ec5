import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { numel, onBoth, rand, relErr, setup } from './helpers.js';

interface Case {
  shape: number[];
  begin: number[];
  size: number[];
}

const cases: Case[] = [
  { shape: [2, 6, 8, 8, 3], begin: [0, 1, 3, 3, 0], size: [2, 4, 2, 2, 3] },
  { shape: [3, 5, 7, 6, 4], begin: [1, 0, 2, 1, 1], size: [2, 5, 4, 4, 2] },
  { shape: [2, 5, 7, 6, 4], begin: [0, 2, 0, 0, 0], size: [2, 3, 7, 6, 4] },
  { shape: [1, 3, 4, 5, 2], begin: [0, 0, 0, 0, 0], size: [-1, -1, -1, -1, -1] },
  { shape: [2, 3, 2, 3, 2, 5], begin: [1, 1, 0, 1, 0, 2], size: [1, 2, 2, 2, 2, 3] },
  { shape: [7, 9], begin: [2, 3], size: [4, 5] },
  { shape: [4, 3, 2, 5, 3], begin: [0, 0, 0, 0, 0], size: [4, 3, 2, 0, 3] },
];

describe('Slice on the portable backend', () => {
  beforeAll(async () => setup());

  for (const c of cases) {
    it(`float32 [${c.shape}] begin [${c.begin}] size [${c.size}] matches the cpu backend`, async () => {
      const xd = rand(numel(c.shape), 5);
      const { cpu, ours, shapes } = await onBoth(() => tf.slice(tf.tensor(xd, c.shape), c.begin, c.size));
      expect(shapes[0]).toEqual(c.size.map((s, i) => (s < 0 ? (c.shape[i] as number) - (c.begin[i] as number) : s)));
      expect(relErr(cpu[0] as Float32Array, ours[0] as Float32Array)).toBe(0);
    });
  }

  it('int32 rank-5 slice matches the cpu backend exactly', async () => {
    const c = cases[1] as Case;
    const xd = Int32Array.from(rand(numel(c.shape), 6), (v) => Math.round(v * 1e6));
    const { cpu, ours } = await onBoth(() => tf.cast(tf.slice(tf.tensor(xd, c.shape, 'int32'), c.begin, c.size), 'float32'));
    expect(relErr(cpu[0] as Float32Array, ours[0] as Float32Array)).toBe(0);
  });

  it('the gradient of a rank-5 pad (a slice) matches the cpu backend', async () => {
    const shape = [2, 3, 4, 5, 3];
    const xd = rand(numel(shape), 7);
    const pads: [number, number][] = [[0, 0], [1, 1], [3, 3], [3, 3], [0, 0]];
    const { cpu, ours } = await onBoth(() => {
      const x = tf.tensor(xd, shape);
      const y = tf.pad(x, pads);
      const r = tf.tensor(rand(y.size, 8), y.shape);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.pad(a, pads), r)))(x);
    });
    expect(relErr(cpu[0] as Float32Array, ours[0] as Float32Array)).toBe(0);
  });
});
