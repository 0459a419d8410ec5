import { util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, offsetOf, type Wasm } from '../heap.js';

/** Name of the gradient kernel of `OneDnnBatchNormTrain` (inputs `dy`, `x`, `mean`, `variance`, `gamma`, attr `eps`; outputs dx, dgamma, dbeta). */
export const BATCH_NORM_TRAIN_GRAD = 'OneDnnBatchNormTrainGrad';

/**
 * Gradient of the training batch norm, two passes in JS on the wasm heap:
 * `dbeta = sum(dy)`, `dgamma = sum(dy * xhat)` (float64), then
 * `dx = gamma * inv * (dy - dbeta / m - xhat * dgamma / m)` with
 * `xhat = (x - mean) * inv`, `inv = 1 / sqrt(var + eps)`.
 */
export const batchNormTrainGrad: KernelFunc = (args) => {
  const backend = args.backend as Wasm;
  const { dy, x, mean, variance, gamma } = args.inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; variance: TensorInfo; gamma: TensorInfo };
  const { eps } = args.attrs as NamedAttrMap as unknown as { eps: number };
  util.assert([dy, x, mean, variance, gamma].every((t) => t.dtype === 'float32'), () => `${BATCH_NORM_TRAIN_GRAD} (tfjs-portable): float32 only`);
  util.assert(util.arraysEqual(dy.shape, x.shape), () => `${BATCH_NORM_TRAIN_GRAD} (tfjs-portable): dy [${dy.shape}] and x [${x.shape}] differ`);
  const C = x.shape[x.shape.length - 1] as number;
  const M = util.sizeFromShape(x.shape) / C;
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([C], 'float32');
  const dbeta = backend.makeOutput([C], 'float32');
  const h = heapF32(backend);
  const dyo = offsetOf(backend, dy), xo = offsetOf(backend, x), dxo = offsetOf(backend, dx);
  const mo = offsetOf(backend, mean), vo = offsetOf(backend, variance), go = offsetOf(backend, gamma);
  const mu = new Float64Array(C), inv = new Float64Array(C), sDy = new Float64Array(C), sDyXhat = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    mu[c] = h[mo + c] as number;
    inv[c] = 1 / Math.sqrt((h[vo + c] as number) + eps);
  }
  for (let r = 0, i = 0; r < M; r++) {
    for (let c = 0; c < C; c++, i++) {
      const g = h[dyo + i] as number;
      sDy[c] = (sDy[c] as number) + g;
      sDyXhat[c] = (sDyXhat[c] as number) + g * ((h[xo + i] as number) - (mu[c] as number)) * (inv[c] as number);
    }
  }
  const a = new Float64Array(C), b = new Float64Array(C), k = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    h[offsetOf(backend, dgamma) + c] = sDyXhat[c] as number;
    h[offsetOf(backend, dbeta) + c] = sDy[c] as number;
    // dx = s * (dy - sDy/M - xhat * sDyXhat/M), s = gamma * inv, xhat = (x - mu) * inv
    //    = s * dy - s * inv * sDyXhat/M * x + s * (inv * sDyXhat/M * mu - sDy/M)
    const s = (h[go + c] as number) * (inv[c] as number);
    a[c] = s;
    k[c] = s * (inv[c] as number) * ((sDyXhat[c] as number) / M);
    b[c] = s * ((inv[c] as number) * ((sDyXhat[c] as number) / M) * (mu[c] as number) - (sDy[c] as number) / M);
  }
  for (let r = 0, i = 0; r < M; r++) for (let c = 0; c < C; c++, i++) h[dxo + i] = (a[c] as number) * (h[dyo + i] as number) - (k[c] as number) * (h[xo + i] as number) + (b[c] as number);
  return [dx, dgamma, dbeta];
};

/** Kernel config of {@link batchNormTrainGrad} for `backendName`. @internal */
export const batchNormTrainGradConfig = (backendName: string): KernelConfig => ({ kernelName: BATCH_NORM_TRAIN_GRAD, backendName, kernelFunc: batchNormTrainGrad });
