import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';
import { SlotOptimizer, type SlotOptimizerOptions } from './slot-optimizer.js';

/** Options of {@link LARS}. */
export interface LARSOptions extends SlotOptimizerOptions {
  /** Momentum of the heavy-ball buffer; default 0.9. */
  momentum?: number;
  /**
   * Trust coefficient η of the layer-wise trust ratio
   * `η · ‖w‖ / ‖g + λw‖`; default 1e-3.
   */
  trustCoefficient?: number;
  /** Alias of {@link LARSOptions.trustCoefficient} (the η of You et al. and of BYOL's code); `trustCoefficient` wins when both are given. */
  eta?: number;
  /** Use Nesterov momentum; default false (BYOL uses plain momentum). */
  nesterov?: boolean;
}

/**
 * LARS (You, Gitman & Ginsburg 2017) exactly as BYOL's reference code applies
 * it (deepmind-research `byol/utils/optimizers.py`), for each variable `w`
 * with gradient `g`:
 *
 * ```
 * if not excluded:  g ← g + λ·w                                  (weight decay)
 *                   g ← g · (‖w‖ > 0 and ‖g‖ > 0 ? η‖w‖/‖g‖ : 1) (trust ratio)
 * v ← μ·v + g                                                    (momentum)
 * w ← w − lr·v            (Nesterov: w ← w − lr·(g + μ·v))
 * ```
 *
 * Defaults: μ = 0.9, λ = 1.5e-6, η = 1e-3; excluded variables (by default every
 * rank-0/1 variable: biases and norm parameters) get neither decay nor
 * adaptation. The momentum buffer is created lazily per variable name.
 * Registered with `tf.serialization` as `LARS`.
 */
export class LARS extends SlotOptimizer {
  /** Class name for tfjs serialisation. */
  static get className(): string {
    return 'LARS';
  }
  /** Momentum μ. */
  momentum: number;
  /** Trust coefficient η. */
  trustCoefficient: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** Slot names: `momentum`. */
  protected readonly slotNames = ['momentum'] as const;
  /** Saved by `getConfig` besides the learning rate. */
  protected readonly configKeys = ['momentum', 'weightDecay', 'trustCoefficient', 'nesterov'] as const;

  /** @param options see {@link LARSOptions} */
  constructor(options: LARSOptions) {
    super(options.learningRate, options.weightDecay ?? 1.5e-6, options.exclude);
    this.momentum = options.momentum ?? 0.9;
    this.trustCoefficient = options.trustCoefficient ?? options.eta ?? 1e-3;
    this.nesterov = options.nesterov ?? false;
    check(this.momentum >= 0 && this.momentum < 1, 'LARS', () => `momentum must be in [0, 1), got ${this.momentum}`);
    check(this.trustCoefficient > 0, 'LARS', () => `trustCoefficient must be > 0, got ${this.trustCoefficient}`);
  }

  /** One LARS update of `variable` (inside `tf.tidy`). */
  protected override updateVariable(name: string, variable: tf.Variable, gradient: tf.Tensor, lr: tf.Scalar): void {
    let g = gradient;
    if (!this.exclude(name, variable.shape)) {
      if (this.weightDecay > 0) g = tf.add(g, tf.mul(variable, this.weightDecay));
      // sqrt(sum(x²)): two passes (tf.norm's abs + pow + sum takes three)
      const wNorm = tf.sqrt(tf.sum(tf.square(variable)));
      const gNorm = tf.sqrt(tf.sum(tf.square(g)));
      const one = tf.onesLike(wNorm);
      const safeG = tf.where(tf.greater(gNorm, 0), gNorm, one);
      const ratio = tf.where(
        tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(gNorm, 0)),
        tf.div(tf.mul(wNorm, this.trustCoefficient), safeG),
        one,
      );
      g = tf.mul(g, ratio);
    }
    const v = this.slot(name, 'momentum', variable);
    const newV = tf.add(tf.mul(v, this.momentum), g);
    const step = this.nesterov ? tf.add(g, tf.mul(newV, this.momentum)) : newV;
    v.assign(newV);
    variable.assign(tf.sub(variable, tf.mul(step, lr)));
  }
}

tf.serialization.registerClass(LARS);
