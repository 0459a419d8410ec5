/**
 * BYOL, SimSiam and SimCLR objectives for tfjs encoders, with BYOL's target
 * network updated once per optimizer step (so it works with gradient
 * accumulation).
 * @packageDocumentation
 */
export { BYOL } from './byol.js';
export type { BYOLOptions } from './byol.js';
export { SimSiam } from './simsiam.js';
export type { SimSiamOptions } from './simsiam.js';
export { SimCLR } from './simclr.js';
export type { SimCLROptions } from './simclr.js';
export { SelfSupervisedBase, isGradientConsumer, stableKeys } from './learner-base.js';
export type { ForwardOutput, LearnerOptions, OptimizerLike, VariableGroup } from './learner-base.js';
export { byolLoss, symmetricByolLoss, simSiamLoss, ntXentLoss, l2Normalize, rowCosine } from './loss.js';
export { collapseStats, projectionStd } from './stats.js';
export { cosineTau } from './schedule.js';
export type { CosineTauOptions, TauSchedule } from './schedule.js';
export { EMA } from './ema.js';
export { MLPHead, BYOL_PAPER_HEAD, SEED_PAPER_HEAD } from './mlp-head.js';
export type { HeadSpec, MLPHeadOptions } from './mlp-head.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { BatchNorm1d } from './batchnorm1d.js';
export type { BatchNorm1dOptions } from './batchnorm1d.js';
export { stopGradient } from './stop-gradient.js';
export { ByolError } from './errors.js';
// Every public type of the learner interface (types.ts holds nothing else).
export type * from './types.js';
