import type { GpuAdapterLike, GpuDeviceDescriptorLike, GpuDeviceLike } from '../gpu_types.js';

/**
 * Flattens `requiredFeatures` of a device descriptor. tfjs-backend-webgpu
 * 4.22 pushes `['bgra8unorm-storage']` (an array inside the array) and Dawn
 * rejects the whole device request; browsers stringify it and pass.
 */
export function flattenRequiredFeatures(descriptor: GpuDeviceDescriptorLike = {}): GpuDeviceDescriptorLike {
  if (descriptor.requiredFeatures == null) return descriptor;
  const flat = (descriptor.requiredFeatures as unknown[]).flat(Infinity).map((f) => String(f));
  return { ...descriptor, requiredFeatures: [...new Set(flat)] };
}

/**
 * `adapter.requestDevice` with the descriptor passed through
 * {@link flattenRequiredFeatures} first.
 */
export function requestDeviceFlat(adapter: GpuAdapterLike, descriptor: GpuDeviceDescriptorLike = {}): Promise<GpuDeviceLike> {
  return adapter.requestDevice(flattenRequiredFeatures(descriptor));
}
