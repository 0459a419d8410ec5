/**
 * The `byolmed3d` experiment: the CLI (`main`), its configuration schema,
 * the reference BYOLMed3D pipeline as functions (`runPretrain`,
 * `runDownstream`, `runEvaluate`, `buildReport`), backend selection and the
 * demo knee-MRI phantom dataset. Internals (checkpoints, data helpers, run
 * directories) are in `@byolmed3d/experiment/internal`, without a stability
 * promise.
 * @packageDocumentation
 */
export { main, commands, parseRunArgs, SHORTCUTS } from './cli.js';
export type { CommandInfo, RunArgs, CommandContext } from './cli.js';
export { selectBackend, selectedBackend } from './backend/select.js';
export type { BackendChoice, SelectBackendOptions, SelectedBackend } from './backend/select.js';
export { configSchema, defaultConfig, parseConfig, mergeConfig, configJsonSchema, listFields, fieldSpec, flagToPartial, ConfigError, MAX_SEED } from './config/schema.js';
export type { ExperimentConfig, ConfigInput, ConfigSchema, DeepPartial, DataConfig, ModelConfig, PretrainConfig, FinetuneConfig, ProbeConfig, EvaluateConfig, InitConfig, ReportConfig, ReproduceConfig, FieldEntry, FieldType } from './config/schema.js';
export { readConfigFile, configToYaml, configReferenceMarkdown, configTypesSource, CONFIG_SCHEMA_FILE } from './config/io.js';
export { presets, demoPresets } from './config/presets.js';
export type { DemoPreset } from './config/presets.js';
export { generateDemoDataset } from './demo/generate.js';
export type { DemoDatasetOptions, DemoDatasetSummary, DemoExam } from './demo/generate.js';
export type { ExamLabels } from './demo/phantom.js';
export { RunLogger } from './run/logger.js';
export type { OutputMode, ProgressRecord } from './run/logger.js';
export { runPretrain, pretrainDir, encoderExportDir } from './train/pretrain.js';
export type { PretrainOptions, PretrainResult, PretrainHooks } from './train/pretrain.js';
export { runDownstream, readResults, resultsDir } from './train/downstream/index.js';
export type { ComputeInfo, DownstreamOptions, MethodResult, Protocol, ValidationScores } from './train/downstream/index.js';
export { startRun, runEvaluate, buildReport } from './commands/run-commands.js';
export type { ReportRow, ReportSummary, Estimate, PairedComparison } from './report/report.js';
export { exportEncoder, exportEncoderAsync, loadEncoderWeights, readEncoderWeights, EXPORT_WEIGHTS, EXPORT_CONFIG } from './train/models.js';
export type { EncoderExportConfig, EncoderWeights, InputNormalization, LoadedWeights } from './train/models.js';
export { TrainingError } from './train/errors.js';
export { CheckpointError } from './run/checkpoint.js';
export { runReproduce } from './reproduce/command.js';
export type { ReproduceOptions } from './reproduce/command.js';
export { INIT_LABELS, PROTOCOL_LABELS, PRETRAIN_METHODS, PROTOCOLS, BASELINES } from './reproduce/config.js';
export type { PretrainMethod, InitName, ProtocolName } from './reproduce/config.js';
export { expandPlan, describeCell } from './reproduce/plan.js';
export type { Plan, Cell, CellMeta, PretrainCell, DownstreamCell, EmbedCell, SkippedPart, Study, PlaneName, ExpandOptions } from './reproduce/plan.js';
export { measureUnitTimes, estimatePlan, MRNET_SIZES } from './reproduce/estimate.js';
export type { UnitTimes, MeasuredUnits, Measurement, MeasureOptions, PlanEstimate, CellEstimate, EstimateOptions, DatasetSizes } from './reproduce/estimate.js';
export { buildReproduceReport } from './reproduce/report.js';
export type { BuildReportOptions, ReportFiles } from './reproduce/report.js';
