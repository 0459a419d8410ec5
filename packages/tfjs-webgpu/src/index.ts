export { registerWebGpuBackend, checkWebGpuShaders } from './register.js';
export type { WebGpuBackendOptions, WebGpuBackendInfo, WebGpuAdapterSummary } from './register.js';
export { WebGpuUnavailableError, WebGpuSyncReadError, WebGpuShaderError } from './errors.js';
export { adapterName, isSoftwareAdapter } from './adapter.js';
export { flattenRequiredFeatures } from './workarounds/flatten_features.js';
export { canReadSync } from './workarounds/sync_read_guard.js';
export { hitsRank5SharedPath, routeRank5Broadcast, unrouteRank5Broadcast, BINARY_KERNELS } from './workarounds/rank5_broadcast.js';
export { registerWebGpuKernels, unregisterWebGpuKernels, WEBGPU_KERNELS } from './kernels/register_kernels.js';
export { Conv3dGemmProgram, chooseSplits, gemmDims, TILE_M, TILE_N, TILE_K } from './kernels/conv3d_gemm_webgpu.js';
export type { Conv3dGemmKind, GemmDims } from './kernels/conv3d_gemm_webgpu.js';
export type {
  GpuLike, GpuAdapterLike, GpuAdapterInfoLike, GpuDeviceLike, GpuDeviceDescriptorLike, GpuErrorLike,
  GpuRequestAdapterOptionsLike,
} from './gpu_types.js';
export { foldPadding, routeRank5Pad, unrouteRank5Pad } from './workarounds/rank5_pad.js';
export { MIN_GEMM_ROWS } from './kernels/run_gemm.js';
