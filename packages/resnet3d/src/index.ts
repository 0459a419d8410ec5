/**
 * Video ResNets for tfjs (channels last, `[N, T, H, W, C]`) that match
 * torchvision's `r3d_18`, `mc3_18` and `r2plus1d_18` (plus `r3d_34`,
 * `r3d_50`, width multipliers and group norm), with PyTorch `.pth` and
 * safetensors weights. The safe unpickler behind `readTorchCheckpoint` is
 * the `@byolmed3d/resnet3d/pickle` subpath.
 * @packageDocumentation
 */
export { ARCHITECTURES, createVideoResNet, type VideoResNetArch } from './archs.js';
export {
  BasicBlock,
  BasicStem,
  Bottleneck,
  Conv2Plus1D,
  Conv3DNoTemporal,
  Conv3DSimple,
  R2Plus1dStem,
  midPlanes,
  type BlockType,
  type ConvMaker,
  type StemType,
} from './blocks.js';
export { describeStateDict, type StateDictSummary, type TensorSummary } from './describe.js';
export { WeightsError, type WeightsFormat } from './errors.js';
export { torchvisionInitializer } from './init.js';
export { Conv3d, Sequential, ReLU, makeNorm, type BuildContext, type Layer, type Triple } from './layers.js';
export { tfConv3dShape, tfToTorchConv3d, torchToTfConv3d, transpose2d } from './layout.js';
export { BN_MOMENTUM, NORM_EPS, BatchNorm3d, FUSED_BATCH_NORM_ACT_TRAIN, FUSED_BATCH_NORM_ACT_TRAIN_GRAD, FUSED_BATCH_NORM_TRAIN, FUSED_BATCH_NORM_TRAIN_GRAD, GroupNorm3d, batchNormTrain, groupCount, type BatchNormActOptions, type BatchNormTrainOptions, type BatchNormTrainResult, type NormKind, type NormLayer } from './norm.js';
export { ParamStore, type BatchCounter, type ParamInitializer, type ParamKind, type ParamRecord } from './params.js';
export { KINETICS400_MEAN, KINETICS400_NORMALIZATION, KINETICS400_STD, normalizeClip, type NormalizationPreset } from './presets.js';
export { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors, type SafetensorsFile, type WriteSafetensorsOptions } from './safetensors.js';
export {
  bfloat16ToFloat,
  floatToBfloat16,
  floatToHalf,
  halfToFloat,
  isFloatDType,
  numel,
  toFloat32,
  type EntryData,
  type StateDict,
  type TensorDType,
  type TensorEntry,
  type TensorEntryLike,
} from './state-dict.js';
export { parseTorchCheckpoint, readTorchCheckpoint, type ReadTorchCheckpointOptions } from './torch-checkpoint.js';
export { encodeTorchCheckpoint, writeTorchCheckpoint, type EncodeTorchCheckpointOptions } from './torch-writer.js';
export {
  VideoResNet,
  type ApplyOptions,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type VideoResNetOptions,
  type VideoResNetOutput,
  type VideoResNetSpec,
  type VideoResNetStages,
} from './video-resnet.js';
