import * as tf from '@tensorflow/tfjs-core';
import { check, GradAccumError } from './errors.js';
import { excludeRankOne, type ExcludePredicate } from './exclude.js';

/** A named tensor, as tfjs optimizers' `getWeights`/`setWeights` use (tfjs-core does not export its own type). */
export interface NamedTensor {
  /** The name (a variable name, or a state entry such as `iter` or `<variable>/momentum`). */
  name: string;
  /** The tensor. */
  tensor: tf.Tensor;
}

/** Options every {@link SlotOptimizer} ({@link LARS}, {@link AdamW}) takes. */
export interface SlotOptimizerOptions {
  /** Learning rate. Required (LARS in BYOL: 0.2 x batch / 256, see `scaledLearningRate`). */
  learningRate: number;
  /**
   * Weight decay λ: LARS adds `λ·w` to the gradient before the trust ratio
   * (default 1.5e-6, BYOL's); AdamW decouples it, `w ← w·(1 − lr·λ)` (default
   * 0.01, PyTorch's).
   */
  weightDecay?: number;
  /**
   * Variables that get no weight decay (and, with LARS, no trust-ratio
   * adaptation: plain momentum SGD); default {@link excludeRankOne} (biases
   * and norm scales/shifts, detected by rank). PyTorch's `AdamW` decays
   * everything unless given parameter groups: pass `excludeNone` for that.
   * Not serialised by `getConfig`: pass it again after `fromConfig` when it
   * is not the default.
   */
  exclude?: ExcludePredicate;
}

/** A gradient map as tfjs optimizers accept it: by name, or as a list of `{ name, tensor }`. */
export type VariableGradients = tf.NamedTensorMap | NamedTensor[];

/**
 * Turns the two tfjs gradient forms into `[name, gradient | null]` pairs.
 * A `null`/`undefined` gradient means "no gradient for this variable this
 * step": the variable and its optimizer state are left untouched.
 */
export function gradientEntries(grads: VariableGradients): Array<[string, tf.Tensor | null]> {
  if (Array.isArray(grads)) return grads.map((g) => [g.name, (g.tensor as tf.Tensor | null | undefined) ?? null]);
  return Object.keys(grads).map((name) => [name, (grads[name] as tf.Tensor | null | undefined) ?? null]);
}

/**
 * Base class of {@link LARS} and {@link AdamW}: a `tf.Optimizer` whose
 * per-variable state ("slots", e.g. the momentum buffer) is keyed by the
 * variable's NAME (tfjs' own optimizers key it by position in the gradient
 * list, which breaks when the list changes). Slots are created lazily, inside
 * `tf.tidy`, the first time a variable receives a gradient, and updated in
 * place with `assign`. The learning rate is a plain number that can be changed
 * before any step ({@link SlotOptimizer.setLearningRate}, or a schedule through
 * `attachSchedule`).
 */
export abstract class SlotOptimizer extends tf.Optimizer {
  /** The learning rate used by the next `applyGradients` call. */
  learningRate: number;
  /** Weight decay λ (what it does is the subclass's: L2 in the gradient, or decoupled). */
  weightDecay: number;
  /** Variables that get no weight decay (and, for {@link LARS}, no trust-ratio adaptation). */
  exclude: ExcludePredicate;
  /** Slot names this optimizer keeps per variable, e.g. `['momentum']`. */
  protected abstract readonly slotNames: readonly string[];
  /** Options besides `learningRate` that {@link SlotOptimizer.getConfig} saves (numbers and booleans, by their option names). */
  protected abstract readonly configKeys: readonly string[];
  /** Slots: variable name -> slot name -> state variable. */
  protected readonly slots = new Map<string, Map<string, tf.Variable>>();

  /**
   * @param learningRate initial learning rate (> 0 is not required: 0 freezes)
   * @param weightDecay weight decay λ, >= 0
   * @param exclude variables without weight decay; default {@link excludeRankOne}
   */
  constructor(learningRate: number, weightDecay: number, exclude: ExcludePredicate = excludeRankOne) {
    super();
    check(Number.isFinite(learningRate), this.constructor.name, () => `learningRate must be a finite number, got ${learningRate}`);
    check(weightDecay >= 0, this.constructor.name, () => `weightDecay must be >= 0, got ${weightDecay}`);
    this.learningRate = learningRate;
    this.weightDecay = weightDecay;
    this.exclude = exclude;
  }

  /** Serialisable configuration: `learningRate` and the options named by `configKeys` (the exclusion predicate is not included). */
  override getConfig(): tf.serialization.ConfigDict {
    const out: tf.serialization.ConfigDict = { learningRate: this.learningRate };
    for (const k of this.configKeys) out[k] = (this as unknown as Record<string, number | boolean>)[k] as number | boolean;
    return out;
  }

  /** Re-creates an optimizer from {@link SlotOptimizer.getConfig}'s output (its options object; default exclusion predicate). */
  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls({ ...config });
  }

  /** Sets the learning rate used from the next step on. */
  setLearningRate(learningRate: number): void {
    check(Number.isFinite(learningRate), `${this.getClassName()}.setLearningRate`, () => `learningRate must be finite, got ${learningRate}`);
    this.learningRate = learningRate;
  }

  /**
   * Updates every variable named in `variableGradients` (looked up among the
   * registered tfjs variables) and counts one optimizer iteration. Variables
   * whose gradient is `null` are skipped (their slots are not touched).
   */
  override applyGradients(variableGradients: VariableGradients): void {
    const entries = gradientEntries(variableGradients);
    const where = `${this.getClassName()}.applyGradients`;
    tf.tidy(() => {
      const lr = tf.scalar(this.learningRate);
      for (const [name, gradient] of entries) {
        if (gradient == null) continue;
        const variable = tf.engine().registeredVariables[name];
        if (variable == null) throw new GradAccumError(where, `no registered variable named '${name}'`);
        check(tf.util.arraysEqual(variable.shape, gradient.shape), where, () => `gradient of '${name}' has shape [${gradient.shape}], the variable [${variable.shape}]`);
        const g = gradient.dtype === 'float32' ? gradient : tf.cast(gradient, 'float32');
        this.updateVariable(name, variable, g, lr);
      }
    });
    this.incrementIterations();
  }

  /**
   * Applies one update to `variable` (called inside `tf.tidy`; assign the new
   * value and the new slot values with `Variable.assign`).
   * @param name the variable's name (slot key)
   * @param variable the variable to update
   * @param gradient its float32 gradient
   * @param lr the current learning rate as a scalar
   */
  protected abstract updateVariable(name: string, variable: tf.Variable, gradient: tf.Tensor, lr: tf.Scalar): void;

  /**
   * The slot `slotName` of variable `name`, created as zeros of `shape` (the
   * variable's shape when omitted) the first time it is asked for.
   */
  protected slot(name: string, slotName: string, like: tf.Tensor, shape: readonly number[] = like.shape): tf.Variable {
    let perVar = this.slots.get(name);
    if (perVar == null) {
      perVar = new Map();
      this.slots.set(name, perVar);
    }
    let v = perVar.get(slotName);
    if (v == null) {
      v = tf.tidy(() => tf.variable(tf.zeros([...shape], 'float32'), false));
      perVar.set(slotName, v);
    }
    return v;
  }

  /** Frees every slot; the optimizer can still be used (slots are re-created as zeros). */
  override dispose(): void {
    for (const perVar of this.slots.values()) for (const v of perVar.values()) v.dispose();
    this.slots.clear();
  }

  /**
   * The optimizer state in tfjs' format: first `{ name: 'iter' }` (the
   * iteration count, a new int32 scalar the caller disposes), then one entry
   * `<variable name>/<slot name>` per slot, whose tensor is the slot variable
   * itself (owned by the optimizer: do not dispose it).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, perVar] of this.slots) {
      for (const [slotName, v] of perVar) out.push({ name: `${name}/${slotName}`, tensor: v });
    }
    return out;
  }

  /**
   * Replaces the optimizer state with `weightValues` (the format of
   * {@link SlotOptimizer.getWeights}). Slots absent from the list are freed;
   * the given tensors are copied, so the caller may dispose them afterwards.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const where = `${this.getClassName()}.setWeights`;
    check(weightValues.length > 0 && weightValues[0]?.name === 'iter', where, () => `expected the first entry to be 'iter', got '${weightValues[0]?.name}'`);
    const rest = await this.extractIterations(weightValues);
    const seen = new Set<tf.Variable>();
    for (const { name: full, tensor } of rest) {
      const cut = full.lastIndexOf('/');
      const name = full.slice(0, cut);
      const slotName = full.slice(cut + 1);
      check(cut > 0 && this.slotNames.includes(slotName), where, () => `unknown slot '${full}' (slots are ${this.slotNames.map((s) => `<variable>/${s}`).join(', ')})`);
      let perVar = this.slots.get(name);
      if (perVar == null) {
        perVar = new Map();
        this.slots.set(name, perVar);
      }
      const old = perVar.get(slotName);
      const value = tf.tidy(() => (tensor.dtype === 'float32' ? tf.clone(tensor) : tf.cast(tensor, 'float32')));
      if (old != null && tf.util.arraysEqual(old.shape, value.shape)) {
        old.assign(value);
        value.dispose();
        seen.add(old);
      } else {
        old?.dispose();
        const v = tf.variable(value, false);
        value.dispose();
        perVar.set(slotName, v);
        seen.add(v);
      }
    }
    for (const [name, perVar] of this.slots) {
      for (const [slotName, v] of perVar) {
        if (!seen.has(v)) {
          v.dispose();
          perVar.delete(slotName);
        }
      }
      if (perVar.size === 0) this.slots.delete(name);
    }
  }
}
