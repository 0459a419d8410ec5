import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { available, numel, onBoth, rand, relErr, setup } from './helpers.js';

const binary: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
  ['div', tf.div],
  ['squaredDifference', tf.squaredDifference],
  ['maximum', tf.maximum],
  ['minimum', tf.minimum],
];

// Shape pairs: same, channel broadcast both ways, scalar, per-sample-channel,
// a middle broadcast, and one that needs more than three runs (stock kernel).
const pairs: [number[], number[]][] = [
  [[2, 3, 4, 5, 7], [2, 3, 4, 5, 7]],
  [[2, 3, 4, 5, 7], [7]],
  [[7], [2, 3, 4, 5, 7]],
  [[2, 3, 4, 5, 7], []],
  [[], [3, 5]],
  [[2, 1, 1, 1, 7], [2, 3, 4, 5, 7]],
  [[2, 3, 1, 5, 7], [2, 3, 4, 5, 7]],
  [[2, 1, 4, 1, 7], [2, 3, 4, 5, 7]],
  [[4, 1], [1, 6]],
];

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

describe.skipIf(!available)('element-wise kernels (skipped when the addon is not built)', () => {
  beforeAll(async () => setup());

  for (const [name, op] of binary) {
    it(`${name} with broadcasting matches the cpu backend, values and gradients`, async () => {
      for (const [sa, sb] of pairs) {
        const ad = rand(numel(sa), 1), bd = rand(numel(sb), 2, 0.5, 2);
        const { cpu, dnn, shapes } = await onBoth(() => {
          const a = tf.tensor(ad, sa), b = tf.tensor(bd, sb);
          const y = op(a, b);
          // tfjs's own gradients of these three do not reduce broadcasts: values only then.
          if (!sameShape(sa, sb) && ['squaredDifference', 'maximum', 'minimum'].includes(name)) return [y, a, b];
          const g = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(op(x, z), tf.tensor(rand(y.size, 3), y.shape))))([a, b]);
          return [y, ...g];
        });
        expect(shapes[1]).toEqual(sa);
        expect(shapes[2]).toEqual(sb);
        for (let k = 0; k < 3; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array), `${name} ${sa} ${sb} #${k}`).toBeLessThan(1e-5);
      }
    });
  }

  it('int32 inputs go to the stock kernels', async () => {
    const { cpu, dnn } = await onBoth(() => [tf.add(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([4], [1], 'int32')), tf.sum(tf.tensor([[1, 2], [3, 4]], [2, 2], 'int32'), 0)]);
    expect(Array.from(dnn[0] as Float32Array)).toEqual([5, 6, 7]);
    expect(Array.from(dnn[1] as Float32Array)).toEqual(Array.from(cpu[1] as Float32Array));
  });

  const unary: [string, (x: tf.Tensor) => tf.Tensor, boolean][] = [
    ['relu', tf.relu, false],
    ['step', (x) => tf.step(x, 0.25), false],
    ['neg', tf.neg, false],
    ['square', tf.square, false],
    ['sqrt', tf.sqrt, true],
    ['rsqrt', tf.rsqrt, true],
    ['abs', tf.abs, false],
    ['exp', tf.exp, false],
    ['log', tf.log, true],
  ];
  for (const [name, op, positive] of unary) {
    it(`${name} matches the cpu backend, values and gradients (NaN kept)`, async () => {
      const shape = [3, 5, 4, 6, 9];
      const xd = rand(numel(shape), 5, positive ? 0.1 : -2, 2);
      xd[3] = 0;
      const { cpu, dnn } = await onBoth(() => {
        const x = tf.tensor(xd, shape);
        const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(op(z), tf.tensor(rand(x.size, 6), shape))))(x);
        return [op(x), g, op(tf.tensor([NaN, 1], [2]))];
      });
      for (let k = 0; k < 3; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array), `${name} #${k}`).toBeLessThan(1e-5);
    });
  }

  const reductions: [number[], number | number[], boolean][] = [
    [[6, 5, 4, 3, 7], [0, 1, 2, 3], false],
    [[6, 5, 4, 3, 7], [1, 2, 3], false],
    [[6, 5, 4, 3, 7], [1, 2, 3], true],
    [[6, 5, 4, 3, 7], 0, false],
    [[6, 5, 4, 3, 7], -1, false],
    [[6, 5, 4, 3, 7], [0, 1, 2, 3, 4], false],
    [[6, 5, 4, 3, 7], [1, 3], false],
    [[3000, 13], 0, false],
    [[2, 1, 5], 1, false],
  ];
  for (const [name, op] of [['sum', tf.sum], ['mean', tf.mean]] as const) {
    it(`${name} over leading, middle, trailing and scattered axes matches the cpu backend, with gradients`, async () => {
      for (const [shape, axis, keep] of reductions) {
        const xd = rand(numel(shape), 7);
        const { cpu, dnn, shapes } = await onBoth(() => {
          const x = tf.tensor(xd, shape);
          const y = op(x, axis, keep);
          const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(op(z, axis, keep), tf.tensor(rand(y.size, 8), y.shape))))(x);
          return [y, g];
        });
        expect(shapes[1]).toEqual(shape);
        for (let k = 0; k < 2; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array), `${name} ${shape} ${String(axis)} #${k}`).toBeLessThan(2e-5);
      }
    });
  }

  it('addN matches the cpu backend', async () => {
    const s = [2, 3, 5, 7];
    const ds = [1, 2, 3, 4].map((k) => rand(numel(s), 40 + k));
    const { cpu, dnn } = await onBoth(() => tf.addN(ds.map((d) => tf.tensor(d, s))));
    expect(relErr(cpu[0] as Float32Array, dnn[0] as Float32Array)).toBeLessThan(1e-6);
  });

  it('batchNorm (FusedBatchNorm) with per-channel, scalar and missing parameters matches the cpu backend', async () => {
    const s = [2, 3, 4, 5, 6];
    const xd = rand(numel(s), 50);
    const { cpu, dnn } = await onBoth(() => {
      const x = tf.tensor(xd, s);
      const c = (seed: number, lo: number, hi: number) => tf.tensor1d(rand(6, seed, lo, hi));
      return [
        tf.batchNorm(x, c(51, -1, 1), c(52, 0.2, 2), c(53, -1, 1), c(54, 0.5, 2), 1e-5),
        tf.batchNorm(x, c(51, -1, 1), c(52, 0.2, 2)),
        tf.batchNorm(x, tf.scalar(0.3), tf.scalar(2), undefined, tf.scalar(0.7)),
        // mean of the full shape: the stock kernel.
        tf.batchNorm(x, tf.tensor(rand(numel(s), 55), s), tf.fill(s, 1.5)),
      ];
    });
    for (let k = 0; k < 4; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array), `#${k}`).toBeLessThan(1e-5);
  });

  it('pad and (strided) slice match the cpu backend, with gradients', async () => {
    const s = [2, 3, 4, 5, 3];
    const xd = rand(numel(s), 60);
    const pads: [number, number][] = [[0, 0], [1, 1], [2, 0], [3, 3], [0, 1]];
    const { cpu, dnn, shapes } = await onBoth(() => {
      const x = tf.tensor(xd, s);
      const p = tf.pad(x, pads, 0.5);
      const gp = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.pad(z, pads), tf.tensor(rand(p.size, 61), p.shape))))(x);
      const sl = tf.slice(x, [1, 0, 1, 2, 1], [1, 3, 2, 3, 2]);
      const contiguous = tf.slice(x, [1, 0, 0, 0, 0], [1, 3, 4, 5, 3]);
      const gs = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.slice(z, [0, 1, 1, 1, 0], [2, 2, 2, 3, 3]), tf.tensor(rand(72, 62), [2, 2, 2, 3, 3]))))(x);
      return [p, gp, sl, contiguous, gs];
    });
    expect(shapes[0]).toEqual([2, 5, 6, 11, 4]);
    for (let k = 0; k < 5; k++) expect(relErr(cpu[k] as Float32Array, dnn[k] as Float32Array), `#${k}`).toBeLessThan(1e-6);
  });
});
