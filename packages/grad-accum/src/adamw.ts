import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';
import { excludeRankOne, type ExcludePredicate } from './exclude.js';
import { SlotOptimizer } from './slot-optimizer.js';

/** Options of {@link AdamW}. */
export interface AdamWOptions {
  /** Learning rate. Required. */
  learningRate: number;
  /** Decay of the first moment; default 0.9. */
  beta1?: number;
  /** Decay of the second moment; default 0.999. */
  beta2?: number;
  /** Added to `sqrt(v̂)`; default 1e-8. */
  epsilon?: number;
  /** Decoupled weight decay λ (the step multiplies `w` by `1 − lr·λ`); default 0.01 (PyTorch's). */
  weightDecay?: number;
  /**
   * Variables that get no weight decay; default {@link excludeRankOne} (biases
   * and norm parameters), the usual practice; PyTorch's `AdamW` decays
   * everything unless given parameter groups: pass `excludeNone` for that.
   * Not serialised by `getConfig`.
   */
  exclude?: ExcludePredicate;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019), with PyTorch's
 * `torch.optim.AdamW` update per variable (its own step count `t`):
 *
 * ```
 * w ← w · (1 − lr·λ)                 (not for excluded variables)
 * m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 * w ← w − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε)
 * ```
 *
 * Slots `m`, `v` and `step` are created lazily per variable name.
 * Registered with `tf.serialization` as `AdamW`.
 */
export class AdamW extends SlotOptimizer {
  /** Class name for tfjs serialisation. */
  static get className(): string {
    return 'AdamW';
  }
  /** β1. */
  beta1: number;
  /** β2. */
  beta2: number;
  /** ε. */
  epsilon: number;
  /** Decoupled weight decay λ. */
  weightDecay: number;
  /** Variables that get no weight decay. */
  exclude: ExcludePredicate;
  /** Slot names: `m`, `v`, `step`. */
  protected readonly slotNames = ['m', 'v', 'step'] as const;

  /** @param options see {@link AdamWOptions} */
  constructor(options: AdamWOptions) {
    super(options.learningRate);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.exclude = options.exclude ?? excludeRankOne;
    check(this.beta1 >= 0 && this.beta1 < 1, 'AdamW', () => `beta1 must be in [0, 1), got ${this.beta1}`);
    check(this.beta2 >= 0 && this.beta2 < 1, 'AdamW', () => `beta2 must be in [0, 1), got ${this.beta2}`);
    check(this.epsilon >= 0, 'AdamW', () => `epsilon must be >= 0, got ${this.epsilon}`);
    check(this.weightDecay >= 0, 'AdamW', () => `weightDecay must be >= 0, got ${this.weightDecay}`);
  }

  /** One AdamW update of `variable` (inside `tf.tidy`). */
  protected override updateVariable(name: string, variable: tf.Variable, gradient: tf.Tensor, lr: tf.Scalar): void {
    const m = this.slot(name, 'm', variable);
    const v = this.slot(name, 'v', variable);
    const step = this.slot(name, 'step', variable, []);
    const t = tf.add(step, 1);
    let w: tf.Tensor = variable;
    if (this.weightDecay > 0 && !this.exclude(name, variable.shape)) w = tf.mul(w, tf.sub(1, tf.mul(lr, this.weightDecay)));
    const newM = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
    const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
    // 1 - beta^t as -expm1(t ln beta): float32 `1 - pow(0.999, t)` loses ~1e-5
    // relative precision to cancellation at small t.
    const bc1 = tf.neg(tf.expm1(tf.mul(t, Math.log(this.beta1))));
    const bc2 = tf.neg(tf.expm1(tf.mul(t, Math.log(this.beta2))));
    const update = tf.div(tf.div(newM, bc1), tf.add(tf.sqrt(tf.div(newV, bc2)), this.epsilon));
    m.assign(newM);
    v.assign(newV);
    step.assign(t);
    variable.assign(tf.sub(w, tf.mul(update, lr)));
  }

  /** Serialisable configuration (the exclusion predicate is not included). */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }

  /** Re-creates an AdamW from {@link AdamW.getConfig}'s output (default exclusion predicate). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({
      learningRate: config['learningRate'] as number,
      beta1: config['beta1'] as number,
      beta2: config['beta2'] as number,
      epsilon: config['epsilon'] as number,
      weightDecay: config['weightDecay'] as number,
    });
  }
}

tf.serialization.registerClass(AdamW);
