import * as tf from '@tensorflow/tfjs-core';
import type { BackendValues, DataId, DataType, KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { availableParallelism, totalmem } from 'node:os';
import { loadAddon, type NativeAddon } from './addon.js';
import { OneDnnError } from './errors.js';
import { applyPrecision, type OneDnnPrecision } from './precision.js';
import { outputPool } from './cpu_data.js';
import { convKernels } from './kernels/conv3d.js';
import { eltwiseKernels } from './kernels/eltwise.js';
import { matmulPoolKernels } from './kernels/matmul_pool.js';
import { BATCH_NORM_ACT_TRAIN, BATCH_NORM_ACT_TRAIN_GRAD, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, batchNormTrainKernels } from './kernels/batchnorm_train.js';

/** Name of the tfjs backend registered by {@link registerOneDnnBackend}. */
export const ONEDNN_BACKEND = 'onednn';

/** Options of {@link registerOneDnnBackend}. */
export interface OneDnnBackendOptions {
  /** Threads used by the native kernels (oneDNN and OpenMP loops); default all cores (`os.availableParallelism()`). */
  threads?: number;
  /** Name to register the backend under; default `'onednn'`. */
  name?: string;
  /**
   * Bytes of disposed kernel outputs kept for reuse (saves V8 garbage
   * collections and page faults; 0 turns reuse off); default the smaller of
   * 2 GiB and an eighth of the machine's memory. Process-wide.
   */
  reuseBytes?: number;
  /**
   * Compute precision of convolutions and matmuls: `'fp32'`, `'bf16'` (bf16
   * inputs, fp32 accumulation and outputs) or `'auto'` (bf16 where oneDNN
   * runs it natively, else fp32; see {@link OneDnnPrecision}); default
   * `'auto'`, or the environment variable `TFJS_ONEDNN_PRECISION` when set
   * (`fp32`, `bf16`, `auto`; handy to force a precision under a CLI).
   * Process-wide; {@link getOneDnnInfo} says what was chosen and why.
   */
  precision?: OneDnnPrecision;
}

/**
 * The cpu backend with output-array reuse: the data of a disposed tensor
 * that a native kernel allocated goes back to the pool unless it was read
 * out or aliased (see `BufferPool`).
 */
class OneDnnBackend extends MathBackendCPU {
  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    outputPool.noteWrite(values);
    return super.write(values, shape, dtype);
  }
  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    outputPool.noteWrite(values);
    super.move(dataId, values, shape, dtype, refCount);
  }
  override readSync(dataId: DataId): BackendValues {
    const v = super.readSync(dataId);
    outputPool.noteRead(this.data.get(dataId)?.values);
    return v;
  }
  override async read(dataId: DataId): Promise<BackendValues> {
    return this.readSync(dataId);
  }
  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const done = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) outputPool.release(values);
    return done;
  }
}

/** Names of the kernels this package replaces with native ones (others are the stock cpu kernels). */
export const ONEDNN_KERNELS: readonly string[] = [
  'Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2',
  'Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference', 'Maximum', 'Minimum',
  'Relu', 'Step', 'Neg', 'Square', 'Sqrt', 'Rsqrt', 'Abs', 'Exp', 'Log',
  'Sum', 'Mean', 'AddN', 'FusedBatchNorm', 'PadV2', 'Slice',
  'BatchMatMul', 'MaxPool3D', 'AvgPool3D', 'MaxPool3DGrad', 'AvgPool3DGrad',
];

/** Kernels this package adds under its own names (run by `@byolmed3d/resnet3d`'s `batchNormTrain`). */
export const ONEDNN_EXTRA_KERNELS: readonly string[] = [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, BATCH_NORM_ACT_TRAIN, BATCH_NORM_ACT_TRAIN_GRAD];

const registered = new Set<string>();

/** The kernel configs of the oneDNN backend for `backendName` (overrides only). @internal */
export function oneDnnKernelConfigs(addon: NativeAddon, backendName: string): KernelConfig[] {
  const fallback = (name: string): KernelFunc => {
    const k = tf.getKernel(name, 'cpu');
    if (!k) throw new OneDnnError('kernel', `no cpu kernel '${name}' to fall back on`);
    return k.kernelFunc;
  };
  return [
    ...convKernels(addon, backendName, fallback),
    ...eltwiseKernels(addon, backendName, fallback),
    ...matmulPoolKernels(addon, backendName, fallback),
    ...batchNormTrainKernels(addon, backendName),
  ];
}

/**
 * Sets the number of threads of the native kernels (default all cores).
 * Primitives are cached per thread count, so changing it is cheap after the
 * first step at that count. Returns the count now in effect.
 */
export function setOneDnnThreads(threads?: number): number {
  const n = threads ?? availableParallelism();
  if (!Number.isInteger(n) || n < 1) throw new OneDnnError('options', `threads must be a positive integer, got ${String(threads)}`);
  return loadAddon().setThreads(n);
}

/** Threads the native kernels use now. Throws a {@link OneDnnError} when the addon is unavailable. */
export function getOneDnnThreads(): number {
  return loadAddon().getThreads();
}

/**
 * Registers the `onednn` tfjs backend: the pure-JS cpu backend's storage and
 * kernels, with the hot kernels of 3D ResNet training ({@link ONEDNN_KERNELS})
 * replaced by native ones (oneDNN convolutions, pooling and matmul; OpenMP
 * element-wise ops, reductions and batch norm) that read and write the
 * tensors' Float32Arrays in place, in fp32 or bf16 (`options.precision`). Cases a native kernel does not cover
 * (other dtypes, broadcasts that need more than three runs of axes) run the
 * stock cpu kernel. Returns the backend name to pass to `tf.setBackend`.
 *
 * Throws a {@link OneDnnError} with a one-line reason when the addon is not
 * built or oneDNN is missing (see {@link isOneDnnAvailable}), or when
 * `precision: 'bf16'` is asked for on a CPU where oneDNN cannot run bf16
 * (reason `'unsupported-precision'`; `'auto'` picks fp32 there).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';
 * await tf.setBackend(await registerOneDnnBackend({ threads: 2 }));
 * ```
 */
export async function registerOneDnnBackend(options: OneDnnBackendOptions = {}): Promise<string> {
  const addon = loadAddon();
  setOneDnnThreads(options.threads);
  applyPrecision(options.precision ?? ((process.env.TFJS_ONEDNN_PRECISION as OneDnnPrecision | undefined) || 'auto'));
  const reuse = options.reuseBytes ?? Math.min(2 ** 31, Math.floor(totalmem() / 8));
  if (!(reuse >= 0)) throw new OneDnnError('options', `reuseBytes must be a non-negative number, got ${String(options.reuseBytes)}`);
  outputPool.maxIdleBytes = reuse;
  if (reuse === 0) outputPool.clear();
  const name = options.name ?? ONEDNN_BACKEND;
  if (registered.has(name)) return name;
  tf.registerBackend(
    name,
    () => {
      const b = new OneDnnBackend();
      // The stock backend prints a hint to install tfjs-node on first use: not for us.
      (b as unknown as { firstUse: boolean }).firstUse = false;
      return b;
    },
    // Never picked on its own: the caller sets it.
    0,
  );
  const overrides = oneDnnKernelConfigs(addon, name);
  const overridden = new Set(overrides.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (overridden.has(k.kernelName)) continue;
    if (tf.getKernel(k.kernelName, name)) tf.unregisterKernel(k.kernelName, name);
    tf.registerKernel({ ...k, backendName: name });
  }
  for (const k of overrides) {
    if (tf.getKernel(k.kernelName, name)) tf.unregisterKernel(k.kernelName, name);
    tf.registerKernel(k);
  }
  registered.add(name);
  return name;
}
