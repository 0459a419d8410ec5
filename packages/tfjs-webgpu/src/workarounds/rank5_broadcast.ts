import { getKernel } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { unwrapKernel, wrapKernel } from './kernel_wrap.js';

/**
 * The webgpu kernels built on tfjs 4.22's `BinaryOpProgram`. With a 1-D
 * operand of length 2 to 127 against a rank >= 5 operand it takes a
 * shared-memory path that indexes a rank-5 coordinate struct (`coords[4]` on
 * `vec5`): invalid WGSL, and the output stays zeros.
 */
export const BINARY_KERNELS: readonly string[] = [
  'Add', 'Atan2', 'Equal', 'FloorDiv', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd',
  'LogicalOr', 'Maximum', 'Minimum', 'Mod', 'Multiply', 'NotEqual', 'Pow', 'RealDiv',
  'SquaredDifference', 'Sub',
];

/** Whether `BinaryOpProgram` would take the broken path for these shapes. */
export function hitsRank5SharedPath(aShape: readonly number[], bShape: readonly number[]): boolean {
  const bad = (vec: readonly number[], other: readonly number[]): boolean =>
    vec.length <= 1 && other.length >= 5 && (vec[0] ?? 1) > 1 && (vec[0] ?? 1) < 128;
  return bad(aShape, bShape) || bad(bShape, aShape);
}

/**
 * Re-registers every kernel of {@link BINARY_KERNELS} for `backendName` with
 * a wrapper that reshapes the 1-D operand to `[1, ..., 1, C]` (the rank of
 * the other operand) whenever {@link hitsRank5SharedPath} holds, which takes
 * tfjs's valid general broadcast path; other shapes go straight through.
 * Idempotent; {@link unrouteRank5Broadcast} restores the originals.
 */
export function routeRank5Broadcast(backendName = 'webgpu'): void {
  const reshape = getKernel('Reshape', backendName);
  if (reshape == null) return;
  for (const name of BINARY_KERNELS) {
    wrapKernel(name, backendName, (inner): KernelFunc => (args) => {
      const { a, b } = args.inputs as { a?: TensorInfo; b?: TensorInfo };
      if (a == null || b == null || !hitsRank5SharedPath(a.shape, b.shape)) return inner(args);
      const vecIsA = a.shape.length <= 1;
      const vec = vecIsA ? a : b;
      const rank = (vecIsA ? b : a).shape.length;
      const shape = [...new Array<number>(rank - 1).fill(1), vec.shape[0] ?? 1];
      const reshaped = reshape.kernelFunc({ inputs: { x: vec }, backend: args.backend, attrs: { shape } }) as TensorInfo;
      try {
        return inner({ ...args, inputs: vecIsA ? { a: reshaped, b } : { a, b: reshaped } });
      } finally {
        (args.backend as KernelBackend).disposeData(reshaped.dataId);
      }
    });
  }
}

/** Restores the kernels {@link routeRank5Broadcast} wrapped (for tests). */
export function unrouteRank5Broadcast(backendName = 'webgpu'): void {
  for (const name of BINARY_KERNELS) unwrapKernel(name, backendName);
}
