/**
 * Fast CPU kernels for tfjs on oneDNN: a `onednn` backend (the cpu backend
 * with native Conv3D, its gradients, batch norm, pooling, matmul and the
 * element-wise ops of 3D ResNet training).
 *
 * @packageDocumentation
 */
export { registerOneDnnBackend, setOneDnnThreads, getOneDnnThreads, ONEDNN_BACKEND, ONEDNN_KERNELS } from './backend.js';
export type { OneDnnBackendOptions } from './backend.js';
export { isOneDnnAvailable, oneDnnUnavailableReason, oneDnnVersion } from './addon.js';
export { OneDnnError } from './errors.js';
