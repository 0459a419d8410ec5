import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OneDnnError } from './errors.js';

/** Functions exported by the compiled addon (`build/Release/tfjs_onednn.node`). @internal */
export interface NativeAddon {
  setThreads(n: number): number;
  getThreads(): number;
  numProcs(): number;
  clearCache(): number;
  version(): string;
  /** The ISA oneDNN dispatches to (after `ONEDNN_MAX_CPU_ISA`) and whether it has native bf16 dot products. */
  cpuIsa(): { isa: string; nativeBf16: boolean };
  /** Compute precision of convolutions and matmuls (process-wide). */
  setPrecision(p: 'fp32' | 'bf16'): void;
  getPrecision(): 'fp32' | 'bf16';
  matmulImpl(dims: number[]): string;
  gemmPeak(dtype: 'bf16' | 'f32', size: number, ms: number): { wall: number; cpu: number; impl: string };
  /** `mode`: `'auto'` (default: im2col + sgemm for convolutions strided in all axes, else the primitive; `TFJS_ONEDNN_CONV_GEMM=0`: always the primitive), `'gemm'` or `'onednn'`. */
  conv3dForward(x: Float32Array, w: Float32Array, y: Float32Array, geometry: number[], mode?: 'auto' | 'gemm' | 'onednn'): void;
  conv3dBackwardData(dy: Float32Array, w: Float32Array, dx: Float32Array, geometry: number[]): void;
  /** `mode`: `'gemm'` (im2col + sgemm, the default) or `'onednn'` (the convolution primitive); default `'gemm'` unless `TFJS_ONEDNN_CONV_GEMM=0`. */
  conv3dBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: number[], mode?: 'gemm' | 'onednn'): void;
  conv3dImpl(geometry: number[]): {
    forward: string;
    backwardData: string;
    backwardWeights: string;
    forwardPath: 'onednn' | 'im2col+sgemm';
    backwardWeightsPath: 'onednn' | 'im2col+sgemm';
    precision: 'fp32' | 'bf16';
  };
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, dims: number[], aStrides: number[], bStrides: number[]): void;
  unary(op: number, x: Float32Array, y: Float32Array, alpha: number): void;
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, middle: number, inner: number): void;
  addN(inputs: Float32Array[], out: Float32Array): void;
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, y: Float32Array, eps: number, channels: number): void;
  copyBox(src: Float32Array, srcShape: number[], srcBegin: number[], dst: Float32Array, dstShape: number[], dstBegin: number[], size: number[]): void;
  fill(out: Float32Array, value: number): void;
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, dims: number[]): void;
  pool3dForward(x: Float32Array, y: Float32Array, geometry: number[]): void;
  pool3dBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, geometry: number[]): void;
  /** y = bn(x) (+ residual) (then ReLU when `relu`). */
  bnTrainForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, channels: number, eps: number, relu?: boolean, residual?: Float32Array | null): void;
  /** `y`: the forward output when it ended in a ReLU (masks the gradient); `dresidual`: receives the residual's gradient. */
  bnTrainBackward(dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, channels: number, eps: number, y?: Float32Array | null, dresidual?: Float32Array | null): void;
  peakGflops(threads: number, ms: number): { wall: number; cpu: number };
  vectorLanes: number;
}

/** Package root: `src/` and `dist/` both sit one level below it. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the build script puts the compiled addon. */
export const addonPath = join(packageRoot, 'build', 'Release', 'tfjs_onednn.node');

/** How to get the addon built, in one line (the same as the build script's). */
const BUILD_HINT =
  'install oneDNN (Debian/Ubuntu: apt-get install libdnnl-dev; Fedora: dnf install onednn-devel; conda: conda install -c conda-forge onednn; or set DNNLROOT), then run: npx tfjs-onednn-build';

let cached: { addon?: NativeAddon; error?: OneDnnError } | undefined;

/**
 * Loads the addon once (unless the environment variable
 * `TFJS_ONEDNN_DISABLE=1` is set, which forces the pure tfjs path). Returns it, or throws a {@link OneDnnError} whose
 * message says in one line why it is unavailable. @internal
 */
export function loadAddon(): NativeAddon {
  if (cached === undefined) {
    if (process.env.TFJS_ONEDNN_DISABLE === '1') {
      cached = { error: new OneDnnError('disabled', 'tfjs-onednn disabled by TFJS_ONEDNN_DISABLE=1') };
    } else if (!existsSync(addonPath)) {
      cached = {
        error: new OneDnnError('addon-missing', `tfjs-onednn addon not built (${addonPath} missing): ${BUILD_HINT}`),
      };
    } else {
      try {
        const req = createRequire(import.meta.url);
        cached = { addon: req(addonPath) as NativeAddon };
      } catch (err) {
        // Typically libdnnl.so removed or moved since the build: the loader's own first line says which file.
        const msg = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
        cached = {
          error: new OneDnnError('addon-load', `tfjs-onednn addon built but failed to load (${msg}): reinstall oneDNN or rebuild with \`npx tfjs-onednn-build --force\``),
        };
      }
    }
  }
  if (cached.error) throw cached.error;
  return cached.addon as NativeAddon;
}

/** True when the native addon is built and loads (oneDNN present). */
export function isOneDnnAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

/**
 * One line saying why the oneDNN kernels are unavailable, or `undefined` when
 * they are available.
 */
export function oneDnnUnavailableReason(): string | undefined {
  try {
    loadAddon();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Version of the oneDNN library the addon runs on (e.g. `2.6.3`), or `undefined` when unavailable. */
export function oneDnnVersion(): string | undefined {
  return isOneDnnAvailable() ? loadAddon().version() : undefined;
}
