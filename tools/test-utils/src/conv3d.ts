/**
 * Conv3D test cases and checks shared by the kernel packages (tfjs-onednn,
 * tfjs-portable, ...): the same shapes and the same seeded inputs, so every
 * backend is held to one set of cases.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, numel, rand } from './index.js';

/** A 5D shape `[N, D, H, W, C]` (input) or `[kD, kH, kW, Cin, Cout]` (filter). */
export type Shape5 = [number, number, number, number, number];
/** Per-axis `[d, h, w]` strides or dilations. */
export type Triple = [number, number, number];

/** One Conv3D test case (channels-last input and filter). */
export interface Conv3dCase {
  name: string;
  x: Shape5;
  w: Shape5;
  strides: Triple | number;
  pad: 'same' | 'valid';
  dilations?: Triple | number;
}

/** The cases every Conv3D kernel is tested on: odd sizes and channel counts, the stem, 1x1x1, the (2+1)D halves. */
export const conv3dCases: readonly Conv3dCase[] = [
  { name: '3x3x3 stride 1 same, batch 2, 3->5', x: [2, 5, 7, 6, 3], w: [3, 3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: '3x3x3 stride 2 same, odd sizes, 6->11', x: [1, 5, 9, 7, 6], w: [3, 3, 3, 6, 11], strides: 2, pad: 'same' },
  { name: 'stem-like 3x7x7 stride [1,2,2] valid, batch 2, 3->9', x: [2, 4, 13, 12, 3], w: [3, 7, 7, 3, 9], strides: [1, 2, 2], pad: 'valid' },
  { name: '1x1x1 stride 2 same (tfjs pads -1), 13->17', x: [2, 4, 6, 6, 13], w: [1, 1, 1, 13, 17], strides: 2, pad: 'same' },
  { name: '1x1x1 stride 1 valid (one matmul), batch 3, 1 channel', x: [3, 2, 3, 4, 1], w: [1, 1, 1, 1, 1], strides: 1, pad: 'valid' },
  { name: '[1,3,3] stride [1,2,2] same, 10->7', x: [2, 3, 8, 9, 10], w: [1, 3, 3, 10, 7], strides: [1, 2, 2], pad: 'same' },
  { name: '[3,1,1] stride [2,1,1] valid, 5->4', x: [1, 7, 4, 5, 5], w: [3, 1, 1, 5, 4], strides: [2, 1, 1], pad: 'valid' },
];

/** A case with >= 1024 output positions, strided in all axes (a GEMM-path forward). */
export const conv3dGemmCase: Conv3dCase = { name: '3x3x3 stride 2 same, 1152 outputs (GEMM forward), 5->6', x: [2, 8, 24, 24, 5], w: [3, 3, 3, 5, 6], strides: 2, pad: 'same' };

/**
 * `[y, dL/dx, dL/dw]` of `L = sum(conv3d(x, w) * r)` with seeded `x`, `w`, `r`
 * (seeds 11, 12, 13): a function to run on two backends (`onBackends`).
 */
export function conv3dWithGrads(c: Conv3dCase): () => tf.Tensor[] {
  const xd = rand(numel(c.x), 11), wd = rand(numel(c.w), 12);
  return () => {
    const x = tf.tensor5d(xd, c.x), w = tf.tensor5d(wd, c.w);
    const y = tf.conv3d(x, w, c.strides, c.pad, 'NDHWC', c.dilations ?? 1);
    const r = tf.tensor(rand(y.size, 13), y.shape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides, c.pad, 'NDHWC', c.dilations ?? 1), r)))([x, w]);
    return [y, ...g];
  };
}

/** A dilated (2) 3x3x3 'same' forward on seeded inputs: a function to run on two backends. */
export function dilatedConv3d(): () => tf.Tensor {
  const xs: Shape5 = [1, 7, 8, 9, 4], ws: Shape5 = [3, 3, 3, 4, 6];
  const xd = rand(numel(xs), 21), wd = rand(numel(ws), 22);
  return () => tf.conv3d(tf.tensor5d(xd, xs), tf.tensor5d(wd, ws), 1, 'same', 'NDHWC', 2);
}

/**
 * On the active backend alone: the gradients of a bilinear loss
 * `sum(conv3d(x, w) * r)` (strides [1,2,1], 'same') against central finite
 * differences at a few elements of `x` and `w`. The loss is bilinear, so the
 * differences are exact up to rounding. Throws on a tensor leak.
 *
 * @returns the largest |finite difference - gradient| for `x` and for `w`
 */
export async function conv3dFiniteDifferenceErrors(): Promise<{ dx: number; dw: number }> {
  const xs: Shape5 = [2, 3, 5, 4, 3], ws: Shape5 = [3, 3, 3, 3, 5];
  const strides: Triple = [1, 2, 1];
  const xd = rand(numel(xs), 31), wd = rand(numel(ws), 32);
  const lossT = (x: tf.Tensor, w: tf.Tensor): tf.Scalar => {
    const y = tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, strides, 'same');
    return tf.sum(tf.mul(y, tf.tensor(rand(y.size, 33), y.shape)));
  };
  const loss = (xa: Float32Array, wa: Float32Array): number => tf.tidy(() => lossT(tf.tensor5d(xa, xs), tf.tensor5d(wa, ws)).dataSync()[0] as number);
  const [gx, gw] = (await expectNoLeaks(() => tf.tidy(() => tf.grads(lossT)([tf.tensor5d(xd, xs), tf.tensor5d(wd, ws)]).map((t) => t.dataSync())))) as [Float32Array, Float32Array];
  const h = 0.5;
  const worst = (base: Float32Array, grad: Float32Array, at: number[], f: (v: Float32Array) => number): number => {
    let m = 0;
    for (const i of at) {
      const p = Float32Array.from(base), q = Float32Array.from(base);
      p[i] = (p[i] as number) + h;
      q[i] = (q[i] as number) - h;
      m = Math.max(m, Math.abs((f(p) - f(q)) / (2 * h) - (grad[i] as number)));
    }
    return m;
  };
  return {
    dx: worst(xd, gx, [0, 7, 33, 100, numel(xs) - 1], (v) => loss(v, wd)),
    dw: worst(wd, gw, [0, 5, 50, 200, numel(ws) - 1], (v) => loss(xd, v)),
  };
}
