import { WebGpuShaderError } from '../errors.js';
import type { GpuDeviceLike } from '../gpu_types.js';

interface BackendWithRead {
  read(dataId: object): Promise<unknown>;
}

/** What {@link trapShaderErrors} reports. */
export interface ShaderErrorTrap {
  /** Resolves once every shader/pipeline created so far has been checked; rejects with the first error. */
  check(): Promise<void>;
  /** The first recorded error, if any. */
  readonly error: WebGpuShaderError | null;
}

/**
 * WebGPU reports an invalid shader out of band: the dispatch is skipped and
 * the output buffer keeps its zeros (tfjs 4.22's rank-5 broadcast shader,
 * "cannot index type 'vec5'", is one such case). This wraps the device's
 * shader-module and pipeline creation in validation error scopes and patches
 * the backend's async `read` to await them: after any rejected shader every
 * read throws a {@link WebGpuShaderError} naming the program, never returning
 * zeros. A lost device is reported the same way.
 */
export function trapShaderErrors(device: GpuDeviceLike, backend: BackendWithRead): ShaderErrorTrap {
  const pending: Promise<void>[] = [];
  const state: { error: WebGpuShaderError | null } = { error: null };
  const record = (label: string, p: Promise<{ message: string } | null>): void => {
    pending.push(
      p.then(
        (err) => {
          if (err != null && state.error == null) state.error = new WebGpuShaderError(label, err.message);
        },
        (e: unknown) => {
          if (state.error == null) state.error = new WebGpuShaderError(label, String(e));
        },
      ),
    );
  };
  const scoped = <D extends { label?: string }, R>(fn: (d: D) => R) => {
    return (descriptor: D): R => {
      device.pushErrorScope('validation');
      try {
        return fn(descriptor);
      } finally {
        record(descriptor.label ?? 'unlabelled', device.popErrorScope());
      }
    };
  };
  device.createShaderModule = scoped(device.createShaderModule.bind(device));
  device.createComputePipeline = scoped(device.createComputePipeline.bind(device));
  const asyncPipeline = device.createComputePipelineAsync.bind(device);
  device.createComputePipelineAsync = (descriptor) => {
    const p = asyncPipeline(descriptor);
    record(
      descriptor.label ?? 'unlabelled',
      p.then(
        () => null,
        (e: unknown) => ({ message: String(e) }),
      ),
    );
    return p;
  };
  void device.lost?.then((info) => {
    if (state.error == null) state.error = new WebGpuShaderError('device', `device lost: ${info.message ?? info.reason ?? ''}`);
  });
  const check = async (): Promise<void> => {
    while (pending.length > 0) await Promise.all(pending.splice(0));
    if (state.error != null) throw state.error;
  };
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object): Promise<unknown> => {
    await check();
    const values = await read(dataId);
    await check();
    return values;
  };
  return {
    check,
    get error() {
      return state.error;
    },
  };
}
