// Its own file: the last test leaves the webgpu backend failed on purpose
// (a rejected shader makes every later read throw), and vitest runs each
// file in a fresh process.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkWebGpuShaders, foldPadding, hitsRank5SharedPath, unrouteRank5Broadcast, unrouteRank5Pad, WebGpuShaderError } from '../src/index.js';
import { gpu, randomValues, relErr, runOn, skipReason } from './helpers.js';

describe('which shapes hit tfjs 4.22 shared-memory broadcast path', () => {
  it('rank >= 5 against a 1-D operand of length 2..127, either side', () => {
    expect(hitsRank5SharedPath([2, 4, 4, 4, 64], [64])).toBe(true);
    expect(hitsRank5SharedPath([64], [2, 4, 4, 4, 64])).toBe(true);
    expect(hitsRank5SharedPath([1, 2, 2, 2, 2, 3], [3])).toBe(true);
    expect(hitsRank5SharedPath([2, 4, 4, 4, 128], [128])).toBe(false);
    expect(hitsRank5SharedPath([2, 4, 4, 4, 1], [1])).toBe(false);
    expect(hitsRank5SharedPath([2, 4, 4, 64], [64])).toBe(false);
    expect(hitsRank5SharedPath([2, 4, 4, 4, 64], [1, 1, 1, 1, 64])).toBe(false);
  });
});

describe('folding a rank-5 padding to rank 4', () => {
  it('merges unpadded dimensions into the one before', () => {
    expect(foldPadding([2, 4, 6, 6, 3], [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]])).toEqual({
      shape: [2, 4, 6, 18], paddings: [[0, 0], [1, 1], [1, 1], [3, 3]],
    });
    expect(foldPadding([2, 4, 6, 6, 3], [[0, 0], [1, 2], [0, 0], [0, 0], [0, 0]])!.shape.length).toBeLessThanOrEqual(4);
    expect(foldPadding([2, 4, 6, 6, 3], [[1, 0], [1, 1], [1, 1], [1, 1], [0, 1]])).toBeNull();
  });
});

describe.skipIf(gpu.info == null)(`rank-5 pad (tfjs 4.22's shader is invalid for rank 5)${skipReason}`, () => {
  const shape: [number, number, number, number, number] = [2, 3, 4, 5, 3];
  const xv = randomValues(2 * 3 * 4 * 5 * 3, 21);
  const cases: [number, number][][] = [
    [[0, 0], [1, 1], [3, 3], [3, 3], [0, 0]],
    [[0, 0], [0, 2], [1, 0], [0, 0], [0, 0]],
    [[1, 0], [0, 0], [1, 1], [2, 1], [0, 0]],
    [[0, 0], [1, 1], [1, 1], [1, 1], [1, 2]],
  ];
  for (const paddings of cases) {
    it(`pad ${JSON.stringify(paddings)} and its gradient match cpu`, async () => {
      const fn = () => {
        const x = tf.tensor5d(xv, shape);
        const y = tf.pad(x, paddings, 0.5);
        const r = tf.tensor(randomValues(y.size, 22), y.shape);
        const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.pad(a as tf.Tensor5D, paddings), r)))(x);
        return [y, dx];
      };
      const before = tf.memory().numTensors;
      const want = await runOn('cpu', fn);
      const got = await runOn('webgpu', fn);
      expect(tf.memory().numTensors).toBe(before);
      for (let i = 0; i < 2; i++) expect(relErr(got[i]!, want[i]!)).toBeLessThan(1e-6);
    });
  }
});

describe.skipIf(gpu.info == null)(`rank-5 broadcast with a 1-D channel vector${skipReason}`, () => {
  const shape = [2, 3, 3, 3, 64];
  const xv = randomValues(2 * 27 * 64, 11);
  const bv = randomValues(64, 12).map((v) => v + 2); // no zeros: a zero output cannot pass by chance
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum],
    ['squaredDifference', tf.squaredDifference],
  ];
  for (const [name, op] of ops) {
    it(`${name}: [2,3,3,3,64] with [64] (both orders) matches cpu, not zeros`, async () => {
      const fn = () => {
        const x = tf.tensor(xv, shape);
        const b = tf.tensor1d(bv);
        return [op(x, b), op(b, x)];
      };
      const before = tf.memory().numTensors;
      const want = await runOn('cpu', fn);
      const got = await runOn('webgpu', fn);
      expect(tf.memory().numTensors).toBe(before);
      for (let i = 0; i < 2; i++) {
        expect(got[i]!.some((v) => v !== 0)).toBe(true);
        expect(relErr(got[i]!, want[i]!)).toBeLessThan(1e-5);
      }
    });
  }
  it('gradient of a per-channel scale and shift (batch-norm style) matches cpu', async () => {
    const fn = () => {
      const x = tf.tensor(xv, shape);
      const g = tf.tensor1d(bv);
      const beta = tf.tensor1d(bv.map((v) => v - 1.5));
      const f = (gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(tf.add(tf.mul(x, gg), bb)));
      const [dg, db] = tf.grads(f)([g, beta]);
      return [dg!, db!];
    };
    const want = await runOn('cpu', fn);
    const got = await runOn('webgpu', fn);
    for (let i = 0; i < 2; i++) expect(relErr(got[i]!, want[i]!)).toBeLessThan(1e-4);
  });
  it('without the routes, tfjs\'s invalid shaders make the read throw WebGpuShaderError (never zeros)', async () => {
    await checkWebGpuShaders();
    unrouteRank5Pad();
    await tf.setBackend('webgpu');
    const p = tf.pad(tf.tensor5d(xv.subarray(0, 54), [1, 3, 3, 2, 3]), [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]);
    await expect(p.data()).rejects.toThrow(/PadProgram.*vec5/);
    unrouteRank5Broadcast();
    await tf.setBackend('webgpu');
    // A shape not used above, so tfjs compiles a fresh (broken) pipeline.
    const x = tf.tensor(xv.subarray(0, 27 * 64), [1, 3, 3, 3, 64]);
    const b = tf.tensor1d(bv);
    const y = tf.add(x, b);
    await expect(y.data()).rejects.toThrow(WebGpuShaderError);
    await expect(y.data()).rejects.toThrow(/vec5/);
    // Sticky: the backend is not trusted afterwards.
    await expect(tf.tensor([1, 2]).data()).rejects.toThrow(WebGpuShaderError);
    await expect(checkWebGpuShaders()).rejects.toThrow(WebGpuShaderError);
  });
});
