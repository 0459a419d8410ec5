/**
 * Gradient accumulation, LARS, AdamW and learning-rate schedules for tfjs.
 * @packageDocumentation
 */
export { warmupCosine } from './schedules.js';
export type { Schedule, WarmupCosineOptions } from './schedules.js';
