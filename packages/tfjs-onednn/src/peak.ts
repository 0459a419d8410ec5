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
