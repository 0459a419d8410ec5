import type { TensorInfo } from '@tensorflow/tfjs-core';
import { reshape, rowOf } from './backend_ops.js';
import type { WebGpuBackendLike } from './backend_ops.js';
import { BatchNormApplyProgram } from './batchnorm_apply_webgpu.js';
import { BatchNormFinalizeProgram, BatchNormPartialsProgram } from './batchnorm_reduce_webgpu.js';
import type { BatchNormReduceKind } from './batchnorm_reduce_webgpu.js';

/** The operands of one training batch-norm pass sequence, all `[M, C]` views or `[C]` vectors. */
export interface BatchNormPasses {
  /** Inputs of the partial-reduction pass (`[x]`, or `[dy, x, mean]`). */
  reduce: TensorInfo[];
  /** The inputs of the finalize pass after the partials (`[gamma, beta, x]`, or `[variance, gamma]`). */
  finalize: TensorInfo[];
  /** Inputs of the elementwise pass before the coefficients (`[x]`, or `[dy, x, mean]`). */
  apply: TensorInfo[];
  /** Which rows of the finalize output are returned after the elementwise result. */
  rows: [number, number];
}

/**
 * Runs partials, finalize and the elementwise pass of the training batch
 * norm (`stats`) or its gradient (`grad`) on `[M, C]` views and returns the
 * elementwise result reshaped to `outShape` followed by the two requested
 * finalize rows as `[C]` tensors. Disposes every intermediate.
 */
export function runBatchNormPasses(
  kind: BatchNormReduceKind,
  M: number,
  C: number,
  eps: number,
  io: BatchNormPasses,
  outShape: number[],
  backend: WebGpuBackendLike,
): TensorInfo[] {
  const owned: TensorInfo[] = [];
  try {
    const partials = new BatchNormPartialsProgram(kind, M, C);
    const p = backend.runWebGPUProgram(partials, io.reduce, 'float32', partials.uniformData());
    owned.push(p);
    const fin = new BatchNormFinalizeProgram(kind, M, C, partials.layout, eps);
    const coef = backend.runWebGPUProgram(fin, [p, ...io.finalize], 'float32', fin.uniformData());
    owned.push(coef);
    const apply = new BatchNormApplyProgram(kind === 'stats' ? 'forward' : 'dx', M, C);
    const out2 = backend.runWebGPUProgram(apply, [...io.apply, coef], 'float32', apply.uniformData());
    owned.push(out2);
    return [reshape(out2, outShape, backend), rowOf(coef, io.rows[0], backend), rowOf(coef, io.rows[1], backend)];
  } finally {
    for (const t of owned) backend.disposeData(t.dataId);
  }
}
