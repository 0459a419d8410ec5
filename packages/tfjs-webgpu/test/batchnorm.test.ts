import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { batchNormTrain, FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN_GRAD } from '@byolmed3d/resnet3d';
import { registerWebGpuKernels, unregisterWebGpuKernels } from '../src/index.js';
import { BN_MAX_SPLITS, BN_WORKGROUP_THREADS, batchNormReduceLayout } from '../src/kernels/batchnorm_reduce_webgpu.js';
import { gpu, randomValues, relErr, runOn, skipReason } from './helpers.js';

interface Case {
  name: string;
  shape: number[];
  offset?: number;
}

// M = N*D*H*W values per channel; C the channels.
const cases: Case[] = [
  { name: 'C 5 (scalar path), M 105 odd, one slice', shape: [1, 3, 5, 7, 5] },
  { name: 'C 67 (two channel groups, not a multiple of 4), M 315', shape: [1, 5, 7, 9, 67] },
  { name: 'C 68 (vec4 path, two channel groups), M 1365 (two slices, last one short)', shape: [1, 7, 13, 15, 68] },
  { name: 'C 3, M 17017 (33 slices), values offset by 100 (shifted sums: no E[x^2] cancellation)', shape: [7, 11, 13, 17, 3], offset: 100 },
  { name: 'rank 2 [M, C], C 130, M 1023', shape: [1023, 130] },
];

/** y, mean, biased variance of a channels-last batch norm in float64. */
function float64BatchNorm(x: Float32Array, C: number, g: Float32Array, b: Float32Array): Float64Array[] {
  const M = x.length / C;
  const mean = new Float64Array(C);
  const v = new Float64Array(C);
  for (let i = 0; i < x.length; i++) mean[i % C]! += x[i]! / M;
  for (let i = 0; i < x.length; i++) v[i % C]! += (x[i]! - mean[i % C]!) ** 2 / M;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = ((x[i]! - mean[i % C]!) / Math.sqrt(v[i % C]! + 1e-5)) * g[i % C]! + b[i % C]!;
  return [y, mean, v];
}

function bnFn(c: Case, xv: Float32Array, gv: Float32Array, bv: Float32Array, rv: Float32Array) {
  return (): tf.Tensor[] => {
    const x = tf.add(tf.tensor(xv, c.shape), c.offset ?? 0);
    const C = c.shape.at(-1)!;
    const g = tf.tensor1d(gv.subarray(0, C));
    const b = tf.tensor1d(bv.subarray(0, C));
    const r = tf.tensor(rv, c.shape);
    const out = batchNormTrain(x, g, b);
    const f = (xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor) => tf.sum(tf.mul(batchNormTrain(xa, ga as tf.Tensor1D, ba as tf.Tensor1D).output, r));
    const [dx, dg, db] = tf.grads(f)([x, g, b]);
    return [out.output, out.mean, out.variance, dx!, dg!, db!];
  };
}

describe.skipIf(gpu.info == null)(`fused training batch norm kernels vs cpu${skipReason}`, () => {
  it('are registered for webgpu under the names resnet3d looks for', () => {
    expect(tf.getKernel(FUSED_BATCH_NORM_TRAIN, 'webgpu')?.kernelFunc.name).toBe('batchNormTrain');
    expect(tf.getKernel(FUSED_BATCH_NORM_TRAIN_GRAD, 'webgpu')?.kernelFunc.name).toBe('batchNormTrainGrad');
    expect(tf.getKernel(FUSED_BATCH_NORM_TRAIN, 'cpu')).toBeUndefined();
  });

  for (const c of cases) {
    it(`${c.name}: y, mean, variance, dx, dgamma, dbeta`, async () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const C = c.shape.at(-1)!;
      const xv = randomValues(n, 11).map((v, i) => v * (1 + (i % C) * 0.25) + (i % C) * 0.1);
      const gv = randomValues(C, 12).map((v) => v + 1.5);
      const bv = randomValues(C, 13);
      const rv = randomValues(n, 14);
      const fn = bnFn(c, xv, gv, bv, rv);
      const before = tf.memory().numTensors;
      const want = await runOn('cpu', fn);
      const got = await runOn('webgpu', fn);
      expect(tf.memory().numTensors).toBe(before);
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      // The forward outputs against a float64 reference (tfjs's cpu mean sums
      // in float32, which the offset case shows), the gradients against cpu.
      const ref = float64BatchNorm(xv.map((v) => v + (c.offset ?? 0)), C, gv, bv);
      for (let i = 0; i < 3; i++) expect(relErr(got[i]!, ref[i]!), `${names[i]} vs float64`).toBeLessThan(2e-5);
      for (let i = 0; i < 3; i++) expect(relErr(want[i]!, ref[i]!), `cpu ${names[i]} vs float64`).toBeLessThan(c.offset ? 1e-2 : 2e-5);
      for (let i = 3; i < names.length; i++) {
        expect(got[i]!.length, names[i]).toBe(want[i]!.length);
        expect(got[i]!.every(Number.isFinite), names[i]).toBe(true);
        expect(relErr(got[i]!, want[i]!), names[i]).toBeLessThan(1e-4);
      }
    });
  }

  it('the fused kernels run (a wrong one would fail the comparison): same results as the unfused ops on webgpu', async () => {
    const c = cases[2]!;
    const n = c.shape.reduce((a, b) => a * b, 1);
    const fn = bnFn(c, randomValues(n, 21), randomValues(68, 22), randomValues(68, 23), randomValues(n, 24));
    const fused = await runOn('webgpu', fn);
    unregisterWebGpuKernels();
    try {
      expect(tf.getKernel(FUSED_BATCH_NORM_TRAIN, 'webgpu')).toBeUndefined();
      const unfused = await runOn('webgpu', fn);
      for (let i = 0; i < fused.length; i++) expect(relErr(fused[i]!, unfused[i]!)).toBeLessThan(1e-4);
    } finally {
      registerWebGpuKernels();
    }
  });

  it('rejects mismatched gamma with an error naming the kernel and shapes', async () => {
    await tf.setBackend('webgpu');
    const x = tf.zeros([2, 3, 4]);
    const g = tf.ones([5]);
    expect(() => tf.engine().runKernel(FUSED_BATCH_NORM_TRAIN, { x, gamma: g, beta: g }, { eps: 1e-5 })).toThrow(/OneDnnBatchNormTrain \(tfjs-webgpu\): x has 4 channels, gamma \[5\]/);
    tf.dispose([x, g]);
  });
});

describe('batch-norm reduction layout (no GPU needed)', () => {
  it('covers every row exactly once with at most BN_MAX_SPLITS slices', () => {
    for (const [rows, channels] of [[1, 3], [105, 5], [1365, 68], [17017, 3], [2 * 16 * 56 * 56, 64], [8 * 16 * 112 * 112, 64]] as const) {
      const l = batchNormReduceLayout(rows, channels);
      expect(l.splits).toBeGreaterThanOrEqual(1);
      expect(l.splits).toBeLessThanOrEqual(BN_MAX_SPLITS);
      expect(l.splits * l.rowsPerSplit).toBeGreaterThanOrEqual(rows);
      expect((l.splits - 1) * l.rowsPerSplit).toBeLessThan(rows);
      expect(l.channelsPerGroup * l.lanes).toBe(BN_WORKGROUP_THREADS);
      expect(l.channelsPerGroup).toBeGreaterThanOrEqual(Math.min(64, channels));
    }
  });
  it('keeps small channel counts on few threads along x and more row lanes', () => {
    expect(batchNormReduceLayout(1000, 3).channelsPerGroup).toBe(4);
    expect(batchNormReduceLayout(1000, 5).channelsPerGroup).toBe(8);
    expect(batchNormReduceLayout(1000, 512).channelsPerGroup).toBe(64);
  });
});
