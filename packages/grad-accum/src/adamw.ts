import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';
import { SlotOptimizer, type SlotOptimizerOptions } from './slot-optimizer.js';

/** Options of {@link AdamW}. */
export interface AdamWOptions extends SlotOptimizerOptions {
  /** Decay of the first moment; default 0.9. */
  beta1?: number;
  /** Decay of the second moment; default 0.999. */
  beta2?: number;
  /** Added to `sqrt(v̂)`; default 1e-8. */
  epsilon?: number;
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
  /** Slot names: `m`, `v`, `step`. */
  protected readonly slotNames = ['m', 'v', 'step'] as const;
  /** Saved by `getConfig` besides the learning rate. */
  protected readonly configKeys = ['beta1', 'beta2', 'epsilon', 'weightDecay'] as const;

  /** @param options see {@link AdamWOptions} */
  constructor(options: AdamWOptions) {
    super(options.learningRate, options.weightDecay ?? 0.01, options.exclude);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    check(this.beta1 >= 0 && this.beta1 < 1, 'AdamW', () => `beta1 must be in [0, 1), got ${this.beta1}`);
    check(this.beta2 >= 0 && this.beta2 < 1, 'AdamW', () => `beta2 must be in [0, 1), got ${this.beta2}`);
    check(this.epsilon >= 0, 'AdamW', () => `epsilon must be >= 0, got ${this.epsilon}`);
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
}

tf.serialization.registerClass(AdamW);
