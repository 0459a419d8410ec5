import type { GpuAdapterLike } from './gpu_types.js';

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render|warp/i;

/** A short human-readable adapter name, e.g. `NVIDIA H100 (nvidia hopper)` or `llvmpipe-llvm-15-0-6-256-bits- (OpenGL version OpenGL ES 3.2 Mesa 22.3.6)`. */
export function adapterName(adapter: GpuAdapterLike): string {
  const info = adapter.info ?? {};
  const parts = [info.device, info.description, [info.vendor, info.architecture].filter((p) => p).join(' ')]
    .map((p) => (p ?? '').trim())
    .filter((p, i, all) => p !== '' && all.indexOf(p) === i);
  if (parts.length === 0) return 'unknown adapter';
  return parts.length === 1 ? parts[0]! : `${parts[0]} (${parts.slice(1).join(', ')})`;
}

/**
 * Whether the adapter is a CPU (software) rasteriser: Mesa llvmpipe or
 * lavapipe, SwiftShader, WARP, or one flagged as a fallback adapter.
 */
export function isSoftwareAdapter(adapter: GpuAdapterLike): boolean {
  const info = adapter.info ?? {};
  if (adapter.isFallbackAdapter === true || info.isFallbackAdapter === true) return true;
  return SOFTWARE.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}
