import { loadAddon } from './addon.js';

/** Result of {@link measureFp32Peak}. */
export interface Fp32Peak {
  /** GFLOP/s over wall-clock time (what the threads got on a shared machine). */
  wall: number;
  /** GFLOP/s per thread's own CPU time, summed over threads: the cores' peak when not shared. */
  cpu: number;
  /** float32 lanes per vector the addon was compiled for (8 = AVX2, 16 = AVX-512). */
  lanes: number;
  /** Threads used. */
  threads: number;
}

/** Options of {@link measureFp32Peak}. */
export interface Fp32PeakOptions {
  /** Threads; default the current oneDNN thread count. */
  threads?: number;
  /** How long to run, in milliseconds; default 500. */
  durationMs?: number;
}

/**
 * Measures the FP32 peak of this machine with a loop of independent fused
 * multiply-adds on the widest vectors the addon was compiled for. Throws a
 * {@link OneDnnError} when the addon is unavailable.
 */
export function measureFp32Peak(options: Fp32PeakOptions = {}): Fp32Peak {
  const addon = loadAddon();
  const threads = options.threads ?? addon.getThreads();
  const r = addon.peakGflops(threads, options.durationMs ?? 500);
  return { wall: r.wall, cpu: r.cpu, lanes: addon.vectorLanes, threads };
}

/** Result of {@link measureGemmPeak}. */
export interface GemmPeak {
  /** GFLOP/s over wall-clock time. */
  wall: number;
  /** GFLOP/s by process CPU time, scaled by the thread count: the cores' rate when not shared. */
  cpu: number;
  /** oneDNN's implementation of the matmul, e.g. `brg:avx512_core_bf16`. */
  impl: string;
  /** Input data type. */
  dtype: 'bf16' | 'f32';
  /** Matrix size (square). */
  size: number;
  /** Threads used (the current oneDNN thread count). */
  threads: number;
}

/** Options of {@link measureGemmPeak}. */
export interface GemmPeakOptions {
  /** Input data type: `'bf16'` (fp32 accumulation and output) or `'f32'`; default `'bf16'`. */
  dtype?: 'bf16' | 'f32';
  /** Square matrix size, 16 to 8192; default 1024. */
  size?: number;
  /** How long to run, in milliseconds; default 500. */
  durationMs?: number;
}

/**
 * Measures a GEMM peak: a square oneDNN matmul (bf16 inputs with fp32
 * accumulation on AVX512-BF16 / AMX kernels where present, or f32) repeated
 * for `durationMs`, at the current oneDNN thread count. Throws a
 * {@link OneDnnError} when the addon is unavailable.
 */
export function measureGemmPeak(options: GemmPeakOptions = {}): GemmPeak {
  const addon = loadAddon();
  const dtype = options.dtype ?? 'bf16';
  const size = options.size ?? 1024;
  const r = addon.gemmPeak(dtype, size, options.durationMs ?? 500);
  return { ...r, dtype, size, threads: addon.getThreads() };
}
