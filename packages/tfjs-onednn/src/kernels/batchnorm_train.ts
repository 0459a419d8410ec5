import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { OneDnnError } from '../errors.js';
import { allocF32, f32Of, output } from '../cpu_data.js';

/** Kernel name of the fused training batch norm (outputs y, mean, biased variance). */
export const BATCH_NORM_TRAIN = 'OneDnnBatchNormTrain';
/** Kernel name of its gradient (outputs dx, dgamma, dbeta). */
export const BATCH_NORM_TRAIN_GRAD = 'OneDnnBatchNormTrainGrad';
/**
 * Kernel name of the fused training batch norm with an optional residual
 * input and ReLU: `y = relu?(bn(x) + residual?)` (inputs `x`, `gamma`,
 * `beta`, optional `residual`; attrs `eps`, `relu`; outputs y, mean, biased
 * variance). Only the onednn backend registers it.
 */
export const BATCH_NORM_ACT_TRAIN = 'OneDnnBatchNormActTrain';
/**
 * Its gradient (inputs `dy`, `x`, `mean`, `variance`, `gamma`, and `y` when
 * `relu`; attrs `eps`, `relu`, `residual`; outputs dx, dgamma, dbeta and,
 * with `residual`, the residual's gradient).
 */
export const BATCH_NORM_ACT_TRAIN_GRAD = 'OneDnnBatchNormActTrainGrad';

function need(backend: MathBackendCPU, t: TensorInfo, what: string): Float32Array {
  const v = f32Of(backend, t);
  if (!v) throw new OneDnnError('kernel', `${BATCH_NORM_TRAIN}: ${what} must be float32`);
  return v;
}

interface BnAttrs {
  eps: number;
  relu?: boolean;
  residual?: boolean;
}

/** Fused training batch norm kernels (forward and gradient, plain and with residual / ReLU). @internal */
export function batchNormTrainKernels(addon: NativeAddon, backendName: string): KernelConfig[] {
  const fwd: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { x, gamma, beta, residual } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo; residual?: TensorInfo };
    const { eps, relu = false } = args.attrs as NamedAttrMap as unknown as BnAttrs;
    const C = x.shape[x.shape.length - 1] as number;
    const xv = need(backend, x, 'x'), gv = need(backend, gamma, 'gamma'), bv = need(backend, beta, 'beta');
    const rv = residual ? need(backend, residual, 'residual') : null;
    if (rv && rv.length !== xv.length) throw new OneDnnError('kernel', `${BATCH_NORM_ACT_TRAIN}: residual [${residual?.shape.join(',') ?? ''}] must have the shape of x [${x.shape.join(',')}]`);
    const y = allocF32(xv.length), mean = new Float32Array(C), variance = new Float32Array(C);
    addon.bnTrainForward(xv, gv, bv, y, mean, variance, C, eps, relu, rv);
    return [output(backend, [...x.shape], y), output(backend, [C], mean), output(backend, [C], variance)];
  };
  const bwd: KernelFunc = (args) => {
    const backend = args.backend as MathBackendCPU;
    const { dy, x, mean, variance, gamma, y } = args.inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; variance: TensorInfo; gamma: TensorInfo; y?: TensorInfo };
    const { eps, relu = false, residual = false } = args.attrs as NamedAttrMap as unknown as BnAttrs;
    const C = x.shape[x.shape.length - 1] as number;
    const dyv = need(backend, dy, 'dy'), xv = need(backend, x, 'x');
    if (relu && !y) throw new OneDnnError('kernel', `${BATCH_NORM_ACT_TRAIN_GRAD}: relu needs the forward output y`);
    const yv = relu && y ? need(backend, y, 'y') : null;
    const dx = allocF32(xv.length), dg = new Float32Array(C), db = new Float32Array(C);
    const dr = residual ? allocF32(xv.length) : null;
    addon.bnTrainBackward(dyv, xv, need(backend, mean, 'mean'), need(backend, variance, 'variance'), need(backend, gamma, 'gamma'), dx, dg, db, C, eps, yv, dr);
    const outs = [output(backend, [...x.shape], dx), output(backend, [C], dg), output(backend, [C], db)];
    if (dr) outs.push(output(backend, [...x.shape], dr));
    return outs;
  };
  return [
    { kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: fwd },
    { kernelName: BATCH_NORM_TRAIN_GRAD, backendName, kernelFunc: bwd },
    { kernelName: BATCH_NORM_ACT_TRAIN, backendName, kernelFunc: fwd },
    { kernelName: BATCH_NORM_ACT_TRAIN_GRAD, backendName, kernelFunc: bwd },
  ];
}
