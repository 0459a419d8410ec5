import { loadAddon, type NativeAddon } from './addon.js';
import { OneDnnError } from './errors.js';

/**
 * Compute precision of the native convolutions (forward, backward-data,
 * backward-weights) and matmuls:
 *
 * - `'fp32'`: float32 throughout.
 * - `'bf16'`: inputs rounded to bfloat16 inside the kernels (fused into the
 *   reorders to oneDNN's blocked layouts), products accumulated in float32,
 *   outputs and weight gradients float32. Tensors stay float32 to tfjs, so
 *   master weights, optimizer state, batch-norm statistics, reductions and
 *   the loss stay float32 (what PyTorch's CPU autocast does).
 * - `'auto'` (default): `'bf16'` where oneDNN runs bf16 natively on this CPU
 *   (ISA `avx512_core_bf16` or `avx512_core_amx`), else `'fp32'`.
 *
 * `'bf16'` on a CPU where oneDNN cannot build bf16 kernels at all (oneDNN 2.x
 * needs `avx512_core` or newer; it emulates bf16 on plain `avx512_core`) is a
 * {@link OneDnnError} with reason `'unsupported-precision'`, never a silent
 * fp32 run.
 */
export type OneDnnPrecision = 'fp32' | 'bf16' | 'auto';

/** What the backend runs on: see {@link getOneDnnInfo}. */
export interface OneDnnInfo {
  /** oneDNN library version, e.g. `2.6.3`. */
  version: string;
  /** ISA oneDNN dispatches to (after `ONEDNN_MAX_CPU_ISA`), e.g. `avx512_core_bf16`, `avx512_core`, `avx2`. */
  isa: string;
  /** Whether that ISA has native bf16 dot products (AVX512_BF16 or AMX). */
  nativeBf16: boolean;
  /**
   * Whether oneDNN can run bf16 kernels here at all, natively or emulated
   * (found once per process by building a tiny bf16 convolution and matmul).
   */
  bf16Supported: boolean;
  /** The precision asked for (`registerOneDnnBackend({ precision })`). */
  requested: OneDnnPrecision;
  /** The precision the kernels compute in. */
  precision: 'fp32' | 'bf16';
  /** Why, in a few words (e.g. `auto: avx512_core_bf16 has native bf16`). */
  reason: string;
  /** Threads of the native kernels. */
  threads: number;
  /** One short label for a backend line, e.g. `onednn (bf16: avx512_core_bf16)`. */
  label: string;
}

let requested: OneDnnPrecision = 'fp32';
let reason = 'default before registerOneDnnBackend';

/**
 * The precision `requested` resolves to on a CPU with `isa`, and why.
 * `bf16Error` is why oneDNN cannot build bf16 kernels here (null when it
 * can): an explicit `'bf16'` then throws, `'auto'` stays fp32. @internal
 */
export function resolvePrecision(req: OneDnnPrecision, isa: string, nativeBf16: boolean, bf16Error: string | null = null): { precision: 'fp32' | 'bf16'; reason: string } {
  if (req === 'fp32') return { precision: 'fp32', reason: 'fp32 requested' };
  if (req === 'bf16') {
    if (bf16Error !== null) {
      throw new OneDnnError('unsupported-precision', `precision 'bf16': oneDNN cannot run bf16 kernels on this CPU (ISA ${isa}; oneDNN 2.x needs avx512_core or newer): ${bf16Error}; use 'fp32' or 'auto'`);
    }
    return nativeBf16
      ? { precision: 'bf16', reason: `bf16 requested; ${isa} has native bf16` }
      : { precision: 'bf16', reason: `bf16 requested; ${isa} has no native bf16, oneDNN emulates it (slow)` };
  }
  if (nativeBf16 && bf16Error === null) return { precision: 'bf16', reason: `auto: ${isa} has native bf16` };
  return { precision: 'fp32', reason: `auto: ${isa} has no native bf16 (needs avx512_core_bf16 or amx)` };
}

let bf16Probe: string | null | undefined;

/**
 * Why oneDNN cannot build bf16 kernels on this CPU, or null when it can:
 * builds a tiny bf16 convolution (the oneDNN primitive, not the GEMM path)
 * and matmul once per process, then restores the precision. @internal
 */
export function bf16Unsupported(addon: NativeAddon): string | null {
  if (bf16Probe !== undefined) return bf16Probe;
  const before = addon.getPrecision();
  try {
    addon.setPrecision('bf16');
    // [1, 4, 4, 4, 8] * [3, 3, 3, 8, 8], stride 1, dilation 1, padding 1 on every side.
    const g = [1, 4, 4, 4, 8, 4, 4, 4, 8, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    addon.conv3dForward(new Float32Array(512), new Float32Array(27 * 64), new Float32Array(512), g, 'onednn');
    addon.matmul(new Float32Array(12), new Float32Array(12), new Float32Array(9), [1, 1, 3, 4, 3, 0, 0]);
    bf16Probe = null;
  } catch (err) {
    bf16Probe = err instanceof Error ? err.message : String(err);
  } finally {
    addon.setPrecision(before);
  }
  return bf16Probe;
}

/** Applies `precision` to the addon (process-wide). @internal */
export function applyPrecision(precision: OneDnnPrecision = 'auto'): void {
  if (precision !== 'fp32' && precision !== 'bf16' && precision !== 'auto') {
    throw new OneDnnError('options', `precision must be 'fp32', 'bf16' or 'auto', got ${String(precision)}`);
  }
  const addon = loadAddon();
  const cpu = addon.cpuIsa();
  const probe = precision === 'bf16' || (precision === 'auto' && cpu.nativeBf16) ? bf16Unsupported(addon) : null;
  const r = resolvePrecision(precision, cpu.isa, cpu.nativeBf16, probe);
  addon.setPrecision(r.precision);
  requested = precision;
  reason = r.reason;
}

/**
 * What the oneDNN kernels run on: library version, the ISA oneDNN
 * dispatches to, the compute precision chosen and why, threads. Throws a
 * {@link OneDnnError} when the addon is unavailable.
 *
 * @example
 * ```ts
 * await tf.setBackend(await registerOneDnnBackend({ precision: 'auto' }));
 * console.log(getOneDnnInfo().label); // "onednn (bf16: avx512_core_bf16)"
 * ```
 */
export function getOneDnnInfo(): OneDnnInfo {
  const addon = loadAddon();
  const cpu = addon.cpuIsa();
  const precision = addon.getPrecision();
  return {
    version: addon.version(),
    isa: cpu.isa,
    nativeBf16: cpu.nativeBf16,
    bf16Supported: bf16Unsupported(addon) === null,
    requested,
    precision,
    reason,
    threads: addon.getThreads(),
    label: `onednn (${precision}: ${cpu.isa})`,
  };
}

/**
 * Switches the compute precision of the native kernels (process-wide, takes
 * effect at the next kernel; primitives are cached per precision) and
 * returns {@link getOneDnnInfo}. `registerOneDnnBackend({ precision })` does
 * the same at registration. Throws a {@link OneDnnError} when the addon is
 * unavailable, `precision` is not one of `'fp32'`, `'bf16'`, `'auto'`, or
 * it is `'bf16'` on a CPU where oneDNN cannot run bf16 (reason
 * `'unsupported-precision'`; the precision stays as it was).
 */
export function setOneDnnPrecision(precision: OneDnnPrecision): OneDnnInfo {
  applyPrecision(precision);
  return getOneDnnInfo();
}
