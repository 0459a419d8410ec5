/**
 * Fast portable tfjs kernels for 3D CNN training (no native code; Node and
 * the browser): Conv3D and both its gradients as im2col + XNNPACK matmul on
 * tfjs-backend-wasm.
 *
 * @packageDocumentation
 */
export { registerPortableBackend, PORTABLE_BACKEND, PORTABLE_KERNELS, PORTABLE_EXTRA_KERNELS, PortableBackendError } from './backend.js';
export { BATCH_NORM_TRAIN } from './kernels/batchnorm_train.js';
export { BATCH_NORM_TRAIN_GRAD } from './kernels/batchnorm_train_grad.js';
export type { PortableBackendOptions } from './backend.js';
