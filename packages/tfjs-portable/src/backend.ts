import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_CHUNK_FLOATS, setChunkFloats } from './chunk.js';
import { setMatMul } from './heap.js';
import { conv3dConfig } from './kernels/conv3d.js';
import { conv3dBackpropInputConfig } from './kernels/conv3d_backprop_input.js';
import { conv3dBackpropFilterConfig } from './kernels/conv3d_backprop_filter.js';
import { sliceConfig } from './kernels/slice.js';
import { BATCH_NORM_TRAIN, batchNormTrainConfig } from './kernels/batchnorm_train.js';
import { BATCH_NORM_TRAIN_GRAD, batchNormTrainGradConfig } from './kernels/batchnorm_train_grad.js';

/** Name of the tfjs backend the portable kernels run on: tfjs-backend-wasm's `wasm` backend. */
export const PORTABLE_BACKEND = 'wasm';

/** Names of the wasm backend's kernels this package replaces. */
export const PORTABLE_KERNELS: readonly string[] = ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2', 'Slice'];

/** Kernels this package adds to the wasm backend: the fused training batch norm and its gradient that `@byolmed3d/resnet3d` runs on when present. */
export const PORTABLE_EXTRA_KERNELS: readonly string[] = [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD];

/** Options of {@link registerPortableBackend}. */
export interface PortableBackendOptions {
  /**
   * Where the `.wasm` binaries of `@tensorflow/tfjs-backend-wasm` are
   * served from, passed to its `setWasmPaths` (a folder prefix or a map from
   * file name to URL); default unset: tfjs-backend-wasm's own default (next
   * to its script; in Node its package folder). Needed with most bundlers.
   * Takes effect only before the wasm backend first starts.
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Largest column matrix (im2col buffer) a convolution builds at once, in
   * bytes; bigger inputs are processed in chunks of output rows. Default
   * 32 MiB. Process-wide.
   */
  chunkBytes?: number;
}

/** Error thrown for bad {@link PortableBackendOptions} or a wasm backend that cannot start. */
export class PortableBackendError extends Error {
  constructor(message: string) {
    super(`tfjs-portable: ${message}`);
    this.name = 'PortableBackendError';
  }
}

let registered = false;

/**
 * Makes tfjs-backend-wasm's `wasm` backend fast and correct for 3D CNN
 * training: replaces its Conv3D, Conv3DBackpropInputV2 and
 * Conv3DBackpropFilterV2 kernels (slow, and the backprop ones give wrong
 * values in tfjs 4.22) with im2col / col2im in JS on the wasm heap plus the
 * backend's own XNNPACK matmul (WebAssembly SIMD), and its Slice kernel
 * (element by element above rank 4) with one that copies contiguous runs;
 * adds the fused training batch norm kernels that `@byolmed3d/resnet3d`'s
 * `batchNormTrain` runs on ({@link PORTABLE_EXTRA_KERNELS}). Every other op
 * is the stock wasm kernel. No native code: runs in Node and in browsers (one
 * thread in Node; tfjs-backend-wasm's threads where the page allows them).
 *
 * Returns the backend name to activate with `tf.setBackend` (`'wasm'`).
 * Idempotent; later calls only apply new options. Register gradients
 * (e.g. import `@tensorflow/tfjs-layers` or `@tensorflow/tfjs`) to train.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { registerPortableBackend } from '@byolmed3d/tfjs-portable';
 * await tf.setBackend(await registerPortableBackend());
 * ```
 */
export async function registerPortableBackend(options: PortableBackendOptions = {}): Promise<string> {
  const chunk = options.chunkBytes ?? DEFAULT_CHUNK_FLOATS * 4;
  if (!(Number.isFinite(chunk) && chunk >= 4)) throw new PortableBackendError(`chunkBytes must be a number >= 4, got ${String(options.chunkBytes)}`);
  if (options.wasmPaths !== undefined) setWasmPaths(options.wasmPaths);
  setChunkFloats(Math.floor(chunk / 4));
  const mm = tf.getKernel('BatchMatMul', PORTABLE_BACKEND);
  if (!mm) throw new PortableBackendError('@tensorflow/tfjs-backend-wasm registered no BatchMatMul kernel (version mismatch with @tensorflow/tfjs-core?)');
  setMatMul(mm.kernelFunc);
  if (!registered) {
    const stockSlice = tf.getKernel('Slice', PORTABLE_BACKEND);
    if (!stockSlice) throw new PortableBackendError('@tensorflow/tfjs-backend-wasm registered no Slice kernel');
    const configs = [conv3dConfig(PORTABLE_BACKEND), conv3dBackpropInputConfig(PORTABLE_BACKEND), conv3dBackpropFilterConfig(PORTABLE_BACKEND), sliceConfig(PORTABLE_BACKEND, stockSlice.kernelFunc), batchNormTrainConfig(PORTABLE_BACKEND), batchNormTrainGradConfig(PORTABLE_BACKEND)];
    for (const cfg of configs) {
      if (tf.getKernel(cfg.kernelName, PORTABLE_BACKEND)) tf.unregisterKernel(cfg.kernelName, PORTABLE_BACKEND);
      tf.registerKernel(cfg);
    }
    registered = true;
  }
  return Promise.resolve(PORTABLE_BACKEND);
}
