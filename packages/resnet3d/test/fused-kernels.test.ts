// The contract between batchNormTrain and a backend's fused batch-norm kernels
// (tfjs-onednn, tfjs-portable and tfjs-webgpu register them under these
// names): which kernel runs, with which inputs and attrs, and how its outputs
// and its gradient kernel's outputs come back. Stand-in kernels on the cpu
// backend record their calls and return recognisable constants.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { FUSED_BATCH_NORM_ACT_TRAIN, FUSED_BATCH_NORM_ACT_TRAIN_GRAD, FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN_GRAD, batchNormTrain } from '@byolmed3d/resnet3d';

interface Call {
  kernel: string;
  inputs: string[];
  attrs: Record<string, unknown>;
}
let calls: Call[] = [];

/** A stand-in kernel returning `fills[i]` in output i, shaped like input `x` (or `[C]` for the per-channel ones). */
function standIn(kernel: string, fills: number[], perChannel: boolean[]): tf.KernelConfig {
  return {
    kernelName: kernel,
    backendName: 'cpu',
    kernelFunc: ({ inputs, attrs, backend }) => {
      calls.push({ kernel, inputs: Object.keys(inputs).sort(), attrs: { ...(attrs ?? {}) } });
      const x = inputs.x as tf.TensorInfo;
      const c = x.shape[x.shape.length - 1] as number;
      // The act gradient kernel returns the residual's gradient only when there is one.
      const n = kernel === FUSED_BATCH_NORM_ACT_TRAIN_GRAD && attrs?.residual !== true ? 3 : fills.length;
      return fills.slice(0, n).map((v, i) => {
        const shape = perChannel[i] ? [c] : x.shape;
        return (backend as { makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo }).makeTensorInfo(shape, 'float32', new Float32Array(tf.util.sizeFromShape(shape)).fill(v));
      });
    },
  };
}

const names = [FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN_GRAD, FUSED_BATCH_NORM_ACT_TRAIN, FUSED_BATCH_NORM_ACT_TRAIN_GRAD];

describe('batchNormTrain on a backend with fused kernels (stand-ins on cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    tf.registerKernel(standIn(FUSED_BATCH_NORM_TRAIN, [7, 0.5, 2], [false, true, true]));
    tf.registerKernel(standIn(FUSED_BATCH_NORM_TRAIN_GRAD, [1, 2, 3], [false, true, true]));
    tf.registerKernel(standIn(FUSED_BATCH_NORM_ACT_TRAIN, [9, 0.25, 4], [false, true, true]));
    tf.registerKernel(standIn(FUSED_BATCH_NORM_ACT_TRAIN_GRAD, [-1, -2, -3, -4], [false, true, true, false]));
    return () => {
      for (const k of names) tf.unregisterKernel(k, 'cpu');
    };
  });
  afterEach(() => {
    calls = [];
  });

  const s = [2, 3, 4, 5];
  const xs = () => tf.reshape(tf.range(0, 120), s);

  it('plain: runs the fused kernel with eps, returns its output and statistics, and its gradient kernel gives dx, dgamma, dbeta', async () => {
    const [out, mean, variance, dx, dg, db] = await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = xs(), g = tf.ones([5]) as tf.Tensor1D, b = tf.zeros([5]) as tf.Tensor1D;
        const r = batchNormTrain(x, g, b, 1e-3);
        const grads = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
          const o = batchNormTrain(a, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-3);
          return tf.sum(o.output);
        })([x, g, b]);
        return [r.output, r.mean, r.variance, ...grads].map((t) => Array.from(t.dataSync()));
      }),
    );
    expect(new Set(out)).toEqual(new Set([7]));
    expect(mean).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(variance).toEqual([2, 2, 2, 2, 2]);
    expect(dx?.length).toBe(120);
    expect(new Set(dx)).toEqual(new Set([1]));
    expect(dg).toEqual([2, 2, 2, 2, 2]);
    expect(db).toEqual([3, 3, 3, 3, 3]);
    expect(calls.map((c) => c.kernel)).toEqual([FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN_GRAD]);
    expect(calls[0]).toEqual({ kernel: FUSED_BATCH_NORM_TRAIN, inputs: ['beta', 'gamma', 'x'], attrs: { eps: 1e-3 } });
    expect(calls[2]).toEqual({ kernel: FUSED_BATCH_NORM_TRAIN_GRAD, inputs: ['dy', 'gamma', 'mean', 'variance', 'x'], attrs: { eps: 1e-3 } });
  });

  it('with residual and ReLU: the act kernel gets the residual and relu, its gradient the forward output, and the residual gets its gradient', async () => {
    const [out, dx, dg, db, dr] = await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = xs(), g = tf.ones([5]) as tf.Tensor1D, b = tf.zeros([5]) as tf.Tensor1D, res = tf.onesLike(x);
        const f = (a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor, rr: tf.Tensor) => {
          const o = batchNormTrain(a, gg as tf.Tensor1D, bb as tf.Tensor1D, undefined, { relu: true, residual: rr });
          tf.dispose([o.mean, o.variance]);
          return o.output;
        };
        const grads = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor, rr: tf.Tensor) => tf.sum(f(a, gg, bb, rr)))([x, g, b, res]);
        return [f(x, g, b, res), ...grads].map((t) => Array.from(t.dataSync()));
      }),
    );
    expect(new Set(out)).toEqual(new Set([9]));
    expect(new Set(dx)).toEqual(new Set([-1]));
    expect(dg).toEqual([-2, -2, -2, -2, -2]);
    expect(db).toEqual([-3, -3, -3, -3, -3]);
    expect(dr?.length).toBe(120);
    expect(new Set(dr)).toEqual(new Set([-4]));
    const act = calls.filter((c) => c.kernel === FUSED_BATCH_NORM_ACT_TRAIN);
    expect(act[0]).toEqual({ kernel: FUSED_BATCH_NORM_ACT_TRAIN, inputs: ['beta', 'gamma', 'residual', 'x'], attrs: { eps: 1e-5, relu: true } });
    const grad = calls.filter((c) => c.kernel === FUSED_BATCH_NORM_ACT_TRAIN_GRAD);
    expect(grad).toEqual([{ kernel: FUSED_BATCH_NORM_ACT_TRAIN_GRAD, inputs: ['dy', 'gamma', 'mean', 'variance', 'x', 'y'], attrs: { eps: 1e-5, relu: true, residual: true } }]);
    expect(calls.some((c) => c.kernel === FUSED_BATCH_NORM_TRAIN)).toBe(false);
  });

  it('ReLU without a residual: no residual input, no y for the gradient unless relu', async () => {
    await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = xs(), g = tf.ones([5]) as tf.Tensor1D, b = tf.zeros([5]) as tf.Tensor1D, res = tf.onesLike(x);
        tf.grads((a: tf.Tensor) => tf.sum(batchNormTrain(a, g, b, undefined, { relu: true }).output))([x]);
        tf.grads((a: tf.Tensor) => tf.sum(batchNormTrain(a, g, b, undefined, { residual: res }).output))([x]);
      }),
    );
    const grads = calls.filter((c) => c.kernel === FUSED_BATCH_NORM_ACT_TRAIN_GRAD);
    expect(grads.map((c) => [c.inputs.includes('y'), c.attrs.relu, c.attrs.residual])).toEqual([[true, true, false], [false, false, true]]);
    expect(calls.filter((c) => c.kernel === FUSED_BATCH_NORM_ACT_TRAIN).map((c) => c.inputs.includes('residual'))).toEqual([false, true]);
  });

  it('fused: false composes tfjs ops instead (real statistics, no kernel call)', async () => {
    const [mean = [], variance = []] = await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = xs(), g = tf.ones([5]) as tf.Tensor1D, b = tf.zeros([5]) as tf.Tensor1D;
        const r = batchNormTrain(x, g, b, undefined, { fused: false, relu: true });
        return [r.mean, r.variance].map((t) => Array.from(t.dataSync()));
      }),
    );
    expect(calls).toEqual([]);
    // Channel k holds k, k + 5, ..., k + 115: mean k + 57.5, variance (24^2 - 1) / 12 * 25.
    expect(mean[0]).toBeCloseTo(57.5, 4);
    expect(mean[4]).toBeCloseTo(61.5, 4);
    expect(variance[0]).toBeCloseTo(((24 * 24 - 1) / 12) * 25, 1);
  });

  it('a non-float32 residual: the plain fused kernel, then the add and ReLU as tfjs ops', async () => {
    const [out = []] = await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = xs(), g = tf.ones([5]) as tf.Tensor1D, b = tf.zeros([5]) as tf.Tensor1D;
        const r = batchNormTrain(x, g, b, undefined, { relu: true, residual: tf.cast(tf.onesLike(x), 'int32') });
        return [Array.from(r.output.dataSync())];
      }),
    );
    expect(calls.map((c) => c.kernel)).toEqual([FUSED_BATCH_NORM_TRAIN]);
    expect(new Set(out)).toEqual(new Set([8]));
  });
});

// tfjs-portable and tfjs-webgpu register the plain kernels only.
describe('batchNormTrain on a backend with only the plain fused kernel (stand-ins on cpu)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
    tf.registerKernel(standIn(FUSED_BATCH_NORM_TRAIN, [-3, 0.5, 2], [false, true, true]));
    tf.registerKernel(standIn(FUSED_BATCH_NORM_TRAIN_GRAD, [1, 2, 3], [false, true, true]));
    return () => {
      for (const k of [FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN_GRAD]) tf.unregisterKernel(k, 'cpu');
    };
  });
  afterEach(() => {
    calls = [];
  });

  it('with residual and ReLU: the plain kernel and its gradient, the add and the ReLU as tfjs ops', async () => {
    const s = [2, 3, 4, 5];
    const [out = [], dx = [], dr = []] = await expectNoLeaks(() =>
      tf.tidy(() => {
        const x = tf.reshape(tf.range(0, 120), s), g = tf.ones([5]) as tf.Tensor1D, b = tf.zeros([5]) as tf.Tensor1D;
        // bn = -3 everywhere; + residual: -3 + 4 = 1 (ReLU passes), -3 + 2 = -1 (ReLU clips).
        const res = tf.reshape(tf.tile(tf.tensor1d([4, 2]), [60]), s);
        const f = (a: tf.Tensor, rr: tf.Tensor): tf.Tensor => {
          const o = batchNormTrain(a, g, b, undefined, { relu: true, residual: rr });
          tf.dispose([o.mean, o.variance]);
          return o.output;
        };
        const [gx, gr] = tf.grads((a: tf.Tensor, rr: tf.Tensor) => tf.sum(f(a, rr)))([x, res]) as [tf.Tensor, tf.Tensor];
        return [f(x, res), gx, gr].map((t) => Array.from(t.dataSync()));
      }),
    );
    expect(out.slice(0, 4)).toEqual([1, 0, 1, 0]);
    // The stand-in gradient kernel's dx, whatever dy is; the residual's gradient is the ReLU mask.
    expect(new Set(dx)).toEqual(new Set([1]));
    expect(dr.slice(0, 4)).toEqual([1, 0, 1, 0]);
    // tf.grads (forward, then the gradient kernel), then the forward again.
    expect(calls.map((c) => c.kernel)).toEqual([FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN_GRAD, FUSED_BATCH_NORM_TRAIN]);
  });
});
