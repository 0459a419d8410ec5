/**
 * Internals of `@byolmed3d/experiment` for tests and tools of this
 * repository (checkpoint files, the data path helpers, run directories, the
 * pretraining model). No stability promise: use the main entry.
 * @packageDocumentation
 */
export { checkpointPath, listCheckpoints, saveCheckpoint, loadCheckpoint, latestCheckpoint, pruneCheckpoints, readCheckpointState, nonFiniteTensors, encodeCheckpoint, decodeCheckpoint } from './run/checkpoint.js';
export type { Checkpoint, TensorEntry, FoundCheckpoint, RunCheckpointOptions } from './run/checkpoint.js';
export { prepareRunDir, writeRunConfig, writeJsonAtomic, pretrainFields, pretrainConfigHash, changedFields } from './run/run-dir.js';
export { formatDuration, progressLine } from './run/logger.js';
export { makeSplits, subsamplePositives, examDataset, examClip, evalWindows, evalClips, trainTransform, stackClips, MRNET_MEAN, MRNET_STD, MRNET_NORMALIZE } from './train/data.js';
export type { ExamRef, ExperimentSplits } from './train/data.js';
export { planPretrain, buildPretrainModel, restoreState, pretrainViews, useTensorViews, TENSOR_VIEW_BACKENDS } from './train/pretrain.js';
export type { PretrainPlan, PretrainModel } from './train/pretrain.js';
export { buildEncoder } from './train/models.js';
export { classWeights, weightedBceWithLogits, examMeans, safeAuc } from './train/downstream/finetune.js';
export { toMatrix, positiveProba, initEncoder, embedExams, loadEvalClips, resultProblem, writeResult, slug } from './train/downstream/index.js';
export { renderExam, drawLabels, PLANES } from './demo/phantom.js';
export { registry, positiveInt, sliceRange } from './commands/registry.js';
export type { CommandSpec, SubcommandSpec, CommandBody } from './commands/registry.js';
export { configHash, stableStringify, cellDir, parseList, pretrainConfig, dataFingerprint, weightsFingerprint, KEY_SCHEME } from './reproduce/plan.js';
export { cellSeconds, assumedCounts, humanDuration } from './reproduce/estimate.js';
export { runPlan, writePlan, doneKeys, environment, recordEnvironment } from './reproduce/runner.js';
export type { CellRecord, CellTiming, RunEnvironment, PretrainOutcome, DownstreamOutcome, EmbedOutcome, RunPlanOptions } from './reproduce/runner.js';
export { loadRun, cellMetrics, spread, pairedDelong, fusionAucs, TABLE_METRICS } from './reproduce/report.js';
export type { PlanFile, LoadedCell, CellMetrics, Spread, TableMetric } from './reproduce/report.js';
export { KnnMonitor, readCurves, COLLAPSE_SPREAD } from './reproduce/monitor.js';
export type { CurvePoint, KnnMonitorOptions } from './reproduce/monitor.js';
export type { SplitCounts } from './reproduce/steps.js';
