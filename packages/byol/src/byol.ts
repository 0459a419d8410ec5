import * as tf from '@tensorflow/tfjs-core';
import { EMA } from './ema.js';
import { ByolError, check } from './errors.js';
import { SelfSupervisedBase, stableKeys, type ForwardOutput, type LearnerOptions, type VariableGroup } from './learner-base.js';
import { symmetricByolLoss } from './loss.js';
import { MLPHead, type HeadSpec } from './mlp-head.js';
import { cosineTau, type TauSchedule } from './schedule.js';
import { stopGradient } from './stop-gradient.js';
import type { Encoder } from './types.js';

/** Options of {@link BYOL}. */
export interface BYOLOptions extends LearnerOptions {
  /**
   * Predictor sizes; default {@link BYOL_PAPER_HEAD} with `outputDim` equal to
   * the projector's (it must be).
   */
  predictor?: HeadSpec;
  /** tau at optimizer step 0 of the cosine schedule; default 0.996 (BYOL paper; seed paper 0.99). */
  tauBase?: number;
  /** K, the total optimizer steps of the run, for the cosine schedule. Required unless `schedule` is given. */
  totalSteps?: number;
  /** A custom tau(k) over optimizer steps k; replaces the cosine schedule. */
  schedule?: TauSchedule;
}

/**
 * Bootstrap Your Own Latent (Grill et al. 2020).
 *
 * Online network: encoder → projector → predictor. Target network: a clone
 * of the encoder and projector that receives no gradients and follows the
 * online weights as an exponential moving average,
 * `target ← tau(k) · target + (1 - tau(k)) · online`, applied once per
 * OPTIMIZER step k (never per micro-batch), with
 * `tau(k) = 1 - (1 - tauBase)(cos(pi k / K) + 1) / 2` by default.
 *
 * Loss: {@link symmetricByolLoss}, `2 - 2 cos` between each view's online
 * prediction and the other view's target projection, summed over the two
 * directions, averaged over the batch. Target projections are computed
 * outside the gradient tape in training mode (batch statistics, as in BYOL;
 * the target's batch-norm running statistics follow its own forward passes,
 * only trainable variables are averaged).
 *
 * @example
 * ```ts
 * const byol = new BYOL(encoder, {
 *   optimizer: accumulator,               // or a tf.Optimizer
 *   projector: SEED_PAPER_HEAD, predictor: SEED_PAPER_HEAD,
 *   tauBase: 0.99, totalSteps: 1000,
 * });
 * const s = byol.step(viewA, viewB);      // { loss, projectionStd, viewCosine, tau, stepped, step }
 * ```
 */
export class BYOL extends SelfSupervisedBase {
  /** Always `'byol'`. */
  readonly objective = 'byol' as const;
  /** The online predictor. */
  readonly predictor: MLPHead;
  /** The target encoder (a clone of the online encoder, not trained). */
  readonly targetEncoder: Encoder;
  /** The target projector (a clone of the online projector, not trained). */
  readonly targetProjector: MLPHead;
  /** tau as a function of the optimizer step. */
  readonly tauSchedule: TauSchedule;
  private readonly ema: EMA;

  /**
   * @param encoder - Online encoder; `clone()` gives the target.
   * @param options - Optimizer, heads, tau schedule.
   */
  constructor(encoder: Encoder, options: BYOLOptions) {
    super(encoder, options, 'byol');
    const { tauBase = 0.996, totalSteps, schedule } = options;
    check(schedule !== undefined || totalSteps !== undefined, 'BYOL', () => 'give totalSteps (for the cosine tau schedule) or a schedule');
    this.tauSchedule = schedule ?? cosineTau({ tauBase, totalSteps: totalSteps as number });
    const outputDim = this.projector.outputDim;
    check(
      options.predictor?.outputDim === undefined || options.predictor.outputDim === outputDim,
      'BYOL',
      () => `predictor.outputDim (${String(options.predictor?.outputDim)}) must equal the projector's outputDim (${outputDim})`,
    );
    this.predictor = new MLPHead({
      ...options.predictor,
      inputDim: outputDim,
      outputDim,
      name: `${this.name}/online/predictor`,
      seed: (options.seed ?? 0) + 1,
    });
    this.targetEncoder = encoder.clone();
    const onlineKeys = stableKeys(encoder.trainableVariables);
    const targetKeys = stableKeys(this.targetEncoder.trainableVariables);
    if (onlineKeys.join('\n') !== targetKeys.join('\n')) {
      this.targetEncoder.dispose();
      this.predictor.dispose();
      this.projector.dispose();
      throw new ByolError('BYOL', `encoder.clone() must list the same variables in the same order; first difference: ${onlineKeys.find((k, i) => k !== targetKeys[i]) ?? '(length)'}`);
    }
    this.targetProjector = this.projector.clone(`${this.name}/target/projector`);
    const targetVars = this.targetVariables;
    // Guard against optimizer.minimize() without a var list picking them up.
    for (const v of targetVars) v.trainable = false;
    this.ema = new EMA(targetVars, [...encoder.trainableVariables, ...this.projector.trainableVariables]);
  }

  /** The target's averaged variables: encoder then projector (paired with the online ones). */
  get targetVariables(): tf.Variable[] {
    return [...this.targetEncoder.trainableVariables, ...this.targetProjector.trainableVariables];
  }

  /** tau(k) of the schedule at optimizer step k. */
  tau(k: number): number {
    return this.tauSchedule(k);
  }

  /**
   * Target projections of both views. `step` runs this before it opens the
   * gradient tape; the stop-gradient also keeps gradients out of the target
   * when {@link BYOL.loss} is differentiated by a caller.
   */
  protected override prepare(viewA: tf.Tensor, viewB: tf.Tensor): tf.Tensor[] {
    return tf.tidy(() =>
      [viewA, viewB].map((v) => stopGradient(this.targetProjector.apply(this.targetEncoder.apply(v, { training: true }).features, { training: true }))),
    );
  }

  protected override forward(viewA: tf.Tensor, viewB: tf.Tensor, prepared: tf.Tensor[]): ForwardOutput {
    const [tA, tB] = prepared as [tf.Tensor2D, tf.Tensor2D];
    const zA = this.project(viewA, true);
    const zB = this.project(viewB, true);
    const pA = this.predictor.apply(zA, { training: true });
    const pB = this.predictor.apply(zB, { training: true });
    return { loss: symmetricByolLoss(pA, tB, pB, tA), zA, zB };
  }

  protected override extraTrainableVariables(): tf.Variable[] {
    return this.predictor.trainableVariables;
  }

  protected override afterOptimizerStep(k: number): number {
    const tau = this.tau(k);
    this.ema.update(tau);
    return tau;
  }

  protected override tauAt(k: number): number {
    return this.tau(k);
  }

  protected override variableGroups(): VariableGroup[] {
    return [
      ...super.variableGroups(),
      { prefix: 'online/predictor', variables: [...this.predictor.trainableVariables, ...this.predictor.nonTrainableVariables] },
      { prefix: 'target/encoder', variables: [...this.targetEncoder.trainableVariables, ...(this.targetEncoder.nonTrainableVariables ?? [])] },
      { prefix: 'target/projector', variables: [...this.targetProjector.trainableVariables, ...this.targetProjector.nonTrainableVariables] },
    ];
  }

  protected override disposeExtra(): void {
    this.predictor.dispose();
    this.targetProjector.dispose();
    this.targetEncoder.dispose();
  }
}
