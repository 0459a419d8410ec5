import type { GpuAdapterLike } from './gpu_types.js';

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render|warp/i;

/** A short human-readable adapter name, e.g. `NVIDIA H100 (nvidia hopper)` or `llvmpipe (LLVM 15.0.6, 256 bits)`. */
export function adapterName(adapter: GpuAdapterLike): string {
  const info = adapter.info ?? {};
  const main = info.description || info.device || '';
  const arch = [info.vendor, info.architecture].filter((s) => s != null && s !== '').join(' ');
  if (main !== '' && arch !== '') return `${main} (${arch})`;
  return main || arch || 'unknown adapter';
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
