import type * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';
import { SelfSupervisedBase, type ForwardOutput, type LearnerOptions } from './learner-base.js';
import { ntXentLoss } from './loss.js';
import type { Encoder } from './types.js';

/** Options of {@link SimCLR}. */
export interface SimCLROptions extends LearnerOptions {
  /** NT-Xent temperature; default 0.1. */
  temperature?: number;
}

/**
 * SimCLR (Chen et al. 2020): encoder → projector, NT-Xent contrastive loss
 * ({@link ntXentLoss}) with the other clips of the SAME call as negatives.
 *
 * Gradient accumulation does not enlarge the set of negatives: with
 * micro-batch b and k accumulation steps, each loss term still contrasts
 * against 2b - 2 negatives, not 2bk - 2. The accumulated gradient averages k
 * small-batch contrastive problems, which is not the large-batch SimCLR
 * objective. BYOL and SimSiam use no negatives, so accumulation gives them
 * the large-batch gradient (up to batch-norm statistics).
 */
export class SimCLR extends SelfSupervisedBase {
  /** Always `'simclr'`. */
  readonly objective = 'simclr' as const;
  /** The NT-Xent temperature. */
  readonly temperature: number;

  /**
   * @param encoder - The encoder to train.
   * @param options - Optimizer, projector, temperature.
   */
  constructor(encoder: Encoder, options: SimCLROptions) {
    super(encoder, options, 'simclr');
    const { temperature = 0.1 } = options;
    check(temperature > 0, 'SimCLR', () => `temperature must be > 0, got ${temperature}`);
    this.temperature = temperature;
  }

  protected override forward(viewA: tf.Tensor, viewB: tf.Tensor): ForwardOutput {
    const zA = this.project(viewA, true);
    const zB = this.project(viewB, true);
    return { loss: ntXentLoss(zA, zB, this.temperature), zA, zB };
  }
}
