import { WebGpuSyncReadError } from '../errors.js';

interface TensorDataLike {
  values?: unknown;
  dtype: string;
}
interface BackendWithReadSync {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): TensorDataLike | undefined };
}

/** Whether tfjs's synchronous WebGPU read can work here: it needs `OffscreenCanvas`. */
export function canReadSync(): boolean {
  return typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined';
}

/**
 * Where {@link canReadSync} is false (Node), replaces the backend's
 * `readSync` so `dataSync()` / `arraySync()` throw a
 * {@link WebGpuSyncReadError} that says what to do, instead of a bare
 * `ReferenceError: OffscreenCanvas is not defined` from inside tfjs. Values
 * already on the CPU (e.g. a tensor not yet uploaded) are still returned.
 */
export function guardSyncReads(backend: BackendWithReadSync): void {
  if (canReadSync()) return;
  const original = backend.readSync.bind(backend);
  backend.readSync = (dataId: object): unknown => {
    const data = backend.tensorMap.get(dataId);
    if (data != null && (data.values != null || data.dtype === 'string')) return original(dataId);
    throw new WebGpuSyncReadError();
  };
}
