import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';
import { excludeRankOne, type ExcludePredicate } from './exclude.js';
import { SlotOptimizer } from './slot-optimizer.js';

/** Options of {@link LARS}. */
export interface LARSOptions {
  /** Learning rate; BYOL uses 0.2 x batch / 256 (see `scaledLearningRate`). Required. */
  learningRate: number;
  /** Momentum of the heavy-ball buffer; default 0.9. */
  momentum?: number;
  /** L2 weight decay added to the gradient before adaptation; default 1.5e-6 (BYOL). */
  weightDecay?: number;
  /**
   * Trust coefficient η of the layer-wise trust ratio
   * `η · ‖w‖ / ‖g + λw‖`; default 1e-3.
   */
  trustCoefficient?: number;
  /** Alias of {@link LARSOptions.trustCoefficient} (the η of You et al. and of BYOL's code); `trustCoefficient` wins when both are given. */
  eta?: number;
  /**
   * Variables left out of BOTH weight decay and trust-ratio adaptation (they
   * get plain momentum SGD); default {@link excludeRankOne} (biases and norm
   * scales/shifts, detected by rank). Not serialised by `getConfig`: pass it
   * again after `fromConfig` when it is not the default.
   */
  exclude?: ExcludePredicate;
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
  /** Weight decay λ. */
  weightDecay: number;
  /** Trust coefficient η. */
  trustCoefficient: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** Variables excluded from decay and adaptation. */
  exclude: ExcludePredicate;
  /** Slot names: `momentum`. */
  protected readonly slotNames = ['momentum'] as const;

  /** @param options see {@link LARSOptions} */
  constructor(options: LARSOptions) {
    super(options.learningRate);
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay ?? 1.5e-6;
    this.trustCoefficient = options.trustCoefficient ?? options.eta ?? 1e-3;
    this.nesterov = options.nesterov ?? false;
    this.exclude = options.exclude ?? excludeRankOne;
    check(this.momentum >= 0 && this.momentum < 1, 'LARS', () => `momentum must be in [0, 1), got ${this.momentum}`);
    check(this.weightDecay >= 0, 'LARS', () => `weightDecay must be >= 0, got ${this.weightDecay}`);
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

  /** Serialisable configuration (the exclusion predicate is not included). */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
      trustCoefficient: this.trustCoefficient,
      nesterov: this.nesterov,
    };
  }

  /** Re-creates a LARS from {@link LARS.getConfig}'s output (default exclusion predicate). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({
      learningRate: config['learningRate'] as number,
      momentum: config['momentum'] as number,
      weightDecay: config['weightDecay'] as number,
      trustCoefficient: config['trustCoefficient'] as number,
      nesterov: config['nesterov'] as boolean,
    });
  }
}

tf.serialization.registerClass(LARS);
