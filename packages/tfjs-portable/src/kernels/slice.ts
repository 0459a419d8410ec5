import { slice_util, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { offsetOf, type Wasm } from '../heap.js';

/**
 * Slice of any rank for 4-byte dtypes, copying contiguous runs on the heap.
 * The stock wasm kernel copies the whole input out of the heap and, above
 * rank 4, slices element by element in JS; PadV2's gradient (a rank-5 slice
 * per padded conv of a 3D ResNet) made it one of the costliest ops of a
 * training step.
 */
export function sliceKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as Wasm;
    const { x } = args.inputs as { x: TensorInfo };
    const { begin, size } = args.attrs as NamedAttrMap as unknown as { begin: number | number[]; size: number | number[] };
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return fallback(args);
    const [b, s] = slice_util.parseSliceParams(x as unknown as Parameters<typeof slice_util.parseSliceParams>[0], begin, size) as [number[], number[]];
    slice_util.assertParamsValid(x as unknown as Parameters<typeof slice_util.assertParamsValid>[0], b, s);
    const out = backend.makeOutput(s, x.dtype);
    const n = util.sizeFromShape(s);
    if (n === 0) return out;
    const shape = x.shape, rank = shape.length;
    // Innermost axis d whose trailing axes are whole: each run is s[d] * (product of the trailing sizes).
    let d = rank - 1, inner = 1;
    while (d > 0 && b[d] === 0 && s[d] === shape[d]) {
      inner *= shape[d] as number;
      d--;
    }
    const run = (s[d] as number) * inner;
    const strides = util.computeStrides(shape);
    const stride = (i: number): number => (i < rank - 1 ? (strides[i] as number) : 1);
    const h = new Int32Array((backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer);
    const src0 = offsetOf(backend, x) + b.reduce((acc, bi, i) => acc + bi * stride(i), 0);
    let dst = offsetOf(backend, out);
    const idx = new Array<number>(d).fill(0);
    const runs = n / run;
    for (let k = 0; k < runs; k++) {
      let src = src0;
      for (let i = 0; i < d; i++) src += (idx[i] as number) * stride(i);
      if (run < 32) for (let i = 0; i < run; i++) h[dst + i] = h[src + i] as number;
      else h.copyWithin(dst, src, src + run);
      dst += run;
      for (let i = d - 1; i >= 0; i--) {
        if (++(idx[i] as number) < (s[i] as number)) break;
        idx[i] = 0;
      }
    }
    return out;
  };
}

/** Kernel config of the heap-run Slice for `backendName`, falling back on `fallback` for other dtypes. @internal */
export const sliceConfig = (backendName: string, fallback: KernelFunc): KernelConfig => ({ kernelName: 'Slice', backendName, kernelFunc: sliceKernel(fallback) });
