import type * as tf from '@tensorflow/tfjs-core';
import { check, GradAccumError } from './errors.js';
import type { Schedule } from './schedules.js';

type WithLr = { learningRate?: unknown; setLearningRate?: (lr: number) => void };

/**
 * Reads the learning rate of any tfjs optimizer (every built-in one, {@link LARS}
 * and {@link AdamW} keep it in a `learningRate` field).
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as WithLr).learningRate;
  if (typeof lr !== 'number') throw new GradAccumError('getLearningRate', `${optimizer.getClassName()} has no numeric learningRate field`);
  return lr;
}

/**
 * Sets the learning rate of any tfjs optimizer for its next step: calls its
 * `setLearningRate` when it has one (tfjs SGD and Momentum keep a cached
 * scalar that must be refreshed), otherwise writes its `learningRate` field
 * (tfjs Adam, Adamax, RMSProp, Adagrad, Adadelta read it at every step).
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  check(Number.isFinite(learningRate), 'setLearningRate', () => `learning rate must be finite, got ${learningRate}`);
  const o = optimizer as unknown as WithLr;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else if (typeof o.learningRate === 'number') o.learningRate = learningRate;
  else throw new GradAccumError('setLearningRate', `${optimizer.getClassName()} has neither setLearningRate() nor a numeric learningRate field`);
}

/** What {@link attachSchedule} returns. */
export interface ScheduleHandle {
  /** The learning rate set for the most recent (or, before any step, the next) optimizer step. */
  readonly value: number;
  /** The optimizer step the schedule was last evaluated at. */
  readonly step: number;
  /** Removes the schedule; the learning rate stays at its last value. */
  detach(): void;
}

/**
 * Drives an optimizer's learning rate by `schedule(step)`, where `step` is the
 * optimizer's own iteration count (`optimizer.iterations`: the number of
 * `applyGradients` calls so far, restored by `setWeights`). Before every
 * `applyGradients` the learning rate is set to `schedule(iterations)`, so the
 * k-th optimizer step (k = 0, 1, ...) uses `schedule(k)`, whether the
 * optimizer is called directly or through a {@link GradientAccumulator}
 * (which calls it once per accumulation window). The rate is also set
 * immediately, for logging.
 *
 * It wraps the instance's `applyGradients`; {@link ScheduleHandle.detach}
 * restores it.
 */
export function attachSchedule(optimizer: tf.Optimizer, schedule: Schedule): ScheduleHandle {
  const target = optimizer as unknown as { applyGradients: tf.Optimizer['applyGradients'] };
  const hadOwn = Object.prototype.hasOwnProperty.call(target, 'applyGradients');
  const original = target.applyGradients;
  let value = Number.NaN;
  let step = optimizer.iterations;
  const update = (): void => {
    step = optimizer.iterations;
    value = schedule(step);
    setLearningRate(optimizer, value);
  };
  const patched: tf.Optimizer['applyGradients'] = (grads) => {
    update();
    original.call(optimizer, grads);
  };
  target.applyGradients = patched;
  update();
  return {
    get value() {
      return value;
    },
    get step() {
      return step;
    },
    detach() {
      if (target.applyGradients !== patched) return;
      if (hadOwn) target.applyGradients = original;
      else delete (target as { applyGradients?: unknown }).applyGradients;
    },
  };
}
