import { backend_util, util, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { allocF32, f32Of, output, sizeOf } from '../cpu_data.js';

/** A broadcast binary op as the addon runs it: out [O, M, I], inputs strided. @internal */
export interface BroadcastPlan {
  /** Output shape (tfjs broadcasting). */
  outShape: number[];
  /** [outer, middle, inner] sizes of the output view. */
  dims: [number, number, number];
  /** Element strides of `a` along the three view axes (0 = broadcast). */
  aStrides: [number, number, number];
  /** Element strides of `b` along the three view axes (0 = broadcast). */
  bStrides: [number, number, number];
}

/**
 * Groups the broadcast of two shapes into at most three runs of axes where
 * each input is either present or broadcast; undefined when more are needed.
 * @internal
 */
export function broadcastPlan(aShape: readonly number[], bShape: readonly number[]): BroadcastPlan | undefined {
  const outShape = backend_util.assertAndGetBroadcastShape([...aShape], [...bShape]);
  const R = outShape.length;
  const pa = [...new Array<number>(R - aShape.length).fill(1), ...aShape];
  const pb = [...new Array<number>(R - bShape.length).fill(1), ...bShape];
  const groups: { size: number; a: boolean; b: boolean }[] = [];
  for (let k = 0; k < R; k++) {
    const o = outShape[k] as number;
    if (o === 1) continue;
    const a = pa[k] === o, b = pb[k] === o;
    const last = groups[groups.length - 1];
    if (last && last.a === a && last.b === b) last.size *= o;
    else groups.push({ size: o, a, b });
  }
  if (groups.length > 3) return undefined;
  while (groups.length < 3) groups.unshift({ size: 1, a: true, b: true });
  const strides = (which: 'a' | 'b'): [number, number, number] => {
    const s: number[] = [0, 0, 0];
    let acc = 1;
    for (let g = 2; g >= 0; g--) {
      const grp = groups[g] as { size: number; a: boolean; b: boolean };
      s[g] = grp[which] ? acc : 0;
      if (grp[which]) acc *= grp.size;
    }
    return s as [number, number, number];
  };
  const dims = groups.map((g) => g.size) as [number, number, number];
  return { outShape, dims, aStrides: strides('a'), bStrides: strides('b') };
}

const binaryOps: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, SquaredDifference: 4, Maximum: 5, Minimum: 6 };
const unaryOps: Record<string, number> = { Relu: 0, Step: 1, Neg: 2, Square: 3, Sqrt: 4, Rsqrt: 5, Abs: 6, Exp: 7, Log: 8 };

/** Reduction view: x as [outer, middle, inner] summed over middle, or undefined. @internal */
export function reducePlan(shape: readonly number[], axes: readonly number[]): [number, number, number] | undefined {
  const red = new Set(axes);
  const groups: { size: number; r: boolean }[] = [];
  for (let k = 0; k < shape.length; k++) {
    const d = shape[k] as number;
    if (d === 1) continue;
    const r = red.has(k);
    const last = groups[groups.length - 1];
    if (last && last.r === r) last.size *= d;
    else groups.push({ size: d, r });
  }
  const nRed = groups.filter((g) => g.r).length;
  if (nRed !== 1) return undefined;
  const at = groups.findIndex((g) => g.r);
  if (groups.length - at > 2 || at > 1) return undefined;
  const outer = at === 1 ? (groups[0] as { size: number }).size : 1;
  const middle = (groups[at] as { size: number }).size;
  const inner = at + 1 < groups.length ? (groups[at + 1] as { size: number }).size : 1;
  return [outer, middle, inner];
}

/** Element-wise, reduction, AddN, batch norm, pad and slice kernels. @internal */
export function eltwiseKernels(addon: NativeAddon, backendName: string, fallback: (name: string) => KernelFunc): KernelConfig[] {
  const out: KernelConfig[] = [];
  /** Registers `f`, called with the kernel's arguments and the cpu-style backend, as `kernelName`. */
  const kernel = (kernelName: string, f: (args: Parameters<KernelFunc>[0], backend: MathBackendCPU) => ReturnType<KernelFunc>): void => {
    out.push({ kernelName, backendName, kernelFunc: (args) => f(args, args.backend as MathBackendCPU) });
  };
  for (const [kernelName, op] of Object.entries(binaryOps)) {
    const kernelFunc: KernelFunc = (args) => {
      const backend = args.backend as MathBackendCPU;
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const av = f32Of(backend, a), bv = f32Of(backend, b);
      const plan = av && bv ? broadcastPlan(a.shape, b.shape) : undefined;
      if (!av || !bv || !plan || sizeOf(plan.outShape) === 0) return fallback(kernelName)(args);
      const y = allocF32(sizeOf(plan.outShape));
      addon.binary(op, av, bv, y, plan.dims, plan.aStrides, plan.bStrides);
      return output(backend, plan.outShape, y);
    };
    out.push({ kernelName, backendName, kernelFunc });
  }
  for (const [kernelName, op] of Object.entries(unaryOps)) {
    const kernelFunc: KernelFunc = (args) => {
      const backend = args.backend as MathBackendCPU;
      const { x } = args.inputs as { x: TensorInfo };
      const xv = f32Of(backend, x);
      if (!xv || xv.length === 0) return fallback(kernelName)(args);
      const alpha = kernelName === 'Step' ? ((args.attrs as { alpha?: number } | undefined)?.alpha ?? 0) : 0;
      const y = allocF32(xv.length);
      addon.unary(op, xv, y, alpha);
      return output(backend, [...x.shape], y);
    };
    out.push({ kernelName, backendName, kernelFunc });
  }
  for (const [kernelName, op] of [['Sum', 0], ['Mean', 1]] as const) {
    const kernelFunc: KernelFunc = (args) => {
      const backend = args.backend as MathBackendCPU;
      const { x } = args.inputs as { x: TensorInfo };
      const { axis, keepDims } = args.attrs as NamedAttrMap as unknown as { axis: number | number[]; keepDims: boolean };
      const xv = f32Of(backend, x);
      const axes = util.parseAxisParam(axis, x.shape);
      const plan = xv && xv.length > 0 ? reducePlan(x.shape, axes) : undefined;
      if (!xv || !plan) return fallback(kernelName)(args);
      const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
      const shape = keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      const y = allocF32(plan[0] * plan[2]);
      addon.reduce(op, xv, y, plan[0], plan[1], plan[2]);
      return output(backend, shape, y);
    };
    out.push({ kernelName, backendName, kernelFunc });
  }
  kernel('AddN', (args, backend) => {
    const ts = args.inputs as unknown as TensorInfo[];
    const vs = ts.map((t) => f32Of(backend, t));
    const first = ts[0];
    if (!first || vs.some((v) => !v) || ts.some((t) => !util.arraysEqual(t.shape, first.shape)) || sizeOf(first.shape) === 0) {
      return fallback('AddN')(args);
    }
    const y = allocF32(sizeOf(first.shape));
    addon.addN(vs as Float32Array[], y);
    return output(backend, [...first.shape], y);
  });
  kernel('FusedBatchNorm', (args, backend) => {
    const { x, mean, variance, offset, scale } = args.inputs as { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo };
    const { varianceEpsilon } = args.attrs as NamedAttrMap as unknown as { varianceEpsilon: number };
    const C = x.shape[x.shape.length - 1] ?? 0;
    // Parameters must broadcast along the last axis only: C or 1 elements, leading dims 1.
    const fits = (t: TensorInfo | undefined): boolean => {
      if (t === undefined) return true;
      const n = sizeOf(t.shape);
      return (n === 1 || (n === C && t.shape[t.shape.length - 1] === C)) && t.shape.length <= x.shape.length;
    };
    const xv = f32Of(backend, x), mv = f32Of(backend, mean), vv = f32Of(backend, variance);
    const ov = offset ? f32Of(backend, offset) : null, sv = scale ? f32Of(backend, scale) : null;
    if (!xv || !mv || !vv || ov === undefined || sv === undefined || C === 0 || xv.length === 0 || ![mean, variance, offset, scale].every(fits)) {
      return fallback('FusedBatchNorm')(args);
    }
    const y = allocF32(xv.length);
    addon.batchNorm(xv, mv, vv, ov, sv, y, varianceEpsilon ?? 0.001, C);
    return output(backend, [...x.shape], y);
  });
  kernel('PadV2', (args, backend) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { paddings, constantValue } = args.attrs as NamedAttrMap as unknown as { paddings: [number, number][]; constantValue: number };
    const xv = f32Of(backend, x);
    if (!xv || xv.length === 0 || x.shape.length === 0 || x.shape.length > 8 || paddings.some(([l, r]) => l < 0 || r < 0)) return fallback('PadV2')(args);
    const outShape = x.shape.map((d, i) => d + (paddings[i]?.[0] ?? 0) + (paddings[i]?.[1] ?? 0));
    const y = allocF32(sizeOf(outShape));
    addon.fill(y, constantValue);
    addon.copyBox(xv, [...x.shape], x.shape.map(() => 0), y, outShape, paddings.map((p) => p[0]), [...x.shape]);
    return output(backend, outShape, y);
  });
  kernel('Slice', (args, backend) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { begin, size } = args.attrs as NamedAttrMap as unknown as { begin: number | number[]; size: number | number[] };
    const xv = f32Of(backend, x);
    if (!xv || x.shape.length === 0 || x.shape.length > 8) return fallback('Slice')(args);
    const [b, s] = backend_util.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    backend_util.slice_util.assertParamsValid(x, b, s);
    // Contiguous slices are cheap views in the stock kernel.
    if (sizeOf(s) === 0 || backend_util.slice_util.isSliceContinous([...x.shape], b, s)) return fallback('Slice')(args);
    const y = allocF32(sizeOf(s));
    addon.copyBox(xv, [...x.shape], b, y, s, s.map(() => 0), s);
    return output(backend, s, y);
  });
  return out;
}
