import { backend_util, getKernel, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';

/** The webgpu backend methods these kernels use. */
export interface WebGpuBackendLike extends KernelBackend {
  runWebGPUProgram(
    program: unknown,
    inputs: TensorInfo[],
    outputDtype: 'float32',
    programDefinedUniform?: { type: string; data: number[] }[],
  ): TensorInfo;
}

/** Runs another kernel registered for the webgpu backend. */
export function runKernel(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap, backend: KernelBackend): TensorInfo {
  const k = getKernel(name, 'webgpu');
  util.assert(k != null, () => `tfjs-webgpu: kernel ${name} is not registered for webgpu`);
  return k.kernelFunc({ inputs, attrs, backend }) as TensorInfo;
}

/** A free view of `x` with another shape (reshape is metadata-only on webgpu). */
export function reshape(x: TensorInfo, shape: number[], backend: KernelBackend): TensorInfo {
  return runKernel('Reshape', { x }, { shape }, backend);
}

/** Row `r` of a 2-D `[rows, C]` tensor as a new `[C]` tensor. */
export function rowOf(x: TensorInfo, r: number, backend: KernelBackend): TensorInfo {
  const c = x.shape[1] as number;
  const s = runKernel('Slice', { x }, { begin: [r, 0], size: [1, c] }, backend);
  const out = reshape(s, [c], backend);
  backend.disposeData(s.dataId);
  return out;
}

type Shape5 = [number, number, number, number, number];

/** `computeConv3DInfo` for NDHWC input of `inShape` and a `[fD, fH, fW, Cin, Cout]` filter. */
export function conv3dInfo(
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number, number],
  dilations: number | [number, number, number],
  pad: 'valid' | 'same',
): backend_util.Conv3DInfo {
  return backend_util.computeConv3DInfo([...inShape] as Shape5, [...filterShape] as Shape5, strides, dilations, pad);
}

/** Rows of the `[N*D*H*W, Cin]` view of a convolution's input. */
export function inputRows(info: backend_util.Conv3DInfo): number {
  return info.batchSize * info.inDepth * info.inHeight * info.inWidth;
}

/** Rows of the `[N*OD*OH*OW, Cout]` view of a convolution's output (or its gradient). */
export function outputRows(info: backend_util.Conv3DInfo): number {
  return info.batchSize * info.outDepth * info.outHeight * info.outWidth;
}
