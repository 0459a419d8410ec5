import { check } from './errors.js';

/**
 * A learning-rate (or any scalar) schedule as a function of the optimizer
 * step (0 for the first step). Optimizer steps, not micro-batches: with
 * gradient accumulation one step consumes `steps` micro-batches.
 */
export type Schedule = (step: number) => number;

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** Peak value reached after warmup. */
  base: number;
  /** Total optimizer steps of the run. */
  totalSteps: number;
  /** Linear warmup steps from 0 to `base`; default 0. */
  warmupSteps?: number;
  /** Value the cosine decays to at `totalSteps`; default 0. */
  floor?: number;
}

/**
 * Linear warmup to `base` (step k < warmup gives `base·(k+1)/warmup`), then
 * cosine decay to `floor` at `totalSteps`, constant `floor` after it. BYOL's
 * and the seed code's pretraining schedule (warmup 10 epochs).
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const { base, totalSteps, warmupSteps = 0, floor = 0 } = options;
  check(Number.isFinite(base), 'warmupCosine', () => `base must be finite, got ${base}`);
  check(totalSteps > 0, 'warmupCosine', () => `totalSteps must be > 0, got ${totalSteps}`);
  check(warmupSteps >= 0 && warmupSteps <= totalSteps, 'warmupCosine', () => `warmupSteps must be in [0, totalSteps], got ${warmupSteps}`);
  return (step) => {
    if (step < warmupSteps) return (base * (step + 1)) / warmupSteps;
    const span = Math.max(1, totalSteps - warmupSteps);
    const t = Math.min(1, (step - warmupSteps) / span);
    return floor + ((base - floor) * (1 + Math.cos(Math.PI * t))) / 2;
  };
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** Value before the first milestone. */
  base: number;
  /** Factor applied at each milestone; default 0.1. */
  gamma?: number;
  /** Optimizer steps at which the value is multiplied by `gamma` (from that step on, as PyTorch's `MultiStepLR`). */
  milestones?: number[];
  /**
   * Milestones as fractions of `totalSteps` (rounded to the nearest step),
   * e.g. `[0.6, 0.8]` as the seed paper's fine-tuning. Needs `totalSteps`.
   */
  fractions?: number[];
  /** Total optimizer steps; required with `fractions`. */
  totalSteps?: number;
}

/**
 * Step decay: `base · gamma^(number of milestones ≤ step)`. Give `milestones`
 * (steps) or `fractions` with `totalSteps`, or both (merged).
 */
export function stepDecay(options: StepDecayOptions): Schedule {
  const { base, gamma = 0.1, milestones = [], fractions = [], totalSteps } = options;
  check(Number.isFinite(base), 'stepDecay', () => `base must be finite, got ${base}`);
  check(fractions.length === 0 || (totalSteps !== undefined && totalSteps > 0), 'stepDecay', () => 'fractions need totalSteps > 0');
  check(fractions.every((f) => f > 0 && f <= 1), 'stepDecay', () => `fractions must be in (0, 1], got [${fractions}]`);
  const all = [...milestones, ...fractions.map((f) => Math.round(f * (totalSteps ?? 0)))].sort((a, b) => a - b);
  return (step) => {
    let k = 0;
    for (const m of all) if (step >= m) k++;
    return base * gamma ** k;
  };
}

/** A constant schedule. */
export function constant(value: number): Schedule {
  check(Number.isFinite(value), 'constant', () => `value must be finite, got ${value}`);
  return () => value;
}

/**
 * The linear scaling rule: `base · effectiveBatch / reference` (BYOL: 0.2 ×
 * batch / 256). With accumulation the effective batch is
 * `microBatch · steps`.
 */
export function scaledLearningRate(base: number, effectiveBatch: number, reference = 256): number {
  check(effectiveBatch > 0 && reference > 0, 'scaledLearningRate', () => `batch sizes must be > 0, got ${effectiveBatch} and ${reference}`);
  return (base * effectiveBatch) / reference;
}
