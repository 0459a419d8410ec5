import * as tf from '@tensorflow/tfjs-core';
import { check, GradAccumError } from './errors.js';
import type { NamedTensor } from './slot-optimizer.js';

/** Options of {@link GradientAccumulator}. */
export interface GradientAccumulatorOptions {
  /** Micro-batches per optimizer step (the accumulation window), >= 1. Required. */
  steps: number;
  /**
   * How micro-batch gradients are combined; default `'mean'`. `'mean'`
   * divides the sum by the number of micro-batches seen (so N micro-batches of
   * a per-sample-mean loss give the gradient of the mean over all N·b
   * samples); `'sum'` applies the plain sum (for losses that are sums over
   * samples).
   */
  reduction?: 'mean' | 'sum';
  /**
   * Clip the combined gradient to this global L2 norm (over all variables,
   * after the reduction, before the optimizer), as PyTorch's
   * `clip_grad_norm_`; default none.
   */
  clipNorm?: number;
  /**
   * What a micro-batch that gave a variable NO gradient (its key is absent or
   * `null`) counts as, with `reduction: 'mean'`; default `'skip'`.
   * `'skip'`: it is left out of that variable's average, which divides by the
   * number of micro-batches that did give it a gradient (per-variable count).
   * `'zero'`: it counts as a zero gradient, and the average divides by every
   * micro-batch of the window. A variable with no gradient in the whole
   * window is not passed to the optimizer (no update, its optimizer state
   * untouched), in both modes.
   */
  missingGradients?: 'skip' | 'zero';
  /**
   * Keep the global norm of each applied gradient (before clipping) for
   * {@link GradientAccumulator.lastGradNorm}; default false (always on with
   * `clipNorm`). Costs one reduction per optimizer step and no download
   * until it is read.
   */
  trackGradNorm?: boolean;
  /**
   * The variables this accumulator gets gradients for, in a fixed order (a
   * model's trainable variables); default none. With them, checkpoints
   * ({@link GradientAccumulator.getWeights}) name each variable's state by its
   * position in this list (`#<i>`) instead of its tfjs name, which carries
   * process-wide counters (`r3d_18_2/...` when another model was built
   * first): such a checkpoint restores into the same model built in any
   * process. Can also be set later with {@link GradientAccumulator.useVariables}.
   */
  variables?: readonly tf.Variable[];
}

/** What {@link GradientAccumulator.accumulate} and {@link GradientAccumulator.apply} return. */
export interface AccumulateResult {
  /** Whether this call stepped the optimizer (the BYOL target EMA and schedules follow these). */
  stepped: boolean;
  /** Optimizer steps taken so far, this one included. */
  step: number;
}

/** Options of {@link GradientAccumulator.dispose}. */
export interface AccumulatorDisposeOptions {
  /** Also dispose the wrapped optimizer's state; default true. */
  optimizer?: boolean;
}

interface Slot {
  /** Running sum of this window's gradients (float32, the variable's shape). */
  sum: tf.Variable;
  /** Micro-batches of this window that gave this variable a gradient. */
  count: number;
}

const PREFIX = 'gradAccum/';

/**
 * Gradient accumulation for any `tf.Optimizer`: micro-batch gradients are
 * summed into per-variable slots, and every `steps` micro-batches (or on
 * {@link GradientAccumulator.apply}) their mean (or sum) is handed to the
 * optimizer in one `applyGradients` call. The effective batch is
 * `steps × micro-batch`; with a model without batch statistics the update is
 * the one of the big batch (see the README's batch-norm note otherwise).
 *
 * Memory: one float32 slot per variable, created lazily (inside `tf.tidy`) the
 * first time the variable gets a gradient, then updated in place with
 * `assign`; nothing else persists between calls, so memory does not grow with
 * `steps`. The first micro-batch of a window is assigned, not added, so slots
 * are never zeroed.
 *
 * It satisfies byol's `GradientConsumer` (`accumulate(grads) → { stepped, step }`).
 * It never takes ownership of the gradients passed in: the caller disposes them.
 */
export class GradientAccumulator {
  /** The wrapped optimizer. */
  readonly optimizer: tf.Optimizer;
  /** Micro-batches per optimizer step. */
  readonly steps: number;
  /** How micro-batch gradients are combined. */
  readonly reduction: 'mean' | 'sum';
  /** Global-norm clip, or undefined. */
  readonly clipNorm: number | undefined;
  /** Treatment of micro-batches without a gradient for a variable. */
  readonly missingGradients: 'skip' | 'zero';
  /** Whether the gradient norm of each step is kept. */
  readonly trackGradNorm: boolean;
  private readonly slots = new Map<string, Slot>();
  private stepCount = 0;
  private microCount = 0;
  private disposed = false;
  private normVar: tf.Variable | null = null;
  private variableList: tf.Variable[] | null = null;
  private readonly positions = new Map<string, number>();

  /**
   * @param optimizer any tfjs optimizer (tfjs' own, {@link LARS}, {@link AdamW}, ...)
   * @param options see {@link GradientAccumulatorOptions}
   */
  constructor(optimizer: tf.Optimizer, options: GradientAccumulatorOptions) {
    const { steps, reduction = 'mean', clipNorm, missingGradients = 'skip', trackGradNorm = false } = options;
    check(Number.isInteger(steps) && steps >= 1, 'GradientAccumulator', () => `steps must be an integer >= 1, got ${steps}`);
    check(reduction === 'mean' || reduction === 'sum', 'GradientAccumulator', () => `reduction must be 'mean' or 'sum', got '${String(reduction)}'`);
    check(clipNorm === undefined || clipNorm > 0, 'GradientAccumulator', () => `clipNorm must be > 0, got ${clipNorm}`);
    check(missingGradients === 'skip' || missingGradients === 'zero', 'GradientAccumulator', () => `missingGradients must be 'skip' or 'zero', got '${String(missingGradients)}'`);
    check(typeof optimizer?.applyGradients === 'function', 'GradientAccumulator', () => 'optimizer must be a tf.Optimizer');
    this.optimizer = optimizer;
    this.steps = steps;
    this.reduction = reduction;
    this.clipNorm = clipNorm;
    this.missingGradients = missingGradients;
    this.trackGradNorm = trackGradNorm || clipNorm !== undefined;
    if (options.variables !== undefined) this.useVariables(options.variables);
  }

  /**
   * Sets the variable list whose positions name the state in checkpoints
   * (see {@link GradientAccumulatorOptions.variables}); for a model built
   * after the accumulator (byol learners take it as their optimizer). Call it
   * before {@link GradientAccumulator.getWeights} / {@link GradientAccumulator.setWeights}.
   */
  useVariables(variables: readonly tf.Variable[]): void {
    const where = 'GradientAccumulator.useVariables';
    check(Array.isArray(variables) && variables.every((v) => v instanceof tf.Variable), where, () => 'variables must be an array of tf.Variable');
    this.positions.clear();
    variables.forEach((v, i) => {
      check(!this.positions.has(v.name), where, () => `variable '${v.name}' is listed twice`);
      this.positions.set(v.name, i);
    });
    this.variableList = [...variables];
  }

  /** The checkpoint key of a variable's state: `#<position>` with a variable list, else its name. */
  private keyOf(name: string): string {
    if (this.variableList == null) return name;
    const i = this.positions.get(name);
    if (i === undefined) throw new GradAccumError('GradientAccumulator.getWeights', `variable '${name}' has accumulator state but is not in the accumulator's variable list (useVariables)`);
    return `#${i}`;
  }

  /** The variable a checkpoint key names (`#<position>`, or a variable name in checkpoints keyed by name), checked to exist in this process. */
  private variableOf(key: string, where: string): tf.Variable {
    let v: tf.Variable | undefined;
    if (/^#\d+$/.test(key)) {
      const list = this.variableList;
      if (list == null) throw new GradAccumError(where, `state '${key}' names a position in the variable list: give the accumulator its variables (options.variables or useVariables) before setWeights`);
      v = list[Number(key.slice(1))];
      if (v == null) throw new GradAccumError(where, `state '${key}': the variable list has only ${list.length} variables`);
    } else {
      v = tf.engine().registeredVariables[key];
      if (v == null)
        throw new GradAccumError(
          where,
          `state names variable '${key}', which this process does not have (a checkpoint keyed by tfjs variable names, which carry process-wide counters, restores only where the same models were built in the same order; checkpoints of an accumulator with a variable list are keyed by position)`,
        );
    }
    return v;
  }

  /** An optimizer state name `<variable>/<slot>` with the variable part as its checkpoint key (`iter` and other names unchanged). */
  private optimizerKeyOf(name: string): string {
    const cut = name.lastIndexOf('/');
    if (this.variableList == null || cut <= 0 || !this.positions.has(name.slice(0, cut))) return name;
    return `${this.keyOf(name.slice(0, cut))}${name.slice(cut)}`;
  }

  /** The inverse of {@link GradientAccumulator.optimizerKeyOf}. */
  private optimizerNameOf(key: string, where: string): string {
    const m = /^(#\d+)(\/.*)$/.exec(key);
    return m ? `${this.variableOf(m[1] as string, where).name}${m[2] as string}` : key;
  }

  /** Optimizer steps taken so far (the clock of schedules, target EMA, checkpoints). */
  get step(): number {
    return this.stepCount;
  }

  /** Micro-batches accumulated in the current, not yet applied, window (0 ≤ microStep < steps). */
  get microStep(): number {
    return this.microCount;
  }

  /** Names of the variables that have an accumulation slot, in slot order. */
  get variableNames(): string[] {
    return [...this.slots.keys()];
  }

  /**
   * Adds one micro-batch of gradients (variable name → gradient; `null` or
   * absent entries mean "no gradient this micro-batch") and steps the
   * optimizer when this completes a window of `steps` micro-batches.
   * `grads` is not disposed.
   */
  accumulate(grads: tf.NamedTensorMap): AccumulateResult {
    const where = 'GradientAccumulator.accumulate';
    check(!this.disposed, where, () => 'the accumulator was disposed');
    const entries = Object.keys(grads).map((name) => [name, grads[name] as tf.Tensor | null | undefined] as const);
    for (const [name, g] of entries) {
      if (g == null) continue;
      check(g instanceof tf.Tensor && !g.isDisposed, where, () => `gradient of '${name}' is not a live tensor`);
      const slot = this.slots.get(name);
      if (slot != null) {
        check(tf.util.arraysEqual(slot.sum.shape, g.shape), where, () => `gradient of '${name}' has shape [${g.shape}] but earlier ones had [${slot.sum.shape}]`);
      } else {
        const variable = tf.engine().registeredVariables[name];
        check(variable != null, where, () => `no registered variable named '${name}' (gradients are keyed by variable name)`);
        check(tf.util.arraysEqual(variable.shape, g.shape), where, () => `gradient of '${name}' has shape [${g.shape}], the variable [${variable.shape}]`);
      }
    }
    tf.tidy(() => {
      for (const [name, g] of entries) {
        if (g == null) continue;
        const g32 = g.dtype === 'float32' ? g : tf.cast(g, 'float32');
        let slot = this.slots.get(name);
        if (slot == null) {
          slot = { sum: tf.variable(tf.zeros(g.shape, 'float32'), false), count: 0 };
          this.slots.set(name, slot);
        }
        slot.sum.assign(slot.count === 0 ? g32 : tf.add(slot.sum, g32));
        slot.count++;
      }
    });
    this.microCount++;
    if (this.microCount >= this.steps) return this.apply();
    return { stepped: false, step: this.stepCount };
  }

  /**
   * Applies the current window now, even if it has fewer than `steps`
   * micro-batches (e.g. the end of an epoch): the mean divides by the
   * micro-batches actually seen (per variable), not by `steps`. Returns
   * `stepped: false` and does nothing when the window is empty.
   */
  apply(): AccumulateResult {
    check(!this.disposed, 'GradientAccumulator.apply', () => 'the accumulator was disposed');
    if (this.microCount === 0) return { stepped: false, step: this.stepCount };
    tf.tidy(() => {
      const names: string[] = [];
      const grads: Array<tf.Tensor | null> = [];
      for (const [name, slot] of this.slots) {
        names.push(name);
        if (slot.count === 0) {
          grads.push(null);
          continue;
        }
        if (this.reduction === 'sum') grads.push(slot.sum);
        else grads.push(tf.div(slot.sum, this.missingGradients === 'skip' ? slot.count : this.microCount));
      }
      const present = grads.filter((g): g is tf.Tensor => g != null);
      if (this.trackGradNorm && present.length > 0) {
        const sq = present.map((g) => tf.sum(tf.square(g)));
        const norm = tf.sqrt(sq.length === 1 ? (sq[0] as tf.Tensor) : tf.addN(sq)) as tf.Scalar;
        if (this.normVar == null) this.normVar = tf.variable(tf.zerosLike(norm), false);
        this.normVar.assign(norm);
        if (this.clipNorm !== undefined) {
          // min(1, clip / norm), safe at norm = 0.
          const scale = tf.minimum(1, tf.div(this.clipNorm, tf.maximum(norm, 1e-12)));
          for (let i = 0; i < grads.length; i++) {
            const g = grads[i];
            if (g != null) grads[i] = tf.mul(g, scale);
          }
        }
      }
      // A fixed order (slot creation order) with explicit nulls: tfjs' own
      // optimizers key their state by position in this list.
      const list = names.map((name, i) => ({ name, tensor: grads[i] })) as NamedTensor[];
      this.optimizer.applyGradients(list);
    });
    for (const slot of this.slots.values()) slot.count = 0;
    this.microCount = 0;
    this.stepCount++;
    return { stepped: true, step: this.stepCount };
  }

  /**
   * Global L2 norm (over all variables, before clipping) of the gradient
   * applied at the last optimizer step; undefined before the first step or
   * without `trackGradNorm`/`clipNorm`. Reading it downloads one number.
   */
  lastGradNorm(): number | undefined {
    return this.normVar == null ? undefined : (this.normVar.dataSync()[0] as number);
  }

  /**
   * {@link GradientAccumulator.lastGradNorm} read back asynchronously
   * (`await data()`), for GPU backends that cannot read synchronously
   * (webgpu in Node).
   */
  async lastGradNormAsync(): Promise<number | undefined> {
    if (this.normVar == null) return undefined;
    return (await this.normVar.data())[0] as number;
  }

  /** Discards the current window (e.g. after a non-finite loss) without stepping. */
  reset(): void {
    for (const slot of this.slots.values()) slot.count = 0;
    this.microCount = 0;
  }

  /**
   * Frees the accumulation slots and (unless `{ optimizer: false }`) the
   * wrapped optimizer's state. The accumulator cannot be used afterwards.
   */
  dispose(options: AccumulatorDisposeOptions = {}): void {
    if (this.disposed) return;
    for (const slot of this.slots.values()) slot.sum.dispose();
    this.slots.clear();
    this.normVar?.dispose();
    this.normVar = null;
    if (options.optimizer ?? true) {
      this.optimizer.dispose();
      // tfjs' MomentumOptimizer.dispose() forgets the cached `-learningRate`
      // scalar (`c`) it inherits from SGDOptimizer: free it too.
      const c = (this.optimizer as unknown as { c?: unknown }).c;
      if (c instanceof tf.Tensor && !c.isDisposed) c.dispose();
    }
    this.disposed = true;
  }

  /**
   * Everything needed to resume mid-window: the counters
   * (`gradAccum/counters` = [step, microStep]), each slot's running sum and
   * count (`gradAccum/sum/<var>`, `gradAccum/count/<var>`) and the wrapped
   * optimizer's own `getWeights()` entries prefixed with `optimizer/`
   * (`optimizer/iter`, `optimizer/<var>/<slot>`). `<var>` is the variable's
   * position `#<i>` in the variable list when the accumulator has one
   * ({@link GradientAccumulatorOptions.variables}), else its tfjs name.
   * Every returned tensor is a new copy owned by the caller: dispose them
   * after saving (`tf.dispose(weights.map((w) => w.tensor))`).
   */
  async getWeights(): Promise<NamedTensor[]> {
    check(!this.disposed, 'GradientAccumulator.getWeights', () => 'the accumulator was disposed');
    const out: NamedTensor[] = [{ name: `${PREFIX}counters`, tensor: tf.tensor1d([this.stepCount, this.microCount], 'int32') }];
    for (const [name, slot] of this.slots) {
      const key = this.keyOf(name);
      out.push({ name: `${PREFIX}sum/${key}`, tensor: tf.clone(slot.sum) });
      out.push({ name: `${PREFIX}count/${key}`, tensor: tf.scalar(slot.count, 'int32') });
    }
    const inner = await this.optimizer.getWeights();
    for (const w of inner) {
      out.push({ name: `optimizer/${this.optimizerKeyOf(w.name)}`, tensor: tf.clone(w.tensor) });
      if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
    }
    return out;
  }

  /**
   * Restores a state saved by {@link GradientAccumulator.getWeights} (into a
   * fresh or a used accumulator wrapping an optimizer of the same kind). The
   * given tensors are copied: the caller still owns and disposes them.
   * State keyed by position (`#<i>`) needs the variable list
   * ({@link GradientAccumulator.useVariables}); state keyed by name needs
   * variables of those names in this process. Either is checked (names,
   * shapes) before anything changes.
   * Optimizer state variables replaced by the optimizer's `setWeights` (tfjs'
   * own optimizers re-create theirs without freeing the old ones) are freed.
   */
  async setWeights(weights: NamedTensor[]): Promise<void> {
    const where = 'GradientAccumulator.setWeights';
    check(!this.disposed, where, () => 'the accumulator was disposed');
    const counters = weights.find((w) => w.name === `${PREFIX}counters`);
    if (counters == null) throw new GradAccumError(where, `no '${PREFIX}counters' entry: not an accumulator checkpoint`);
    const [step, micro] = Array.from(await counters.tensor.data(), Number);
    check(step !== undefined && micro !== undefined && step >= 0 && micro >= 0 && micro < this.steps, where, () => `bad counters [${step}, ${micro}] for steps = ${this.steps}`);
    const sums = new Map<string, tf.Tensor>();
    const counts = new Map<string, number>();
    const inner: NamedTensor[] = [];
    for (const w of weights) {
      if (w.name.startsWith(`${PREFIX}sum/`)) {
        const key = w.name.slice(PREFIX.length + 4);
        const v = this.variableOf(key, where);
        check(tf.util.arraysEqual(v.shape, w.tensor.shape), where, () => `state '${w.name}' has shape [${w.tensor.shape}], its variable '${v.name}' [${v.shape}]`);
        sums.set(v.name, w.tensor);
      } else if (w.name.startsWith(`${PREFIX}count/`)) counts.set(this.variableOf(w.name.slice(PREFIX.length + 6), where).name, Number((await w.tensor.data())[0]));
      else if (w.name.startsWith('optimizer/')) inner.push({ name: this.optimizerNameOf(w.name.slice('optimizer/'.length), where), tensor: w.tensor });
      else if (w.name !== `${PREFIX}counters`) throw new GradAccumError(where, `unexpected entry '${w.name}'`);
    }
    for (const name of sums.keys()) check(counts.has(name), where, () => `no count for slot '${name}'`);

    // Optimizer state first (it may throw; the accumulator is then unchanged).
    if (inner.length > 0) {
      const before = await this.optimizer.getWeights();
      await this.optimizer.setWeights(inner);
      const after = await this.optimizer.getWeights();
      const kept = new Set(after.map((w) => w.tensor));
      for (const w of before) {
        if (w.tensor instanceof tf.Variable) {
          if (!kept.has(w.tensor) && !w.tensor.isDisposed) w.tensor.dispose();
        } else w.tensor.dispose();
      }
      for (const w of after) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
    }

    for (const slot of this.slots.values()) slot.sum.dispose();
    this.slots.clear();
    for (const [name, t] of sums) {
      const value = tf.tidy(() => (t.dtype === 'float32' ? tf.clone(t) : tf.cast(t, 'float32')));
      this.slots.set(name, { sum: tf.variable(value, false), count: counts.get(name) as number });
      value.dispose();
    }
    this.stepCount = step;
    this.microCount = micro;
  }
}
