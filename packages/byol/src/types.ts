import type * as tf from '@tensorflow/tfjs-core';

/** Options of {@link Encoder.apply}. */
export interface EncoderApplyOptions {
  /** Training mode: batch norm uses batch statistics and updates its running statistics. */
  training: boolean;
}

/** What an {@link Encoder} returns; extra fields (logits, stages) are ignored. */
export interface EncoderOutput {
  /** Pooled features, `[N, featureDim]`. */
  features: tf.Tensor2D;
}

/**
 * Any network that maps a batch of clips to feature vectors. The resnet3d
 * package's `VideoResNet` satisfies it structurally; so does a small
 * hand-written net in a test.
 */
export interface Encoder {
  /** Runs the network on `x` (for videos `[N, T, H, W, C]`). The caller owns the outputs. */
  apply(x: tf.Tensor, options: EncoderApplyOptions): EncoderOutput;
  /** Variables the optimizer trains, in a fixed order that {@link Encoder.clone} reproduces. */
  readonly trainableVariables: tf.Variable[];
  /** Variables not trained by gradients (batch-norm running statistics); saved in checkpoints. */
  readonly nonTrainableVariables?: tf.Variable[];
  /** Width of `features`; when absent the learner needs the `featureDim` option. */
  readonly featureDim?: number;
  /** Same architecture, copied weights, NEW unique variable names. */
  clone(): Encoder;
  /** Frees the encoder's variables. */
  dispose(): void;
}

/** What a {@link GradientConsumer} reports after taking one micro-batch's gradients. */
export interface ConsumerStepResult {
  /** Whether this call applied an optimizer step. */
  stepped: boolean;
  /** Optimizer steps applied so far (after this call). */
  step: number;
}

/**
 * Something that takes a micro-batch's gradients and decides when to step an
 * optimizer, e.g. the grad-accum package's `GradientAccumulator`. The learner
 * disposes `grads` after `accumulate` returns: a consumer copies what it keeps.
 */
export interface GradientConsumer {
  /** Takes gradients keyed by variable name; steps the optimizer when its window is full. */
  accumulate(grads: tf.NamedTensorMap): ConsumerStepResult;
  /**
   * Optimizer steps taken so far (grad-accum's `GradientAccumulator.step`).
   * When present it is the learner's clock: tau and
   * {@link SelfSupervisedLearner.optimizerStep} read it, and a learner
   * restored at another step refuses to train on.
   */
  readonly step?: number;
  /**
   * Applies a partial window now (end of epoch or run), if the consumer can;
   * called by {@link SelfSupervisedLearner.flush}, which then updates the target.
   */
  apply?(): ConsumerStepResult;
}

/** What {@link SelfSupervisedLearner.flush} reports. */
export interface FlushResult extends ConsumerStepResult {
  /** tau of the target update when `stepped` (else of the next one); null without a target. */
  tau: number | null;
}

/** The objectives a {@link SelfSupervisedLearner} can implement. */
export type Objective = 'byol' | 'simsiam' | 'simclr';

/**
 * What one {@link SelfSupervisedLearner.step} reports: the loss and the
 * numbers that show collapse coming.
 */
export interface StepStats {
  /** The objective's loss on this micro-batch (before the update). */
  loss: number;
  /**
   * Per-dimension standard deviation (over the batch, both views) of the
   * L2-normalised online projections, averaged over dimensions. About
   * `1/sqrt(projectionDim)` when embeddings spread over the sphere; near 0
   * when they collapse to one point.
   */
  projectionStd: number;
  /** D, the projection width; `1/sqrt(D)` is the healthy reference for `projectionStd`. */
  projectionDim: number;
  /** Mean cosine between the online projections of the two views of each clip. */
  viewCosine: number;
  /**
   * BYOL's target decay: the value used for this call's target update when
   * `stepped`, else the value the next update will use; null for objectives
   * without a target network.
   */
  tau: number | null;
  /** Whether this call applied an optimizer step (and, for BYOL, a target update). */
  stepped: boolean;
  /** Optimizer steps applied so far, after this call. */
  step: number;
}

/** A named tensor of a checkpoint, as in `tf.io.NamedTensor`. */
export interface StateEntry {
  /** Stable key, e.g. `online/projector/net.0.weight`, `target/encoder/layer1.0.conv1.0.weight`, `step`. */
  name: string;
  /** The value; the caller owns (and disposes) tensors it gets from `getWeights`. */
  tensor: tf.Tensor;
}

/** Options of {@link SelfSupervisedLearner.setWeights}. */
export interface SetWeightsOptions {
  /** Throw on missing or unexpected entries; default true. Shape mismatches always throw. */
  strict?: boolean;
}

/** Options of {@link SelfSupervisedLearner.dispose}. */
export interface LearnerDisposeOptions {
  /** Also dispose the online encoder passed to the constructor; default false (it stays the caller's). */
  encoder?: boolean;
}

/**
 * The interface BYOL, SimSiam and SimCLR share, so an experiment can swap
 * objectives on the same encoder, heads, optimizer and data.
 */
export interface SelfSupervisedLearner {
  /** Which objective this learner optimises. */
  readonly objective: Objective;
  /** The online encoder (the one to fine-tune or probe afterwards). */
  readonly encoder: Encoder;
  /** Every variable the optimizer updates: encoder, projector, predictor. */
  readonly trainableVariables: tf.Variable[];
  /** Optimizer steps applied so far (the clock of tau and schedules). */
  readonly optimizerStep: number;
  /**
   * One micro-batch: loss and gradients of the online parameters, gradients
   * handed to the optimizer or consumer, target updated when it stepped.
   * `viewA` and `viewB` are two augmented views of the same clips, same shape.
   */
  step(viewA: tf.Tensor, viewB: tf.Tensor): StepStats;
  /**
   * {@link SelfSupervisedLearner.step} with the statistics read back
   * asynchronously in one download: the path for GPU backends (webgpu),
   * which cannot or should not read synchronously. Same result as `step`.
   */
  stepAsync(viewA: tf.Tensor, viewB: tf.Tensor): Promise<StepStats>;
  /**
   * The loss as a scalar tensor, with the online network in training mode
   * (batch-norm running statistics update). For use inside `tf.variableGrads`
   * or for evaluation; `step` is the training path.
   */
  loss(viewA: tf.Tensor, viewB: tf.Tensor): tf.Scalar;
  /**
   * Applies a gradient consumer's partial window now (its `apply()`) and, if
   * that stepped, updates the target as any optimizer step does. Call it
   * instead of the consumer's `apply()` at the end of an epoch or run, so the
   * target never misses a step. Does nothing with a plain optimizer.
   */
  flush(): FlushResult;
  /** Encoder features of `x` in evaluation mode, `[N, featureDim]`; the caller owns the result. */
  embed(x: tf.Tensor): tf.Tensor2D;
  /** Copies of every variable (online, heads, target) and the step count, under stable names. */
  getWeights(): StateEntry[];
  /** Restores what {@link SelfSupervisedLearner.getWeights} gave; the caller keeps ownership of `entries`. */
  setWeights(entries: readonly StateEntry[], options?: SetWeightsOptions): void;
  /**
   * {@link SelfSupervisedLearner.setWeights} with the step count read back
   * asynchronously: the restore path for GPU backends (webgpu), which cannot
   * read synchronously. Same result as `setWeights`.
   */
  setWeightsAsync(entries: readonly StateEntry[], options?: SetWeightsOptions): Promise<void>;
  /** Frees heads and target network (and the encoder if asked). */
  dispose(options?: LearnerDisposeOptions): void;
}
