/**
 * Seeded, clip-consistent spatial, temporal and intensity augmentations for
 * medical videos (`[T, H, W, C]` clips and `[N, T, H, W, C]` tfjs tensors),
 * and the BYOL / BYOLMed3D two-view pipelines.
 * @packageDocumentation
 */
export type { RandomStateSnapshot } from './random.js';
export { RandomState } from './random.js';
export { AugmentError } from './errors.js';
export type { Clip, ClipShape, BatchShape } from './clip.js';
export { assertClip, clipSize, cloneClip, toClip, zerosClip } from './clip.js';
export type { ParamsLogEntry, RandomOptions, Applied, ComposeOptions } from './transform.js';
export { Transform, DeterministicTransform, RandomTransform, Compose } from './transform.js';
export type { AxisMap } from './resample.js';
export { gatherMap, linearMap, nearestMap, resampleAxis, resampleAxisTensor, resampleAxes, resampleAxesTensor } from './resample.js';
export type {
  ClipAxis,
  Size2D,
  CropBox,
  ResizeMode,
  CenterCropOptions,
  RandSpatialCropOptions,
  CropParams,
  ResizeOptions,
  ResizeParams,
  RandomResizedCropOptions,
  ResizedCropParams,
  RandFlipOptions,
  FlipParams,
} from './spatial.js';
export { axisIndex, cropClip, cropTensor, resizeMaps, CenterCrop, SpatialCrop, RandSpatialCrop, Resize, RandomResizedCrop, flipClip, flipTensor, Flip, RandFlip } from './spatial.js';
export type { SamplingPlan, RandRotateOptions, RotateParams, RandAffine3dOptions, Affine3dParams, RandEraseOptions, EraseParams } from './affine.js';
export { planarPlan, volumePlan, applyPlan, applyPlanTensor, rotationMatrix2d, affineMatrix3d, RandRotate, RandAffine3d, RandErase } from './affine.js';
export type { TemporalMode, TemporalSampleOptions, FrameIndexParams, FrameDropoutOptions, FrameDropoutParams } from './temporal.js';
export { sampleFrameIndices, selectFrames, selectFramesTensor, TemporalSample, RandFrameIndexTransform, RandTemporalSample, RandTemporalReverse, RandFrameDropout } from './temporal.js';
export type {
  ChannelStats,
  ScaleIntensityOptions,
  NormalizeOptions,
  ZScoreOptions,
  RandBrightnessOptions,
  FactorParams,
  RandContrastOptions,
  RandGammaOptions,
  RandGaussianNoiseOptions,
  NoiseParams,
  RandBiasFieldOptions,
  BiasFieldParams,
  PercentileClipOptions,
  HistogramNormalizeOptions,
} from './intensity.js';
export {
  channelStats,
  affineIntensity,
  IntensityTransform,
  ScaleIntensity,
  Normalize,
  zscore,
  ZScore,
  RandFactorTransform,
  RandBrightness,
  adjustContrast,
  RandContrast,
  adjustGamma,
  RandGamma,
  RandGaussianNoise,
  biasField,
  RandBiasField,
  percentiles,
  PercentileClip,
  histogramNormalize,
  HistogramNormalize,
} from './intensity.js';
export type { BlurDims, GaussianBlurOptions, RandGaussianBlurOptions, BlurParams } from './blur.js';
export { gaussianKernel1d, defaultKernelSize, reflectIndex, convolveAxis, convolveAxisTensor, gaussianBlur, gaussianBlurTensor, GaussianBlur, RandGaussianBlur } from './blur.js';
export type { JitterRange, ColorJitterOptions, ColorJitterParams, RandSolarizeOptions } from './color.js';
export {
  GRAY_WEIGHTS,
  adjustBrightness,
  adjustContrastRgb,
  adjustSaturation,
  adjustHue,
  colorTensorOps,
  colorJitter,
  colorJitterTensor,
  RandColorJitter,
  toGrayscale,
  RandGrayscale,
  solarize,
  RandSolarize,
  repeatChannels,
  RepeatChannels,
} from './color.js';
export type { NormalizeChoice, TwoViewLog, TemporalChoice, JitterSettings, BlurSettings, ViewPresetOptions, ByolViewsOptions, EvalTransformOptions } from './presets.js';
export { IMAGENET_MEAN, IMAGENET_STD, KINETICS_MEAN, KINETICS_STD, TwoViewPipeline, byolMed3dViews, byolViews, evalTransform } from './presets.js';
