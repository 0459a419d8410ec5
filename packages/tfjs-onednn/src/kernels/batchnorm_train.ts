import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { OneDnnError } from '../errors.js';
import { allocF32, f32Of, output } from '../cpu_data.js';

/** Kernel name of the fused training batch norm (outputs y, mean, biased variance). */
export const BATCH_NORM_TRAIN = 'OneDnnBatchNormTrain';
/** Kernel name of its gradient (outputs dx, dgamma, dbeta). */
export const BATCH_NORM_TRAIN_GRAD = 'OneDnnBatchNormTrainGrad';

function need(backend: MathBackendCPU, t: TensorInfo, what: string): Float32Array {
  const v = f32Of(backend, t);
  if (!v) throw new OneDnnError('kernel', `${BATCH_NORM_TRAIN}: ${what} must be float32`);
  return v;
}

/** Fused training batch norm kernels (forward and gradient). @internal */
export function batchNormTrainKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  const fwd: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const { eps } = args.attrs as NamedAttrMap as unknown as { eps: number };
    const C = x.shape[x.shape.length - 1] as number;
    const xv = need(backend, x, 'x'), gv = need(backend, gamma, 'gamma'), bv = need(backend, beta, 'beta');
    const y = allocF32(xv.length), mean = new Float32Array(C), variance = new Float32Array(C);
    addon.bnTrainForward(xv, gv, bv, y, mean, variance, C, eps);
    return [output(backend, [...x.shape], y), output(backend, [C], mean), output(backend, [C], variance)];
  };
  const bwd: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, x, mean, variance, gamma } = args.inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; variance: TensorInfo; gamma: TensorInfo };
    const { eps } = args.attrs as NamedAttrMap as unknown as { eps: number };
    const C = x.shape[x.shape.length - 1] as number;
    const dyv = need(backend, dy, 'dy'), xv = need(backend, x, 'x');
    const dx = allocF32(xv.length), dg = new Float32Array(C), db = new Float32Array(C);
    addon.bnTrainBackward(dyv, xv, need(backend, mean, 'mean'), need(backend, variance, 'variance'), need(backend, gamma, 'gamma'), dx, dg, db, C, eps);
    return [output(backend, [...x.shape], dx), output(backend, [C], dg), output(backend, [C], db)];
  };
  return [
    { kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: fwd },
    { kernelName: BATCH_NORM_TRAIN_GRAD, backendName, kernelFunc: bwd },
  ];
}
