import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';
import { SelfSupervisedBase, type ForwardOutput, type LearnerOptions, type VariableGroup } from './learner-base.js';
import { simSiamLoss } from './loss.js';
import { MLPHead, type HeadSpec } from './mlp-head.js';
import { stopGradient } from './stop-gradient.js';
import type { Encoder } from './types.js';

/** Options of {@link SimSiam}. */
export interface SimSiamOptions extends LearnerOptions {
  /** Predictor sizes; default 4096 hidden, output equal to the projector's (it must be). */
  predictor?: HeadSpec;
}

/**
 * SimSiam (Chen & He 2021): BYOL's code path without a target network. Each
 * view's online prediction regresses the other view's online projection
 * through a stop-gradient; loss `-cos/2` per direction ({@link simSiamLoss}).
 * The projector ends with a non-affine batch norm by default, as in the
 * paper (`projector: { outputNorm: false }` turns it off).
 */
export class SimSiam extends SelfSupervisedBase {
  /** Always `'simsiam'`. */
  readonly objective = 'simsiam' as const;
  /** The predictor. */
  readonly predictor: MLPHead;

  /**
   * @param encoder - The encoder to train.
   * @param options - Optimizer and heads.
   */
  constructor(encoder: Encoder, options: SimSiamOptions) {
    super(encoder, options, 'simsiam');
    const outputDim = this.projector.outputDim;
    check(
      options.predictor?.outputDim === undefined || options.predictor.outputDim === outputDim,
      'SimSiam',
      () => `predictor.outputDim (${String(options.predictor?.outputDim)}) must equal the projector's outputDim (${outputDim})`,
    );
    this.predictor = new MLPHead({ ...options.predictor, inputDim: outputDim, outputDim, name: `${this.name}/online/predictor`, seed: (options.seed ?? 0) + 1 });
  }

  protected override defaultProjector(): HeadSpec {
    return { outputNorm: true };
  }

  protected override forward(viewA: tf.Tensor, viewB: tf.Tensor): ForwardOutput {
    const zA = this.project(viewA, true);
    const zB = this.project(viewB, true);
    const pA = this.predictor.apply(zA, { training: true });
    const pB = this.predictor.apply(zB, { training: true });
    return { loss: simSiamLoss(pA, stopGradient(zB), pB, stopGradient(zA)), zA, zB };
  }

  protected override extraTrainableVariables(): tf.Variable[] {
    return this.predictor.trainableVariables;
  }

  protected override variableGroups(): VariableGroup[] {
    return [...super.variableGroups(), { prefix: 'online/predictor', variables: [...this.predictor.trainableVariables, ...this.predictor.nonTrainableVariables] }];
  }

  protected override disposeExtra(): void {
    this.predictor.dispose();
  }
}
