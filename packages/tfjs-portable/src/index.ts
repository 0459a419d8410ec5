/**
 * Fast portable tfjs kernels for 3D CNN training (no native code; Node and
 * the browser): Conv3D and both its gradients as im2col + XNNPACK matmul on
 * tfjs-backend-wasm.
 *
 * @packageDocumentation
 */
export { registerPortableBackend, PORTABLE_BACKEND, PORTABLE_KERNELS, PortableBackendError } from './backend.js';
export type { PortableBackendOptions } from './backend.js';
