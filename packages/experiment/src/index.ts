/**
 * The `byolmed3d` experiment: backend selection, the CLI, the reference
 * BYOLMed3D pipeline (pretraining, fine-tuning, linear probe, kNN, reports)
 * and the demo knee-MRI phantom dataset.
 * @packageDocumentation
 */
export { selectBackend } from './backend/select.js';
export type { BackendChoice, SelectBackendOptions, SelectedBackend } from './backend/select.js';
export { main, commands, parseRunArgs, openRun, experimentCommand } from './cli.js';
export type { Command, RunArgs } from './cli.js';
export { configSchema, defaultConfig, mergeConfig, readConfigFile, configToYaml, flagToPartial, fieldSpec, listFields, ConfigError } from './config/schema.js';
export type { FieldSpec, SchemaNode, FieldEntry } from './config/schema.js';
export type { ExperimentConfig, DataConfig, ModelConfig, PretrainConfig, FinetuneConfig, ProbeConfig, EvaluateConfig, InitConfig, ReportConfig } from './config/types.js';
export { presets, demoPresets } from './config/presets.js';
export type { DemoPreset } from './config/presets.js';
export { generateDemoDataset } from './demo/generate.js';
export type { DemoDatasetOptions, DemoDatasetSummary, DemoExam } from './demo/generate.js';
export { renderExam, drawLabels, PLANES } from './demo/phantom.js';
export type { Plane, ExamLabels, PhantomOptions, PhantomExam, PlaneStack } from './demo/phantom.js';
export { encodeNpyUint8 } from './demo/npy.js';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, pruneCheckpoints, encodeCheckpoint, decodeCheckpoint, writeFileAtomic, CheckpointError } from './run/checkpoint.js';
export type { Checkpoint, TensorEntry, FoundCheckpoint } from './run/checkpoint.js';
export { RunLogger, formatDuration } from './run/logger.js';
export type { OutputMode, ProgressRecord } from './run/logger.js';
export { Rng, deriveSeed } from './util/rng.js';
export type { RngState } from './util/rng.js';
export { makeSplits, subsamplePositives, ExamStore, volumeToClip, mrnetDataset, evalClips, trainClip, cutClip, stackClips, resizeFrames, examPath, MRNET_MEAN, MRNET_STD } from './train/data.js';
export type { Clip, ClipBatch, ExamRef, ExperimentSplits } from './train/data.js';
export { sampleView } from './train/views.js';
export type { ViewOptions } from './train/views.js';
export { pretrain, pretrainDir } from './train/pretrain.js';
export type { PretrainResult } from './train/pretrain.js';
export { runDownstream, initEncoder, embedExams, resultsDir, slug } from './train/downstream.js';
export type { MethodResult, Protocol, DownstreamOptions, InitializedEncoder, ValidationScores } from './train/downstream.js';
export { buildEncoder, saveEncoder, loadEncoder } from './train/models.js';
export { writeReport, readResults, reportRow, withPlaneFusion } from './report/report.js';
export type { ReportRow, ReportSummary, Estimate, PairedComparison } from './report/report.js';
