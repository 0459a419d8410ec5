import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_ACT_TRAIN, BATCH_NORM_ACT_TRAIN_GRAD, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernels/batchnorm_train.js';

/** Result of {@link batchNormTrain}. */
export interface BatchNormTrainOutput {
  /** Normalised, scaled and shifted input (plus `residual`, through the ReLU when asked), same shape as `x`. */
  output: tf.Tensor;
  /** Per-channel batch mean `[C]` (not differentiated). */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance `[C]` (not differentiated). */
  variance: tf.Tensor1D;
}

/** Options of {@link batchNormTrain}. */
export interface BatchNormTrainOptions {
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /**
   * A tensor of `x`'s shape added after the batch norm (a ResNet block's
   * shortcut), differentiated too; default none.
   */
  residual?: tf.Tensor;
  /** Apply a ReLU last: `relu(bn(x) + residual)`; default false. */
  relu?: boolean;
}

/**
 * The composed training batch norm (tfjs ops, hand-written gradient), what
 * {@link batchNormTrain} runs on backends without the fused kernels.
 * Returns the output and the kept (caller-owned) statistics. @internal
 */
export function batchNormTrainComposed(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): BatchNormTrainOutput {
  const c = x.shape[x.rank - 1] as number;
  const m = x.size / c;
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const xt = xIn as tf.Tensor, gt = gIn as tf.Tensor1D, bt = bIn as tf.Tensor1D;
    const x2 = tf.reshape(xt, [m, c]);
    const mu = tf.mean(x2, 0) as tf.Tensor1D;
    const xc = tf.sub(x2, mu);
    const v = tf.mean(tf.square(xc), 0) as tf.Tensor1D;
    const inv = tf.rsqrt(tf.add(v, eps));
    const xhat = tf.mul(xc, inv);
    const y = tf.add(tf.mul(xhat, gt), bt);
    mean = tf.keep(tf.clone(mu));
    variance = tf.keep(tf.clone(v));
    (save as tf.GradSaveFunc)([xhat, inv, gt]);
    return {
      value: tf.reshape(y, xt.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sXhat, sInv, sG] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dy2 = tf.reshape(dy, [m, c]);
        const sumDy = tf.sum(dy2, 0);
        const sumDyXhat = tf.sum(tf.mul(dy2, sXhat), 0);
        const dx = tf.mul(tf.sub(tf.sub(dy2, tf.div(sumDy, m)), tf.mul(sXhat, tf.div(sumDyXhat, m))), tf.mul(sG, sInv));
        return [tf.reshape(dx, dy.shape), sumDyXhat, sumDy];
      },
    };
  });
  const output = op(x, gamma, beta);
  return { output, mean: mean as unknown as tf.Tensor1D, variance: variance as unknown as tf.Tensor1D };
}

/**
 * Training-mode batch norm over every axis but the last (channels last),
 * normalising with the biased batch variance as PyTorch does, differentiable
 * in `x`, `gamma` and `beta` (and `options.residual`). With
 * `options.residual` and `options.relu` it computes a ResNet block's tail
 * `relu(bn(x) + residual)` in one kernel.
 *
 * On the `onednn` backend it runs as fused native kernels: two passes
 * forward (statistics, normalise [+ add] [+ ReLU]) and two backward
 * (reductions, input gradient, with the ReLU mask taken from the saved
 * output). The fused ReLU / residual forms keep only `x` and the output for
 * the backward pass, where separate ops keep the batch norm's output and the
 * sum as well (one to two fewer activation-sized tensors per layer, as
 * PyTorch's in-place ReLU), and skip the ReLU's and the add's passes. On any
 * other backend it composes tfjs ops with the hand-written gradient
 * `dx = gamma * inv * (dy - mean(dy) - xhat * mean(dy * xhat))`, then
 * `tf.add` and `tf.relu`. The caller owns the three returned tensors.
 *
 * @param x - input `[..., C]`, more than one value per channel
 * @param gamma - scale `[C]`
 * @param beta - shift `[C]`
 * @param epsOrOptions - the epsilon added to the variance (default 1e-5), or {@link BatchNormTrainOptions}
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsOrOptions: number | BatchNormTrainOptions = 1e-5): BatchNormTrainOutput {
  const opts: BatchNormTrainOptions = typeof epsOrOptions === 'number' ? { eps: epsOrOptions } : epsOrOptions;
  const eps = opts.eps ?? 1e-5, relu = opts.relu ?? false, residual = opts.residual;
  const c = x.shape[x.rank - 1] as number;
  tf.util.assert(gamma.shape[0] === c && beta.shape[0] === c, () => `batchNormTrain: x has ${c} channels, gamma [${gamma.shape}], beta [${beta.shape}]`);
  const m = x.size / c;
  tf.util.assert(m > 1, () => `batchNormTrain: expected more than 1 value per channel, got input shape [${x.shape}]`);
  tf.util.assert(residual === undefined || tf.util.arraysEqual(residual.shape, x.shape), () => `batchNormTrain: residual [${residual?.shape}] must have the shape of x [${x.shape}]`);
  const backend = tf.getBackend();
  const act = relu || residual !== undefined;
  const kernel = act ? BATCH_NORM_ACT_TRAIN : BATCH_NORM_TRAIN;
  if (tf.getKernel(kernel, backend) === undefined || x.dtype !== 'float32' || (residual !== undefined && residual.dtype !== 'float32')) {
    const r = batchNormTrainComposed(x, gamma, beta, eps);
    if (!act) return r;
    const out = tf.tidy(() => {
      const s = residual ? tf.add(r.output, residual) : r.output;
      return relu ? tf.relu(s) : s;
    });
    r.output.dispose();
    return { ...r, output: out };
  }
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((...args) => {
    const [xt, gt, bt] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const rt = residual ? (args[3] as tf.Tensor) : undefined;
    const saveFn = args[args.length - 1] as tf.GradSaveFunc;
    const inputs: tf.NamedTensorMap = { x: xt, gamma: gt, beta: bt, ...(rt ? { residual: rt } : {}) };
    const [y, mu, v] = tf.engine().runKernel(kernel, inputs, act ? { eps, relu } : { eps }) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    mean = tf.keep(tf.clone(mu));
    variance = tf.keep(tf.clone(v));
    // The output is saved only for the ReLU mask (it is usually kept anyway, as the next layer's input).
    saveFn(relu ? [xt, mu, v, gt, y] : [xt, mu, v, gt]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, smu, sv, sg, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        if (!act) return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x: sx, mean: smu, variance: sv, gamma: sg }, { eps }) as unknown as tf.Tensor[];
        const gi: tf.NamedTensorMap = { dy, x: sx, mean: smu, variance: sv, gamma: sg, ...(sy ? { y: sy } : {}) };
        return tf.engine().runKernel(BATCH_NORM_ACT_TRAIN_GRAD, gi, { eps, relu, residual: residual !== undefined }) as unknown as tf.Tensor[];
      },
    };
  });
  const output = residual ? op(x, gamma, beta, residual) : op(x, gamma, beta);
  return { output, mean: mean as unknown as tf.Tensor1D, variance: variance as unknown as tf.Tensor1D };
}
