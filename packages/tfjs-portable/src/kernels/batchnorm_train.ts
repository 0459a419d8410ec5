import { util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, offsetOf, type Wasm } from '../heap.js';

/**
 * Name of the fused training batch-norm kernel (inputs `x`, `gamma`, `beta`,
 * attr `eps`; outputs y, batch mean, biased batch variance) that
 * `@byolmed3d/resnet3d`'s `batchNormTrain` runs on when the active backend
 * registers it (its `FUSED_BATCH_NORM_TRAIN`; the name comes from the oneDNN
 * package, which registered it first).
 */
export const BATCH_NORM_TRAIN = 'OneDnnBatchNormTrain';

/**
 * Training batch norm over every axis but the last, in JS on the wasm heap:
 * per-channel mean and biased variance in float64 (two passes), then
 * `y = (x - mean) / sqrt(var + eps) * gamma + beta`. Composed of tfjs ops the
 * wasm backend reduces over axis 0 by transposing first, which made the
 * reductions the costliest part of batch norm.
 */
export const batchNormTrain: KernelFunc = (args) => {
  const backend = args.backend as Wasm;
  const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const { eps } = args.attrs as NamedAttrMap as unknown as { eps: number };
  util.assert(x.dtype === 'float32' && gamma.dtype === 'float32' && beta.dtype === 'float32', () => `${BATCH_NORM_TRAIN} (tfjs-portable): float32 only`);
  const C = x.shape[x.shape.length - 1] as number;
  const M = util.sizeFromShape(x.shape) / C;
  util.assert(gamma.shape[0] === C && beta.shape[0] === C, () => `${BATCH_NORM_TRAIN} (tfjs-portable): x has ${C} channels, gamma [${gamma.shape}], beta [${beta.shape}]`);
  const y = backend.makeOutput([...x.shape], 'float32');
  const mean = backend.makeOutput([C], 'float32');
  const variance = backend.makeOutput([C], 'float32');
  const h = heapF32(backend);
  const xo = offsetOf(backend, x), yo = offsetOf(backend, y), go = offsetOf(backend, gamma), bo = offsetOf(backend, beta);
  const mu = new Float64Array(C), v = new Float64Array(C);
  for (let r = 0, i = xo; r < M; r++) for (let c = 0; c < C; c++, i++) mu[c] = (mu[c] as number) + (h[i] as number);
  for (let c = 0; c < C; c++) mu[c] = (mu[c] as number) / M;
  for (let r = 0, i = xo; r < M; r++) {
    for (let c = 0; c < C; c++, i++) {
      const d = (h[i] as number) - (mu[c] as number);
      v[c] = (v[c] as number) + d * d;
    }
  }
  const scale = new Float64Array(C), shift = new Float64Array(C);
  const mo = offsetOf(backend, mean), vo = offsetOf(backend, variance);
  for (let c = 0; c < C; c++) {
    const vc = (v[c] as number) / M;
    h[mo + c] = mu[c] as number;
    h[vo + c] = vc;
    scale[c] = (h[go + c] as number) / Math.sqrt(vc + eps);
    shift[c] = (h[bo + c] as number) - (mu[c] as number) * (scale[c] as number);
  }
  for (let r = 0, i = 0; r < M; r++) for (let c = 0; c < C; c++, i++) h[yo + i] = (h[xo + i] as number) * (scale[c] as number) + (shift[c] as number);
  return [y, mean, variance];
};

/** Kernel config of {@link batchNormTrain} for `backendName`. @internal */
export const batchNormTrainConfig = (backendName: string): KernelConfig => ({ kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: batchNormTrain });
