/**
 * Gradient accumulation for any tfjs optimizer, LARS, AdamW and learning-rate
 * schedules: large effective batches from micro-batches that fit memory.
 * @packageDocumentation
 */
export { GradientAccumulator } from './accumulator.js';
export type { AccumulateResult, AccumulatorDisposeOptions, GradientAccumulatorOptions } from './accumulator.js';
export { LARS } from './lars.js';
export type { LARSOptions } from './lars.js';
export { AdamW } from './adamw.js';
export type { AdamWOptions } from './adamw.js';
export { SlotOptimizer, gradientEntries } from './slot-optimizer.js';
export type { NamedTensor, SlotOptimizerOptions, VariableGradients } from './slot-optimizer.js';
export { excludeAny, excludeByName, excludeNone, excludeRankOne } from './exclude.js';
export type { ExcludePredicate } from './exclude.js';
export { attachSchedule, getLearningRate, setLearningRate } from './learning-rate.js';
export type { ScheduleHandle } from './learning-rate.js';
export { constant, scaledLearningRate, stepDecay, warmupCosine } from './schedules.js';
export type { Schedule, StepDecayOptions, WarmupCosineOptions } from './schedules.js';
export { GradAccumError } from './errors.js';
