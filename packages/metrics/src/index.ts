/**
 * Clinical classification metrics on plain typed arrays (no tfjs, browser
 * safe): AUROC with DeLong's variance and test, ROC/PR curves, threshold
 * metrics, stratified bootstrap confidence intervals, exam-level
 * aggregation and plane fusion, embedding evaluation (kNN, linear probe),
 * 2-D embeddings (UMAP) and plots as SVG or PNG.
 * @packageDocumentation
 */
export { MetricsError, type MetricsErrorReason } from './errors.js';
export type { BinaryLabels, Scores } from './validate.js';
export { normalCdf, normalSf, normalQuantile } from './stats.js';
export {
  rocAuc,
  rocCurve,
  prCurve,
  averagePrecision,
  type RocCurve,
  type RocCurveOptions,
  type PrCurve,
} from './auc.js';
export {
  sigmoid,
  sigmoid1,
  logit,
  confusionMatrix,
  thresholdMetrics,
  youdenThreshold,
  evaluateBinary,
  type ConfusionMatrix,
  type ThresholdMetrics,
  type ThresholdMetricName,
  type ThresholdOptions,
  type YoudenPoint,
  type EvaluateOptions,
  type BinaryReport,
} from './threshold.js';
export { delong, delongTest, type DelongOptions, type DelongResult, type DelongTestResult } from './delong.js';
export {
  bootstrapCI,
  bootstrapMetrics,
  bootstrapAucDifference,
  type PairedBootstrapResult,
  type BootstrapOptions,
  type ConfidenceInterval,
  type BootstrapMetricName,
} from './bootstrap.js';
export {
  LogisticRegression,
  type LogisticRegressionOptions,
  type FeatureMatrix,
} from './logistic.js';
export {
  fitStandardizer,
  linearProbe,
  knnClassify,
  type Standardizer,
  type LabelledFeatures,
  type EmbeddingEvaluation,
  type LinearProbeOptions,
  type LinearProbeResult,
  type KnnOptions,
} from './embedding.js';
export { umapEmbedding, type UmapOptions } from './umap.js';
export {
  aggregateByExam,
  fitPlaneFusion,
  type AggregateOptions,
  type ExamPredictions,
  type PlaneFusionOptions,
  type PlanePredictions,
  type PlaneFusion,
} from './exam.js';
export {
  calibrationCurve,
  brierScore,
  expectedCalibrationError,
  type CalibrationOptions,
  type CalibrationCurve,
} from './calibration.js';
export {
  rocChart,
  prChart,
  calibrationChart,
  lineChart,
  figure,
  PALETTE,
  type Chart,
  type Series,
  type LegendPosition,
  type ChartOptions,
  type LineChartOptions,
  type ModelScores,
  type Figure,
  type FigureOptions,
} from './plot/chart.js';
export { renderSvg } from './plot/render.js';
export { renderPng, rasterizeChart, loadPngRenderer, type PngOptions, type RgbaImage, type LoadPngRendererOptions } from './plot/png.js';
export { writeChart } from './plot/write.js';
