import { numel, stateDictEntries, type TensorDType, type TensorEntryLike } from './state-dict.js';

/** One tensor in a {@link StateDictSummary}. */
export interface TensorSummary {
  /** State-dict name. */
  name: string;
  /** PyTorch shape. */
  shape: number[];
  /** Element type (as stored). */
  dtype: TensorDType;
  /** Number of elements. */
  numel: number;
  /** Whether it is a buffer (running statistics, `num_batches_tracked`) rather than a parameter. */
  buffer: boolean;
}

/** What {@link describeStateDict} reports. */
export interface StateDictSummary {
  /** Every tensor, in order. */
  tensors: TensorSummary[];
  /** Elements of parameters (PyTorch's `sum(p.numel() for p in model.parameters())` for a full state dict). */
  parameterCount: number;
  /** Elements of buffers (`running_mean`, `running_var`, `num_batches_tracked`). */
  bufferCount: number;
  /** Number of tensors per dtype. */
  dtypes: Partial<Record<TensorDType, number>>;
  /** The tensors as an aligned text table plus a totals line (for `byolmed3d weights inspect`). */
  text: string;
}

const BUFFER_LEAVES = new Set(['running_mean', 'running_var', 'num_batches_tracked']);

function inferDType(e: TensorEntryLike): TensorDType {
  if (e.dtype) return e.dtype;
  if (e.data instanceof BigInt64Array) return 'int64';
  if (e.data instanceof Int32Array) return 'int32';
  if (e.data instanceof Uint8Array) return 'uint8';
  return 'float32';
}

/** Summarises a state dict: names, shapes, dtypes and parameter counts. */
export function describeStateDict(entries: Record<string, TensorEntryLike> | Map<string, TensorEntryLike>): StateDictSummary {
  const tensors: TensorSummary[] = [];
  const dtypes: Partial<Record<TensorDType, number>> = {};
  let parameterCount = 0;
  let bufferCount = 0;
  for (const [name, e] of stateDictEntries(entries)) {
    const n = numel(e.shape);
    const dtype = inferDType(e);
    const buffer = BUFFER_LEAVES.has(name.slice(name.lastIndexOf('.') + 1));
    tensors.push({ name, shape: [...e.shape], dtype, numel: n, buffer });
    dtypes[dtype] = (dtypes[dtype] ?? 0) + 1;
    if (buffer) bufferCount += n;
    else parameterCount += n;
  }
  const w = Math.max(4, ...tensors.map((t) => t.name.length));
  const lines = tensors.map((t) => `${t.name.padEnd(w)}  ${t.dtype.padEnd(8)}  [${t.shape.join(', ')}]`);
  const dtypeList = Object.entries(dtypes)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  lines.push(`${tensors.length} tensors (${dtypeList}); ${parameterCount.toLocaleString('en-US')} parameters, ${bufferCount.toLocaleString('en-US')} buffer elements`);
  return { tensors, parameterCount, bufferCount, dtypes, text: lines.join('\n') };
}
