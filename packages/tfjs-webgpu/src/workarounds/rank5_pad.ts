import { getKernel } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { unwrapKernel, wrapKernel } from './kernel_wrap.js';

/** A padding folded to a lower rank by {@link foldPadding}. */
export interface FoldedPadding {
  /** The folded (reshaped) input shape. */
  shape: number[];
  /** The padding of each folded dimension. */
  paddings: [number, number][];
}

/**
 * Folds a rank >= 5 padding into rank 4 or less by merging each dimension
 * whose padding is zero into the dimension before it (channels-last data is
 * contiguous there, so padding the outer one by p pads the merged one by p
 * times the inner size). Returns null when it cannot get to rank 4.
 */
export function foldPadding(
  shape: readonly number[],
  paddings: readonly (readonly [number, number])[],
): FoldedPadding | null {
  const s = [...shape];
  const p = paddings.map(([a, b]) => [a, b] as [number, number]);
  for (let i = s.length - 1; i >= 1 && s.length > 4; i--) {
    const [a, b] = p[i]!;
    if (a !== 0 || b !== 0) continue;
    const inner = s[i]!;
    s[i - 1] = s[i - 1]! * inner;
    p[i - 1] = [p[i - 1]![0] * inner, p[i - 1]![1] * inner];
    s.splice(i, 1);
    p.splice(i, 1);
  }
  return s.length <= 4 ? { shape: s, paddings: p } : null;
}

/**
 * tfjs 4.22's webgpu `PadV2` generates invalid WGSL for rank-5 input
 * ("cannot index type 'vec5'"), which every 3D conv with PyTorch padding
 * hits. This wraps the kernel: rank >= 5 input is padded as a folded rank-4
 * view ({@link foldPadding}), in two passes where one cannot fold.
 */
export function routeRank5Pad(backendName = 'webgpu'): void {
  const reshape = getKernel('Reshape', backendName);
  if (reshape == null) return;
  wrapKernel('PadV2', backendName, (inner): KernelFunc => {
    const pad = (x: TensorInfo, paddings: [number, number][], args: Parameters<KernelFunc>[0]): TensorInfo => {
      const backend = args.backend as KernelBackend;
      const folded = foldPadding(x.shape, paddings);
      if (folded == null) {
        // Every dimension but possibly the first is padded: pad all but the
        // last, then the last (each pass folds; same constant, same result).
        const last = paddings.length - 1;
        const first = pad(x, paddings.map((p, i) => (i === last ? [0, 0] : p)), args);
        const second = pad(first, paddings.map((p, i) => (i === last ? p : [0, 0])), args);
        backend.disposeData(first.dataId);
        return second;
      }
      const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
      const x4 = reshape.kernelFunc({ inputs: { x }, backend, attrs: { shape: folded.shape } }) as TensorInfo;
      const y4 = inner({ ...args, inputs: { x: x4 }, attrs: { ...args.attrs, paddings: folded.paddings } }) as TensorInfo;
      backend.disposeData(x4.dataId);
      const y = reshape.kernelFunc({ inputs: { x: y4 }, backend, attrs: { shape: outShape } }) as TensorInfo;
      backend.disposeData(y4.dataId);
      return y;
    };
    return (args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      if (x.shape.length < 5) return inner(args);
      return pad(x, (args.attrs as unknown as { paddings: [number, number][] }).paddings, args);
    };
  });
}

/** Restores tfjs's own `PadV2` (for tests). */
export function unrouteRank5Pad(backendName = 'webgpu'): void {
  unwrapKernel('PadV2', backendName);
}
