import * as tf from '@tensorflow/tfjs-core';
import { check, ByolError } from './errors.js';
import { MLPHead, type HeadSpec } from './mlp-head.js';
import { uniqueScope } from './names.js';
import { collapseStats } from './stats.js';
import type {
  ConsumerStepResult,
  Encoder,
  FlushResult,
  GradientConsumer,
  LearnerDisposeOptions,
  Objective,
  SelfSupervisedLearner,
  SetWeightsOptions,
  StateEntry,
  StepStats,
} from './types.js';

/**
 * What a learner hands gradients to: a plain `tf.Optimizer` (every call is
 * an optimizer step) or a {@link GradientConsumer} such as grad-accum's
 * `GradientAccumulator` (steps when its window of micro-batches is full).
 */
export type OptimizerLike = tf.Optimizer | GradientConsumer;

/** Options every learner takes. */
export interface LearnerOptions {
  /** Where gradients go: a `tf.Optimizer` or a {@link GradientConsumer}. */
  optimizer: OptimizerLike;
  /** Projector sizes; default {@link BYOL_PAPER_HEAD} (4096 hidden, 256 out, batch norm). */
  projector?: HeadSpec;
  /** The encoder's feature width; default `encoder.featureDim` (required when the encoder lacks it). */
  featureDim?: number;
  /** Seed of the heads' initial weights; default 0. */
  seed?: number;
  /** Variable scope prefix; default the objective's name (`byol`, `simsiam`, `simclr`), made unique (`byol_1`). */
  name?: string;
  /**
   * Wraps the loss function each step passes to `tf.variableGrads`; it must
   * return a function computing the same loss (e.g. `releaseDuringBackprop`
   * of `@byolmed3d/tfjs-onednn`, which frees saved tensors as the backward
   * pass goes). Default: the identity.
   */
  lossWrapper?: (f: () => tf.Scalar) => () => tf.Scalar;
}

/** Outputs of the online forward pass the base class needs. */
export interface ForwardOutput {
  /** The objective's scalar loss. */
  loss: tf.Scalar;
  /** Online projection of view A, `[N, D]`. */
  zA: tf.Tensor2D;
  /** Online projection of view B, `[N, D]`. */
  zB: tf.Tensor2D;
}

/** A group of variables saved under one key prefix (e.g. `online/encoder`). */
export interface VariableGroup {
  /** Key prefix, e.g. `online/encoder`. */
  prefix: string;
  /** The variables, in a fixed order. */
  variables: tf.Variable[];
}

/** True when `o` is a {@link GradientConsumer} rather than a plain optimizer. */
export function isGradientConsumer(o: OptimizerLike): o is GradientConsumer {
  return typeof (o as Partial<GradientConsumer>).accumulate === 'function';
}

/**
 * Stable checkpoint keys for a group of variables: each name with the
 * instance scope (the longest common prefix ending in `/`) removed, so an
 * encoder `r3d_18_1/layer1.0.conv1.0.weight` and its clone
 * `r3d_18_2/layer1.0.conv1.0.weight` both give `layer1.0.conv1.0.weight`.
 * Falls back to positions (`#0`, `#1`, ...) when that is not unique.
 */
export function stableKeys(variables: readonly tf.Variable[]): string[] {
  const names = variables.map((v) => v.name);
  if (names.length === 0) return [];
  let prefix = names[0] as string;
  for (const n of names) {
    let i = 0;
    while (i < prefix.length && i < n.length && prefix[i] === n[i]) i++;
    prefix = prefix.slice(0, i);
  }
  const cut = prefix.lastIndexOf('/') + 1;
  // A single variable keeps its own leaf name.
  const keys = names.map((n) => n.slice(names.length === 1 ? n.lastIndexOf('/') + 1 : cut));
  if (keys.some((k) => k.length === 0) || new Set(keys).size !== keys.length) return names.map((_, i) => `#${i}`);
  return keys;
}

/**
 * The shared machinery of BYOL, SimSiam and SimCLR: the training step
 * (gradients of the online parameters through `tf.variableGrads` with an
 * explicit variable list), the optimizer / gradient-consumer dispatch and step
 * clock, collapse statistics, embedding, checkpoints and disposal. Subclasses
 * supply the forward pass and the loss.
 */
export abstract class SelfSupervisedBase implements SelfSupervisedLearner {
  /** Which objective this learner optimises. */
  abstract readonly objective: Objective;
  /** The online encoder. */
  readonly encoder: Encoder;
  /** The online projector. */
  readonly projector: MLPHead;
  /** Unique variable scope of this learner, e.g. `byol_1`. */
  readonly name: string;
  /** The encoder's feature width. */
  readonly featureDim: number;
  /** Where gradients go. */
  readonly optimizer: OptimizerLike;
  /** Wraps the loss given to `tf.variableGrads` ({@link LearnerOptions.lossWrapper}; the identity by default). */
  private readonly lossWrapper: (f: () => tf.Scalar) => () => tf.Scalar;
  /** Optimizer steps so far with a plain optimizer (or a consumer without `step`); set from the consumer's report otherwise. */
  protected stepCount = 0;
  /** The step a {@link SelfSupervisedBase.setWeights} restored, until the consumer is seen to agree. */
  private restoredStep: number | null = null;

  /**
   * @param encoder - The online encoder.
   * @param options - Optimizer, projector sizes, feature width, seed, scope.
   * @param defaultName - Scope prefix when `options.name` is absent.
   */
  protected constructor(encoder: Encoder, options: LearnerOptions, defaultName: string) {
    const context = defaultName;
    check(options !== undefined && options.optimizer !== undefined, context, () => 'options.optimizer is required (a tf.Optimizer or a GradientConsumer)');
    check(
      isGradientConsumer(options.optimizer) || typeof (options.optimizer as Partial<tf.Optimizer>).applyGradients === 'function',
      context,
      () => 'options.optimizer must be a tf.Optimizer (applyGradients) or a GradientConsumer (accumulate)',
    );
    const featureDim = options.featureDim ?? encoder.featureDim;
    check(featureDim !== undefined && Number.isInteger(featureDim) && featureDim > 0, context, () => `the encoder has no featureDim; pass options.featureDim (got ${String(featureDim)})`);
    this.encoder = encoder;
    this.featureDim = featureDim;
    this.optimizer = options.optimizer;
    check(options.lossWrapper === undefined || typeof options.lossWrapper === 'function', context, () => `options.lossWrapper must be a function, got ${typeof options.lossWrapper}`);
    this.lossWrapper = options.lossWrapper ?? ((f) => f);
    this.name = uniqueScope(options.name ?? defaultName);
    this.projector = new MLPHead({ ...this.defaultProjector(), ...options.projector, inputDim: featureDim, name: `${this.name}/online/projector`, seed: options.seed ?? 0 });
  }

  /** Projector defaults of this objective (overridden by `options.projector`). */
  protected defaultProjector(): HeadSpec {
    return {};
  }

  /** Optimizer steps applied so far (the clock of tau and schedules): the gradient consumer's own `step` when it has one. */
  get optimizerStep(): number {
    const opt = this.optimizer;
    return isGradientConsumer(opt) && typeof opt.step === 'number' ? opt.step : this.stepCount;
  }

  /** With a consumer that has a clock, refuses to go on when it disagrees with the step {@link SelfSupervisedBase.setWeights} restored. */
  private checkRestoredStep(context: string, opt: GradientConsumer): void {
    if (this.restoredStep === null || typeof opt.step !== 'number') return;
    const restored = this.restoredStep;
    check(opt.step === restored, context, () => `the learner was restored at optimizer step ${restored} but its gradient consumer is at step ${opt.step}: restore the consumer's state too (GradientAccumulator.setWeights) from the same checkpoint`);
    this.restoredStep = null;
  }

  /** Every variable the optimizer updates: encoder, projector, then any predictor. */
  get trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableVariables, ...this.projector.trainableVariables, ...this.extraTrainableVariables()];
  }

  /** Trainable variables beyond encoder and projector (the predictor). */
  protected extraTrainableVariables(): tf.Variable[] {
    return [];
  }

  /** Online encoder then projector: `x` to `[N, D]` projections. */
  protected project(x: tf.Tensor, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const { features } = this.encoder.apply(x, { training });
      check(
        features.rank === 2 && features.shape[1] === this.featureDim,
        `${this.objective} encoder`,
        () => `expected features [N, ${this.featureDim}], got [${features.shape.join(', ')}]`,
      );
      return this.projector.apply(features, { training });
    });
  }

  /**
   * Work outside the gradient tape before the online forward pass (BYOL's
   * target projections). The caller disposes what it returns.
   */
  protected prepare(_viewA: tf.Tensor, _viewB: tf.Tensor): tf.Tensor[] {
    return [];
  }

  /** The online forward pass and loss, run inside the gradient tape. */
  protected abstract forward(viewA: tf.Tensor, viewB: tf.Tensor, prepared: tf.Tensor[]): ForwardOutput;

  /** Called once per optimizer step with k = steps before it; returns the tau it used (or null). */
  protected afterOptimizerStep(_k: number): number | null {
    return null;
  }

  /** tau the next target update would use at optimizer step k; null without a target. */
  protected tauAt(_k: number): number | null {
    return null;
  }

  /** Variable groups saved by {@link SelfSupervisedBase.getWeights}. */
  protected variableGroups(): VariableGroup[] {
    return [
      { prefix: 'online/encoder', variables: [...this.encoder.trainableVariables, ...(this.encoder.nonTrainableVariables ?? [])] },
      { prefix: 'online/projector', variables: [...this.projector.trainableVariables, ...this.projector.nonTrainableVariables] },
    ];
  }

  private checkViews(context: string, viewA: tf.Tensor, viewB: tf.Tensor): void {
    check(viewA instanceof tf.Tensor && viewB instanceof tf.Tensor, context, () => 'viewA and viewB must be tensors');
    check(tf.util.arraysEqual(viewA.shape, viewB.shape), context, () => `views differ in shape: [${viewA.shape.join(', ')}] vs [${viewB.shape.join(', ')}]`);
    check(viewA.rank >= 2 && (viewA.shape[0] as number) >= 2, context, () => `needs a batch of at least 2 clips (batch norm, negatives), got shape [${viewA.shape.join(', ')}]`);
  }

  /** The loss as a scalar tensor (training mode: running statistics update). */
  loss(viewA: tf.Tensor, viewB: tf.Tensor): tf.Scalar {
    this.checkViews(`${this.objective}.loss`, viewA, viewB);
    return tf.tidy(() => this.forward(viewA, viewB, this.prepare(viewA, viewB)).loss);
  }

  /**
   * One micro-batch: the loss and the gradients of {@link SelfSupervisedBase.trainableVariables},
   * handed to the optimizer (one step) or the gradient consumer (which may
   * step); on a step the target network (BYOL) is updated with tau(k). Reads
   * the statistics back with one synchronous download; on backends that
   * cannot read synchronously (webgpu in Node) use {@link SelfSupervisedBase.stepAsync}.
   */
  step(viewA: tf.Tensor, viewB: tf.Tensor): StepStats {
    const pending = this.runStep(`${this.objective}.step`, viewA, viewB);
    let values: ArrayLike<number>;
    try {
      values = pending.packed.dataSync() as Float32Array;
    } finally {
      tf.dispose(pending.packed);
    }
    return pending.stats(values);
  }

  /**
   * {@link SelfSupervisedBase.step} with the statistics read back
   * asynchronously, in one download per step (`await tensor.data()`): the
   * training path for GPU backends (webgpu, webgl), where a synchronous read
   * stalls the pipeline or is impossible. Same result as `step`.
   */
  async stepAsync(viewA: tf.Tensor, viewB: tf.Tensor): Promise<StepStats> {
    const pending = this.runStep(`${this.objective}.stepAsync`, viewA, viewB);
    let values: ArrayLike<number>;
    try {
      values = (await pending.packed.data()) as Float32Array;
    } finally {
      tf.dispose(pending.packed);
    }
    return pending.stats(values);
  }

  /** The work of a step up to the read-back: `packed` holds [loss, projectionStd, viewCosine]. */
  private runStep(context: string, viewA: tf.Tensor, viewB: tf.Tensor): { packed: tf.Tensor; stats: (values: ArrayLike<number>) => StepStats } {
    this.checkViews(context, viewA, viewB);
    const holder: { stats?: tf.Tensor1D } = {};
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    const prepared = this.prepare(viewA, viewB);
    try {
      const loss = (): tf.Scalar => {
        const out = this.forward(viewA, viewB, prepared);
        holder.stats = tf.keep(collapseStats(out.zA, out.zB));
        return out.loss;
      };
      ({ value, grads } = tf.variableGrads(this.lossWrapper(loss), this.trainableVariables));
    } catch (e) {
      if (holder.stats) tf.dispose(holder.stats);
      throw e;
    } finally {
      tf.dispose(prepared);
    }
    let result: ConsumerStepResult;
    try {
      result = this.dispatch(context, grads);
    } catch (e) {
      tf.dispose([value, holder.stats as tf.Tensor]);
      throw e;
    } finally {
      tf.dispose(grads);
    }
    const tau = result.stepped ? this.afterOptimizerStep(result.step - 1) : this.tauAt(result.step);
    const packed = tf.tidy(() => tf.concat([tf.reshape(value, [1]), holder.stats as tf.Tensor1D]));
    tf.dispose([value, holder.stats as tf.Tensor]);
    return {
      packed,
      stats: (values) => ({
        loss: values[0] as number,
        projectionStd: values[1] as number,
        projectionDim: this.projector.outputDim,
        viewCosine: values[2] as number,
        tau,
        stepped: result.stepped,
        step: result.step,
      }),
    };
  }

  private dispatch(context: string, grads: tf.NamedTensorMap): ConsumerStepResult {
    const opt = this.optimizer;
    if (isGradientConsumer(opt)) {
      this.checkRestoredStep(context, opt);
      return this.takeConsumerResult(context, opt.accumulate(grads));
    }
    opt.applyGradients(grads);
    this.stepCount++;
    return { stepped: true, step: this.stepCount };
  }

  private takeConsumerResult(context: string, r: ConsumerStepResult): ConsumerStepResult {
    check(
      r !== undefined && r !== null && typeof r.stepped === 'boolean' && Number.isInteger(r.step) && r.step >= 0,
      context,
      () => `the gradient consumer must return { stepped: boolean; step: number }, got ${JSON.stringify(r)}`,
    );
    check(!r.stepped || r.step >= 1, context, () => `the gradient consumer stepped but reports step ${r.step}`);
    this.stepCount = r.step;
    return { stepped: r.stepped, step: r.step };
  }

  /**
   * Applies the gradient consumer's partial window (its `apply()`) and, if it
   * stepped, updates the target. A no-op with a plain optimizer or a consumer
   * without `apply`.
   */
  flush(): FlushResult {
    const opt = this.optimizer;
    if (!isGradientConsumer(opt) || typeof opt.apply !== 'function') {
      return { stepped: false, step: this.stepCount, tau: this.tauAt(this.stepCount) };
    }
    this.checkRestoredStep(`${this.objective}.flush`, opt);
    const r = this.takeConsumerResult(`${this.objective}.flush`, opt.apply());
    const tau = r.stepped ? this.afterOptimizerStep(r.step - 1) : this.tauAt(r.step);
    return { ...r, tau };
  }

  /** Encoder features of `x` in evaluation mode; the caller owns the result. */
  embed(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.encoder.apply(x, { training: false }).features);
  }

  /**
   * Copies of every variable under stable keys (`online/encoder/<name>`,
   * `online/projector/net.0.weight`, `target/...`) plus `step` (int32
   * scalar). Optimizer or accumulator state is not included: save it from the
   * optimizer. The caller disposes the tensors.
   */
  getWeights(): StateEntry[] {
    const out: StateEntry[] = [];
    for (const g of this.variableGroups()) {
      const keys = stableKeys(g.variables);
      g.variables.forEach((v, i) => out.push({ name: `${g.prefix}/${keys[i] as string}`, tensor: tf.clone(v) }));
    }
    out.push({ name: 'step', tensor: tf.scalar(this.optimizerStep, 'int32') });
    return out;
  }

  /**
   * Restores variables and the step count from {@link SelfSupervisedBase.getWeights}'s
   * entries. With a gradient consumer that keeps its own `step` (grad-accum's
   * accumulator), that count is the clock: restore the consumer too; the
   * next step or flush refuses to go on (a {@link ByolError}) when its step
   * is not the restored one. Reads the `step` scalar with a synchronous
   * download; on backends that cannot read synchronously (webgpu in Node)
   * use {@link SelfSupervisedBase.setWeightsAsync}. Nothing is changed when
   * it throws.
   */
  setWeights(entries: readonly StateEntry[], options: SetWeightsOptions = {}): void {
    const plan = this.planRestore(entries, options);
    const step = plan.step === undefined ? undefined : (plan.step.dataSync()[0] as number);
    this.commitRestore(plan.assign, step);
  }

  /**
   * {@link SelfSupervisedBase.setWeights} with the `step` scalar read back
   * asynchronously (`await data()`): the restore path for GPU backends.
   * Same result as `setWeights`; nothing is changed when it rejects.
   */
  async setWeightsAsync(entries: readonly StateEntry[], options: SetWeightsOptions = {}): Promise<void> {
    const plan = this.planRestore(entries, options);
    const step = plan.step === undefined ? undefined : ((await plan.step.data())[0] as number);
    this.commitRestore(plan.assign, step);
  }

  /** Checks `entries` against this learner's variables (names, shapes); returns what to assign and the step tensor. */
  private planRestore(entries: readonly StateEntry[], options: SetWeightsOptions): { assign: [tf.Variable, tf.Tensor][]; step: tf.Tensor | undefined } {
    const { strict = true } = options;
    const context = `${this.objective}.setWeights`;
    const expected = new Map<string, tf.Variable>();
    for (const g of this.variableGroups()) {
      const keys = stableKeys(g.variables);
      g.variables.forEach((v, i) => expected.set(`${g.prefix}/${keys[i] as string}`, v));
    }
    const given = new Map(entries.map((e) => [e.name, e.tensor]));
    const unexpected = [...given.keys()].filter((k) => k !== 'step' && !expected.has(k));
    const missing = [...expected.keys()].filter((k) => !given.has(k));
    if (strict && (unexpected.length > 0 || missing.length > 0 || !given.has('step'))) {
      throw new ByolError(
        context,
        `entries do not match (strict): missing [${[...missing, ...(given.has('step') ? [] : ['step'])].slice(0, 8).join(', ')}], unexpected [${unexpected.slice(0, 8).join(', ')}]`,
      );
    }
    const assign: [tf.Variable, tf.Tensor][] = [];
    for (const [k, v] of expected) {
      const t = given.get(k);
      if (!t) continue;
      check(tf.util.arraysEqual(t.shape, v.shape), context, () => `${k}: shape [${t.shape.join(', ')}] does not match [${v.shape.join(', ')}]`);
      assign.push([v, t]);
    }
    return { assign, step: given.get('step') };
  }

  /** Validates the step value, then assigns every planned variable and the step count. */
  private commitRestore(assign: readonly [tf.Variable, tf.Tensor][], step: number | undefined): void {
    if (step !== undefined) check(Number.isInteger(step) && step >= 0, `${this.objective}.setWeights`, () => `step must be a non-negative integer, got ${step}`);
    tf.tidy(() => {
      for (const [v, t] of assign) v.assign(t.dtype === v.dtype ? tf.clone(t) : tf.cast(t, v.dtype));
    });
    if (step !== undefined) {
      this.stepCount = step;
      this.restoredStep = isGradientConsumer(this.optimizer) ? step : null;
    }
  }

  /** Frees what this learner created (heads, target); the encoder too when `options.encoder`. */
  dispose(options: LearnerDisposeOptions = {}): void {
    this.projector.dispose();
    this.disposeExtra();
    if (options.encoder) this.encoder.dispose();
  }

  /** Frees subclass-owned state (predictor, target). */
  protected disposeExtra(): void {}
}
