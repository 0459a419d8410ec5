/**
 * Fast CPU kernels for tfjs on oneDNN: a `onednn` backend (the cpu backend
 * with native Conv3D, its gradients, batch norm, pooling, matmul and the
 * element-wise ops of 3D ResNet training).
 *
 * @packageDocumentation
 */
export { registerOneDnnBackend, setOneDnnThreads, getOneDnnThreads, ONEDNN_BACKEND, ONEDNN_KERNELS, ONEDNN_EXTRA_KERNELS } from './backend.js';
export { releaseDuringBackprop } from './early_release.js';
export { BATCH_NORM_ACT_TRAIN, BATCH_NORM_ACT_TRAIN_GRAD, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernels/batchnorm_train.js';
export type { OneDnnBackendOptions } from './backend.js';
export { isOneDnnAvailable, oneDnnUnavailableReason, oneDnnVersion } from './addon.js';
export { OneDnnError } from './errors.js';
export { getOneDnnInfo, setOneDnnPrecision } from './precision.js';
export type { OneDnnInfo, OneDnnPrecision } from './precision.js';
export { measureFp32Peak, measureGemmPeak } from './peak.js';
export type { Fp32Peak, Fp32PeakOptions, GemmPeak, GemmPeakOptions } from './peak.js';
