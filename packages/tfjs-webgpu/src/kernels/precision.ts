import type { GemmPrecision } from './conv3d_gemm_webgpu.js';

/** What the webgpu kernels compute in: `fp32`, or `f16` tiles with f32 accumulation. */
export type WebGpuPrecision = 'fp32' | 'f16';

/** The `precision` option of `registerWebGpuBackend`. */
export type WebGpuPrecisionOption = WebGpuPrecision | 'auto';

/** A resolved precision and the reason for it (for the backend line). */
export interface ResolvedPrecision {
  /** The precision the kernels use. */
  precision: WebGpuPrecision;
  /** Why, in a few words. */
  reason: string;
}

/**
 * Resolves the `precision` option against the adapter: `auto` is `f16` only
 * on a hardware adapter with `shader-f16` (a software adapter gains nothing
 * from f16 and emulates it, if at all); `f16` asked for where the adapter has
 * no `shader-f16` falls back to `fp32` and says so; `fp32` is always honoured.
 *
 * @param requested the option (default `auto`)
 * @param adapter whether the adapter has `shader-f16`, whether it is a software one
 */
export function resolvePrecision(
  requested: WebGpuPrecisionOption | undefined,
  adapter: { shaderF16: boolean; isSoftware: boolean },
): ResolvedPrecision {
  const want = requested ?? 'auto';
  if (want === 'fp32') return { precision: 'fp32', reason: 'fp32 asked for' };
  if (!adapter.shaderF16) {
    return { precision: 'fp32', reason: `${want === 'f16' ? 'f16 asked for but ' : ''}the adapter has no shader-f16` };
  }
  if (want === 'f16') return { precision: 'f16', reason: 'f16 asked for; shader-f16 present (f32 accumulation)' };
  if (adapter.isSoftware) return { precision: 'fp32', reason: 'software adapter (auto uses f16 only on hardware)' };
  return { precision: 'f16', reason: 'auto: hardware adapter with shader-f16 (f32 accumulation)' };
}

let current: GemmPrecision = 'fp32';

/** Sets the precision of the conv GEMM kernels (done by `registerWebGpuBackend`). @internal */
export function setKernelPrecision(p: GemmPrecision): void {
  current = p;
}

/** The precision the conv GEMM kernels run in now. */
export function kernelPrecision(): GemmPrecision {
  return current;
}
