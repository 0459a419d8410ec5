import * as tf from '@tensorflow/tfjs-core';
import type { BatchCounter, ParamStore } from './params.js';

/** PyTorch's default batch/group norm epsilon. */
export const NORM_EPS = 1e-5;
/** PyTorch's default batch norm momentum (weight of the new batch statistic). */
export const BN_MOMENTUM = 0.1;

/**
 * Name of an optional fused training batch-norm kernel (inputs `x`, `gamma`,
 * `beta`, attr `eps`; outputs y, batch mean, biased batch variance). When the
 * active backend registers it (`@byolmed3d/tfjs-onednn` does), {@link batchNormTrain}
 * runs on it and its gradient kernel {@link FUSED_BATCH_NORM_TRAIN_GRAD}.
 */
export const FUSED_BATCH_NORM_TRAIN = 'OneDnnBatchNormTrain';
/** Gradient kernel of {@link FUSED_BATCH_NORM_TRAIN} (inputs `dy`, `x`, `mean`, `variance`, `gamma`; outputs dx, dgamma, dbeta). */
export const FUSED_BATCH_NORM_TRAIN_GRAD = 'OneDnnBatchNormTrainGrad';

/**
 * Name of an optional fused training batch-norm kernel with a residual input
 * and ReLU, `y = relu?(bn(x) + residual?)` (inputs `x`, `gamma`, `beta`,
 * optional `residual`; attrs `eps`, `relu`; outputs y, batch mean, biased
 * batch variance). When the active backend registers it (`@byolmed3d/tfjs-onednn`
 * does), {@link batchNormTrain} with `relu` or `residual` runs on it and its
 * gradient kernel {@link FUSED_BATCH_NORM_ACT_TRAIN_GRAD}.
 */
export const FUSED_BATCH_NORM_ACT_TRAIN = 'OneDnnBatchNormActTrain';
/**
 * Gradient kernel of {@link FUSED_BATCH_NORM_ACT_TRAIN} (inputs `dy`, `x`,
 * `mean`, `variance`, `gamma`, and the forward output `y` when `relu`; attrs
 * `eps`, `relu`, `residual`; outputs dx, dgamma, dbeta and, with `residual`,
 * the residual's gradient).
 */
export const FUSED_BATCH_NORM_ACT_TRAIN_GRAD = 'OneDnnBatchNormActTrainGrad';

/** The residual add and ReLU that can follow a batch norm (a ResNet block's tail). */
export interface BatchNormActOptions {
  /** A tensor of the input's shape added after the norm (a block's shortcut), differentiated too; default none. */
  residual?: tf.Tensor;
  /** Apply a ReLU last: `relu(bn(x) + residual)`; default false. */
  relu?: boolean;
}

/** Options of {@link batchNormTrain} beyond the epsilon. */
export interface BatchNormTrainOptions extends BatchNormActOptions {
  /**
   * Run on the backend's fused kernels when it registers them; default true.
   * `false` always composes tfjs ops (the reference the fused kernels are
   * tested and benchmarked against).
   */
  fused?: boolean;
}

/** Result of {@link batchNormTrain}. */
export interface BatchNormTrainResult {
  /** Normalised, scaled and shifted input, same shape as the input. */
  output: tf.Tensor;
  /** Per-channel batch mean `[C]` (not differentiable). */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance `[C]` (not differentiable). */
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm over every axis but the last (channels last),
 * normalising with the biased batch variance as PyTorch does, differentiable
 * in `x`, `gamma`, `beta` (and `options.residual`), on rank-5 input too.
 * With `options.residual` and/or `options.relu` the output is
 * `relu?(bn(x) + residual?)`.
 *
 * It is the one caller of the backends' fused training batch-norm kernels
 * (`@byolmed3d/tfjs-onednn`, `@byolmed3d/tfjs-portable` and
 * `@byolmed3d/tfjs-webgpu` register them): when the active backend registers
 * {@link FUSED_BATCH_NORM_TRAIN} (or, with a residual or ReLU,
 * {@link FUSED_BATCH_NORM_ACT_TRAIN}) and the input is float32, it runs on
 * that kernel and its gradient kernel; the ReLU / residual form keeps only
 * `x` and the output for the backward pass. Elsewhere it composes tfjs ops
 * with the hand-written gradient
 * `dx = gamma * inv * (dy - mean(dy) - xhat * mean(dy * xhat))`,
 * `dgamma = sum(dy * xhat)`, `dbeta = sum(dy)` (much faster than
 * differentiating `tf.batchNorm`, whose gradient fails on rank 5), then
 * `tf.add` and `tf.relu`. Both give the same results. The caller owns the
 * three returned tensors.
 *
 * @param x input `[..., C]`, more than one value per channel
 * @param gamma scale `[C]`
 * @param beta shift `[C]`
 * @param eps added to the variance, default 1e-5
 * @param options residual, ReLU and kernel choice, default none / fused where available
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = NORM_EPS, options: BatchNormTrainOptions = {}): BatchNormTrainResult {
  const c = x.shape[x.rank - 1] as number;
  tf.util.assert(gamma.shape[0] === c && beta.shape[0] === c, () => `batchNormTrain: x has ${c} channels, gamma [${gamma.shape}], beta [${beta.shape}]`);
  const m = x.size / c;
  tf.util.assert(m > 1, () => `batchNormTrain: expected more than 1 value per channel when training, got input shape [${x.shape}]`);
  const { residual, relu = false, fused = true } = options;
  tf.util.assert(residual === undefined || tf.util.arraysEqual(residual.shape, x.shape), () => `batchNormTrain: residual [${residual?.shape}] must have the shape of x [${x.shape}]`);
  const act = residual !== undefined || relu;
  const backend = tf.getBackend();
  const has = (kernel: string): boolean => fused && x.dtype === 'float32' && tf.getKernel(kernel, backend) !== undefined;
  if (act && has(FUSED_BATCH_NORM_ACT_TRAIN) && (residual === undefined || residual.dtype === 'float32')) return batchNormFused(x, gamma, beta, eps, { residual, relu });
  // The plain fused kernel where the backend has it (portable and webgpu have no act kernel), else composed ops; then the add and ReLU as tfjs ops.
  const r = has(FUSED_BATCH_NORM_TRAIN) ? batchNormFused(x, gamma, beta, eps, undefined) : batchNormComposed(x, gamma, beta, eps, m, c);
  if (!act) return r;
  const out = tf.tidy(() => {
    const s = residual ? tf.add(r.output, residual) : r.output;
    return relu ? tf.relu(s) : s;
  });
  r.output.dispose();
  return { ...r, output: out };
}

/** Hands back tracked clones of statistics kept (untracked) inside a custom op, and frees the kept ones. */
function withStatistics(output: tf.Tensor, kept: [tf.Tensor1D | undefined, tf.Tensor1D | undefined]): BatchNormTrainResult {
  const [mean, variance] = kept as [tf.Tensor1D, tf.Tensor1D];
  const result = { output, mean: tf.clone(mean), variance: tf.clone(variance) };
  tf.dispose([mean, variance]);
  return result;
}

/** The composed batch norm: tfjs ops forward, the closed-form gradient backward. */
function batchNormComposed(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number, m: number, c: number): BatchNormTrainResult {
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const x2 = tf.reshape(xIn as tf.Tensor, [m, c]);
    const mu = tf.mean(x2, 0) as tf.Tensor1D;
    const xc = tf.sub(x2, mu);
    const v = tf.mean(tf.square(xc), 0) as tf.Tensor1D;
    const inv = tf.rsqrt(tf.add(v, eps));
    const xhat = tf.mul(xc, inv);
    const y = tf.add(tf.mul(xhat, gIn as tf.Tensor), bIn as tf.Tensor);
    // f runs inside a tidy: keep the statistics for the caller.
    mean = tf.keep(mu);
    variance = tf.keep(v);
    (save as tf.GradSaveFunc)([xhat, inv, gIn as tf.Tensor]);
    return {
      value: tf.reshape(y, (xIn as tf.Tensor).shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sXhat, sInv, sG] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dy2 = tf.reshape(dy, [m, c]);
        const sumDy = tf.sum(dy2, 0);
        const sumDyXhat = tf.sum(tf.mul(dy2, sXhat), 0);
        const scale = tf.mul(sG, sInv);
        const centred = tf.sub(dy2, tf.div(sumDy, m));
        const dx = tf.mul(tf.sub(centred, tf.mul(sXhat, tf.div(sumDyXhat, m))), scale);
        return [tf.reshape(dx, dy.shape), sumDyXhat, sumDy];
      },
    };
  });
  return withStatistics(op(x, gamma, beta), [mean, variance]);
}

/**
 * The batch norm on the backend's fused kernels: {@link FUSED_BATCH_NORM_TRAIN}
 * without `act`, {@link FUSED_BATCH_NORM_ACT_TRAIN} (`relu?(bn(x) + residual?)`) with it.
 */
function batchNormFused(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number, act: BatchNormActOptions | undefined): BatchNormTrainResult {
  const residual = act?.residual, relu = act?.relu ?? false;
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((...args) => {
    const [xt, gt, bt] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs: tf.NamedTensorMap = { x: xt, gamma: gt, beta: bt, ...(residual ? { residual: args[3] as tf.Tensor } : {}) };
    // Outputs y, batch mean, biased batch variance.
    const [y, mu, v] = tf.engine().runKernel(act ? FUSED_BATCH_NORM_ACT_TRAIN : FUSED_BATCH_NORM_TRAIN, inputs, act ? { eps, relu } : { eps }) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    // f runs inside a tidy: keep copies of the statistics for the caller.
    mean = tf.keep(tf.clone(mu));
    variance = tf.keep(tf.clone(v));
    // The output is saved only for the ReLU mask (usually kept anyway, as the next layer's input).
    save(relu ? [xt, mu, v, gt, y] : [xt, mu, v, gt]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, smu, sv, sg, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        const gi: tf.NamedTensorMap = { dy, x: sx, mean: smu, variance: sv, gamma: sg, ...(sy ? { y: sy } : {}) };
        // dx, dgamma, dbeta (and the residual's gradient).
        if (!act) return tf.engine().runKernel(FUSED_BATCH_NORM_TRAIN_GRAD, gi, { eps }) as unknown as tf.Tensor[];
        return tf.engine().runKernel(FUSED_BATCH_NORM_ACT_TRAIN_GRAD, gi, { eps, relu, residual: residual !== undefined }) as unknown as tf.Tensor[];
      },
    };
  });
  return withStatistics(residual ? op(x, gamma, beta, residual) : op(x, gamma, beta), [mean, variance]);
}

/** A normalisation layer of a video ResNet. */
export interface NormLayer {
  /** Normalises channels-last input; `training` picks batch or running statistics. */
  apply(x: tf.Tensor5D, training: boolean): tf.Tensor5D;
  /**
   * `relu?(norm(x) + residual?)`, fused into one kernel where the layer and
   * backend can (training batch norm on a backend with
   * {@link FUSED_BATCH_NORM_ACT_TRAIN}); optional, callers fall back to
   * `apply` then `tf.add` / `tf.relu`.
   */
  applyAct?(x: tf.Tensor5D, training: boolean, act: BatchNormActOptions): tf.Tensor5D;
}

/** Which normalisation a model uses: PyTorch `BatchNorm3d`, or `GroupNorm`. */
export type NormKind = 'batch' | 'group';

/** Batch norm with PyTorch semantics (eps 1e-5, momentum 0.1, running stats by `assign`). */
export class BatchNorm3d implements NormLayer {
  /** Scale gamma `[C]` (`<name>.weight`). */
  readonly weight: tf.Variable;
  /** Shift beta `[C]` (`<name>.bias`). */
  readonly bias: tf.Variable;
  /** Running mean `[C]` (non-trainable). */
  readonly runningMean: tf.Variable;
  /** Running (unbiased) variance `[C]` (non-trainable). */
  readonly runningVar: tf.Variable;
  private readonly counter: BatchCounter;

  /**
   * @param store where the variables are registered
   * @param name torchvision module name, e.g. `layer1.0.conv1.1`
   * @param channels number of channels
   */
  constructor(store: ParamStore, name: string, channels: number) {
    this.weight = store.add(`${name}.weight`, [channels], 'vector', true);
    this.bias = store.add(`${name}.bias`, [channels], 'vector', true);
    this.runningMean = store.add(`${name}.running_mean`, [channels], 'vector', false);
    this.runningVar = store.add(`${name}.running_var`, [channels], 'vector', false);
    this.counter = store.counter(name);
  }

  apply(x: tf.Tensor5D, training: boolean): tf.Tensor5D {
    if (!training) {
      return tf.tidy(() => {
        const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, NORM_EPS)));
        const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale));
        return tf.add(tf.mul(x, scale), shift);
      });
    }
    return this.train(x, {});
  }

  applyAct(x: tf.Tensor5D, training: boolean, act: BatchNormActOptions): tf.Tensor5D {
    if (!training) {
      return tf.tidy(() => {
        const y = this.apply(x, false);
        const s = act.residual ? tf.add(y, act.residual) : y;
        return (act.relu ? tf.relu(s) : s) as tf.Tensor5D;
      });
    }
    return this.train(x, act);
  }

  private train(x: tf.Tensor5D, act: BatchNormActOptions): tf.Tensor5D {
    const { output, mean, variance } = batchNormTrain(x, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, NORM_EPS, act);
    const m = x.size / (x.shape[4] as number);
    tf.tidy(() => {
      const k = BN_MOMENTUM;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - k), tf.mul(mean, k)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - k), tf.mul(variance, (k * m) / (m - 1))));
    });
    this.counter.increment();
    return output as tf.Tensor5D;
  }
}

/** Largest divisor of `channels` that is at most `groups`. */
export function groupCount(channels: number, groups: number): number {
  for (let g = Math.min(groups, channels); g > 1; g--) if (channels % g === 0) return g;
  return 1;
}

/**
 * Group norm (PyTorch `GroupNorm`, eps 1e-5, affine): statistics per sample
 * and group of channels, so it does not depend on the batch size and has no
 * running statistics. Behaves the same in training and evaluation.
 */
export class GroupNorm3d implements NormLayer {
  /** Scale `[C]` (`<name>.weight`). */
  readonly weight: tf.Variable;
  /** Shift `[C]` (`<name>.bias`). */
  readonly bias: tf.Variable;
  /** Number of groups actually used (the largest divisor of the channels not above the requested count). */
  readonly groups: number;

  /**
   * @param store where the variables are registered
   * @param name torchvision module name
   * @param channels number of channels
   * @param groups requested number of groups
   */
  constructor(
    store: ParamStore,
    name: string,
    /** Number of channels. */
    readonly channels: number,
    groups: number,
  ) {
    this.groups = groupCount(channels, groups);
    this.weight = store.add(`${name}.weight`, [channels], 'vector', true);
    this.bias = store.add(`${name}.bias`, [channels], 'vector', true);
  }

  apply(x: tf.Tensor5D, _training: boolean): tf.Tensor5D {
    return tf.tidy(() => {
      const [n, t, h, w, c] = x.shape;
      const g = this.groups;
      const xg = tf.reshape(x, [n, t * h * w, g, c / g]);
      const mu = tf.mean(xg, [1, 3], true);
      const xc = tf.sub(xg, mu);
      const v = tf.mean(tf.square(xc), [1, 3], true);
      const xhat = tf.reshape(tf.mul(xc, tf.rsqrt(tf.add(v, NORM_EPS))), x.shape);
      return tf.add(tf.mul(xhat, this.weight), this.bias);
    });
  }
}
