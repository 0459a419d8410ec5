import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { chooseSplits, gemmDims, MIN_GEMM_ROWS, unregisterWebGpuKernels, registerWebGpuKernels } from '../src/index.js';
import { Conv3dGemmProgram } from '../src/kernels/conv3d_gemm_webgpu.js';
import { gpu, randomValues, relErr, runOn, skipReason } from './helpers.js';

type Shape5 = [number, number, number, number, number];
interface Case {
  name: string;
  x: Shape5;
  w: Shape5;
  strides: [number, number, number];
  pad: 'same' | 'valid';
  dilations?: [number, number, number];
}

const cases: Case[] = [
  { name: 'Cin 3, Cout 5 (scalar loads), 3x3x3 same', x: [1, 5, 7, 6, 3], w: [3, 3, 3, 3, 5], strides: [1, 1, 1], pad: 'same' },
  { name: 'Cin 4, Cout 8 (vec4 loads), stride 2 same', x: [2, 5, 6, 7, 4], w: [3, 3, 3, 4, 8], strides: [2, 2, 2], pad: 'same' },
  { name: '1x1x1 downsample, stride (1,2,2) valid, Cout 72 (two column tiles)', x: [1, 4, 5, 5, 8], w: [1, 1, 1, 8, 72], strides: [1, 2, 2], pad: 'valid' },
  { name: 'stem-like 3x7x7, Cin 1, stride (1,2,2)', x: [1, 3, 9, 11, 1], w: [3, 7, 7, 1, 4], strides: [1, 2, 2], pad: 'same' },
  { name: 'long reduction (split-K filter gradient), Cin 4, Cout 12', x: [2, 6, 17, 15, 4], w: [3, 3, 3, 4, 12], strides: [1, 1, 1], pad: 'same' },
  { name: 'Cin 6, Cout 7, valid, odd everything', x: [1, 6, 5, 9, 6], w: [2, 3, 2, 6, 7], strides: [1, 1, 2], pad: 'valid' },
];

function conv3dGradFn(c: Case, xv: Float32Array, wv: Float32Array, rv: Float32Array) {
  return (): tf.Tensor[] => {
    const x = tf.tensor5d(xv, c.x);
    const w = tf.tensor5d(wv, c.w);
    const y = tf.conv3d(x, w, c.strides, c.pad, 'NDHWC', c.dilations ?? [1, 1, 1]);
    const r = tf.tensor(rv.subarray(0, y.size), y.shape);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides, c.pad), r));
    const [dx, dw] = tf.grads(f)([x, w]);
    return [y, dx!, dw!];
  };
}

describe.skipIf(gpu.info == null)(`tiled implicit-GEMM Conv3D kernels vs cpu${skipReason}`, () => {
  for (const c of cases) {
    it(`${c.name}: forward, dx, dw`, async () => {
      const xv = randomValues(c.x.reduce((a, b) => a * b), 1);
      const wv = randomValues(c.w.reduce((a, b) => a * b), 2);
      const rv = randomValues(c.x.reduce((a, b) => a * b) * c.w[4], 3);
      const fn = conv3dGradFn(c, xv, wv, rv);
      const before = tf.memory().numTensors;
      const want = await runOn('cpu', fn);
      const got = await runOn('webgpu', fn);
      expect(tf.memory().numTensors).toBe(before);
      const names = ['y', 'dx', 'dw'];
      for (let i = 0; i < 3; i++) {
        expect(got[i]!.length, names[i]).toBe(want[i]!.length);
        expect(relErr(got[i]!, want[i]!), names[i]).toBeLessThan(1e-4);
      }
    });
  }

  it('dilated forward (2,1,2) matches cpu', async () => {
    const c: Case = { name: 'dil', x: [1, 7, 6, 8, 4], w: [2, 3, 3, 4, 6], strides: [1, 1, 1], pad: 'same', dilations: [2, 1, 2] };
    const xv = randomValues(7 * 6 * 8 * 4, 4);
    const wv = randomValues(2 * 3 * 3 * 4 * 6, 5);
    const fn = () => [tf.conv3d(tf.tensor5d(xv, c.x), tf.tensor5d(wv, c.w), 1, 'same', 'NDHWC', c.dilations)];
    const [want] = await runOn('cpu', fn);
    const [got] = await runOn('webgpu', fn);
    expect(relErr(got!, want!)).toBeLessThan(1e-4);
  });

  it('the kernels are the ones registered (a broken kernel would fail the comparison)', async () => {
    // Sanity: the tfjs naive kernel and ours agree too; with ours unregistered
    // tfjs's runs, so this also proves registration swaps them.
    const xv = randomValues(1 * 4 * 5 * 6 * 4, 6);
    const wv = randomValues(3 * 3 * 3 * 4 * 8, 7);
    const fn = () => [tf.conv3d(tf.tensor5d(xv, [1, 4, 5, 6, 4]), tf.tensor5d(wv, [3, 3, 3, 4, 8]), 1, 'same')];
    const [ours] = await runOn('webgpu', fn);
    unregisterWebGpuKernels();
    try {
      expect(tf.getKernel('Conv3D', 'webgpu')?.kernelFunc.name).not.toBe('conv3d');
      const [naive] = await runOn('webgpu', fn);
      expect(relErr(ours!, naive!)).toBeLessThan(1e-4);
    } finally {
      registerWebGpuKernels();
    }
    expect(tf.getKernel('Conv3D', 'webgpu')?.kernelFunc.name).toBe('conv3d');
  });
});

describe('implicit-GEMM program (no GPU needed)', () => {
  const info = tf.backend_util.computeConv3DInfo([2, 16, 56, 56, 64], [3, 3, 3, 64, 64], 1, 1, 'same');
  it('GEMM sizes per kind', () => {
    expect(gemmDims('forward', info)).toEqual({ M: 2 * 16 * 56 * 56, N: 64, K: 27 * 64 });
    expect(gemmDims('backpropInput', info)).toEqual({ M: 2 * 16 * 56 * 56, N: 64, K: 27 * 64 });
    expect(gemmDims('backpropFilter', info)).toEqual({ M: 27 * 64, N: 64, K: 2 * 16 * 56 * 56 });
  });
  it('splits the long filter-gradient reduction, never the forward one here', () => {
    expect(chooseSplits(gemmDims('forward', info))).toBe(1);
    const s = chooseSplits(gemmDims('backpropFilter', info));
    expect(s).toBeGreaterThan(1);
    const p = new Conv3dGemmProgram('backpropFilter', info);
    expect(p.splits * p.kPerSplit).toBeGreaterThanOrEqual(p.dims.K);
    expect((p.splits - 1) * p.kPerSplit).toBeLessThan(p.dims.K);
    expect(p.outputShape).toEqual([p.splits * 27 * 64, 64]);
  });
  it('uses vec4 operands only where the contiguous axis is a multiple of 4', () => {
    const stem = tf.backend_util.computeConv3DInfo([1, 16, 112, 112, 3], [3, 7, 7, 3, 64], [1, 2, 2], 1, 'same');
    expect(new Conv3dGemmProgram('forward', stem).variableComponents).toEqual([1, 4]);
    expect(new Conv3dGemmProgram('forward', info).variableComponents).toEqual([4, 4]);
    expect(new Conv3dGemmProgram('backpropFilter', stem).variableComponents).toEqual([1, 4]);
  });
});

describe.skipIf(gpu.info == null)(`small-row fallback${skipReason}`, () => {
  it('a layer with fewer than MIN_GEMM_ROWS output rows goes to tfjs\'s kernel and still matches cpu', async () => {
    // layer4-like: 1x1x2x2 map, 16 -> 8 channels, 3x3x3 same: M = 4 rows.
    const xv = randomValues(1 * 1 * 2 * 2 * 16, 8);
    const wv = randomValues(3 * 3 * 3 * 16 * 8, 9);
    const rv = randomValues(1 * 1 * 2 * 2 * 8, 10);
    const c: Case = { name: 'small', x: [1, 1, 2, 2, 16], w: [3, 3, 3, 16, 8], strides: [1, 1, 1], pad: 'same' };
    const fn = conv3dGradFn(c, xv, wv, rv);
    const want = await runOn('cpu', fn);
    const got = await runOn('webgpu', fn);
    for (let i = 0; i < 3; i++) expect(relErr(got[i]!, want[i]!)).toBeLessThan(1e-4);
    expect(gemmDims('forward', tf.backend_util.computeConv3DInfo(c.x, c.w, 1, 1, 'same')).M).toBeLessThan(MIN_GEMM_ROWS);
  });
});
