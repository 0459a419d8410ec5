import { engine, registerBackend, removeBackend, setBackend } from '@tensorflow/tfjs-core';
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { adapterName, isSoftwareAdapter } from './adapter.js';
import { WebGpuUnavailableError } from './errors.js';
import type { GpuAdapterLike, GpuDeviceLike, GpuLike, GpuRequestAdapterOptionsLike } from './gpu_types.js';
import { registerWebGpuKernels } from './kernels/register_kernels.js';
import { resolvePrecision, setKernelPrecision } from './kernels/precision.js';
import type { WebGpuPrecision, WebGpuPrecisionOption } from './kernels/precision.js';
import { hoistShaderDirectives } from './workarounds/enable_directives.js';
import { requestDeviceFlat } from './workarounds/flatten_features.js';
import { routeRank5Broadcast } from './workarounds/rank5_broadcast.js';
import { routeRank5Pad } from './workarounds/rank5_pad.js';
import { trapShaderErrors } from './workarounds/shader_errors.js';
import type { ShaderErrorTrap } from './workarounds/shader_errors.js';
import { guardSyncReads } from './workarounds/sync_read_guard.js';

/** Options of {@link registerWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /**
   * Dawn instance flags in Node (ignored in browsers). Default: first `[]`
   * (Dawn's default backend: Vulkan on Linux, Metal, D3D12) with feature
   * level `core`, then `['backend=opengles']` with feature level
   * `compatibility` (Mesa's llvmpipe and other GL drivers; sets
   * `EGL_PLATFORM=surfaceless` when unset).
   */
  dawnFlags?: string[];
  /** Feature level to ask for; default `core` for the first try, `compatibility` for OpenGL ES. */
  featureLevel?: 'core' | 'compatibility';
  /** Adapter preference. Default `high-performance`. */
  powerPreference?: 'high-performance' | 'low-power';
  /** Accept a software (CPU) adapter such as llvmpipe or SwiftShader. Default `true`; `selectBackend`'s `auto` passes `false`. */
  allowSoftware?: boolean;
  /** Register this package's fast kernels (tiled implicit-GEMM Conv3D and gradients, fused training batch norm and its gradient). Default `true`. */
  fastKernels?: boolean;
  /** Ask for `shader-f16` when the adapter has it (needed by `precision` `f16`). Default `true`. */
  f16?: boolean;
  /**
   * Compute precision of this package's conv kernels: `fp32`; `f16` (tiles
   * of f16 operands with f32 accumulation; falls back to fp32, saying so in
   * `precisionReason`, where the adapter has no `shader-f16`); or `auto`
   * (f16 only on a hardware adapter with `shader-f16`). Default `auto`.
   */
  precision?: WebGpuPrecisionOption;
  /** Backend priority passed to `tf.registerBackend`. Default `3` (above cpu's 1, below a native GPU binding's). */
  priority?: number;
  /** Make it the active backend (`await tf.setBackend('webgpu')`). Default `true`. */
  setBackend?: boolean;
  /** A `navigator.gpu`-like object to use instead of the runtime's (tests, custom Dawn builds). */
  gpu?: GpuLike;
}

/** The adapter a {@link registerWebGpuBackend} call ended up on. */
export interface WebGpuAdapterSummary {
  /** Human-readable name (description, vendor, architecture). */
  name: string;
  /** A CPU rasteriser (llvmpipe, lavapipe, SwiftShader, WARP, fallback adapter). */
  isSoftware: boolean;
  /** The adapter's features. */
  features: string[];
}

/** What {@link registerWebGpuBackend} returns. */
export interface WebGpuBackendInfo {
  /** The tfjs backend name: always `webgpu`. */
  name: 'webgpu';
  /** The adapter in use. */
  adapter: WebGpuAdapterSummary;
  /** `node` (Dawn through the `webgpu` package) or `browser` (`navigator.gpu`). */
  runtime: 'node' | 'browser';
  /** The Dawn flags that produced the adapter (Node only). */
  dawnFlags?: string[];
  /** The feature level the adapter was requested with. */
  featureLevel: 'core' | 'compatibility';
  /** Whether the device was created with `shader-f16`. */
  shaderF16: boolean;
  /** Whether this package's fast kernels are registered. */
  fastKernels: boolean;
  /** What the conv kernels compute in (`fp32` also when the fast kernels are off). */
  precision: WebGpuPrecision;
  /** Why that precision, for the backend line (e.g. `the adapter has no shader-f16`). */
  precisionReason: string;
}

interface Registered {
  info: WebGpuBackendInfo;
  trap: ShaderErrorTrap;
  device: GpuDeviceLike;
}
let registered: Registered | null = null;

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return p?.versions?.node != null;
}

function browserGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

async function loadDawn(): Promise<DawnModule> {
  const spec = 'webgpu';
  try {
    return (await import(/* @vite-ignore */ spec)) as DawnModule;
  } catch (e) {
    throw new WebGpuUnavailableError(
      `WebGPU in Node needs the optional dependency 'webgpu' (Dawn's dawn.node): npm install webgpu@^0.6.2 (${(e as Error).message})`,
    );
  }
}

/** Installs Dawn's globals (`GPUBufferUsage`, ...) and `navigator.gpu`, keeping any that exist. */
function installNodeGlobals(dawn: DawnModule, gpu: GpuLike): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v;
  if (g.navigator == null) g.navigator = {};
  Object.defineProperty(g.navigator as object, 'gpu', { value: gpu, configurable: true, writable: true });
}

/**
 * On Linux, whether any GPU device node exists (`/dev/dri/*`, `/dev/nvidia*`):
 * without one Dawn's default (Vulkan) backend can only find a software driver
 * and prints Vulkan errors while trying. `undefined` elsewhere.
 */
async function linuxHasGpuDeviceNodes(): Promise<boolean | undefined> {
  const p = (globalThis as { process?: { platform?: string } }).process;
  if (p?.platform !== 'linux') return undefined;
  try {
    const fsName = 'node:fs';
    const fs = (await import(/* @vite-ignore */ fsName)) as { existsSync(p: string): boolean; readdirSync(p: string): string[] };
    if (fs.existsSync('/dev/dri') && fs.readdirSync('/dev/dri').length > 0) return true;
    return fs.readdirSync('/dev').some((n) => n.startsWith('nvidia'));
  } catch {
    return undefined;
  }
}

interface Found {
  gpu: GpuLike;
  adapter: GpuAdapterLike;
  flags?: string[];
  featureLevel: 'core' | 'compatibility';
}

async function findAdapter(options: WebGpuBackendOptions): Promise<Found> {
  const attempts: string[] = [];
  const powerPreference = options.powerPreference ?? 'high-performance';
  const ask = async (gpu: GpuLike, featureLevel: 'core' | 'compatibility', what: string, flags?: string[]) => {
    const req: GpuRequestAdapterOptionsLike = { powerPreference, featureLevel };
    let adapter: GpuAdapterLike | null = null;
    try {
      adapter = (await gpu.requestAdapter(req)) as GpuAdapterLike | null;
    } catch (e) {
      attempts.push(`${what}: ${(e as Error).message}`);
      return null;
    }
    if (adapter == null) {
      attempts.push(`${what}: no adapter`);
      return null;
    }
    if (options.allowSoftware === false && isSoftwareAdapter(adapter)) {
      attempts.push(`${what}: only a software adapter (${adapterName(adapter)})`);
      return null;
    }
    return { gpu, adapter, featureLevel, ...(flags ? { flags } : {}) } satisfies Found;
  };
  if (options.gpu != null || !isNode() || browserGpu() != null) {
    const gpu = options.gpu ?? browserGpu();
    if (gpu == null) throw new WebGpuUnavailableError('this browser has no navigator.gpu (WebGPU disabled or unsupported)');
    const found =
      (await ask(gpu, options.featureLevel ?? 'core', 'navigator.gpu')) ??
      (options.featureLevel == null ? await ask(gpu, 'compatibility', 'navigator.gpu compatibility') : null);
    if (found == null) throw new WebGpuUnavailableError('no usable WebGPU adapter', attempts);
    return found;
  }
  const gpuNodes = await linuxHasGpuDeviceNodes();
  if (gpuNodes === false && options.dawnFlags == null) attempts.push('dawn []: skipped (no /dev/dri or /dev/nvidia* device)');
  // Without a GPU device node every adapter Dawn could open is a software one:
  // when those are not wanted, do not start Dawn at all (it prints warnings to
  // stderr while probing, ahead of the caller's own first line).
  if (gpuNodes === false && options.dawnFlags == null && options.allowSoftware === false) {
    attempts.push('dawn [backend=opengles]: skipped (no GPU device node, so only a software adapter is possible)');
    throw new WebGpuUnavailableError('Dawn found no usable WebGPU adapter', attempts);
  }
  const dawn = await loadDawn();
  const tries: { flags: string[]; featureLevel: 'core' | 'compatibility' }[] =
    options.dawnFlags != null
      ? [{ flags: options.dawnFlags, featureLevel: options.featureLevel ?? (options.dawnFlags.some((f) => /opengl/.test(f)) ? 'compatibility' : 'core') }]
      : [
          ...(gpuNodes === false ? [] : [{ flags: [], featureLevel: options.featureLevel ?? ('core' as const) }]),
          { flags: ['backend=opengles'], featureLevel: options.featureLevel ?? 'compatibility' },
        ];
  for (const t of tries) {
    const proc = (globalThis as { process?: { env: Record<string, string | undefined> } }).process;
    if (t.flags.some((f) => /opengl/.test(f)) && proc != null) {
      if (!proc.env.EGL_PLATFORM) proc.env.EGL_PLATFORM = 'surfaceless';
    }
    let gpu: GpuLike;
    try {
      gpu = dawn.create(t.flags);
    } catch (e) {
      attempts.push(`dawn [${t.flags.join(',')}]: ${(e as Error).message}`);
      continue;
    }
    const found = await ask(gpu, t.featureLevel, `dawn [${t.flags.join(',')}]`, t.flags);
    if (found != null) {
      installNodeGlobals(dawn, gpu);
      return found;
    }
  }
  throw new WebGpuUnavailableError('Dawn found no usable WebGPU adapter', attempts);
}

/**
 * Sets up tfjs's webgpu backend in Node (Dawn, through the optional `webgpu`
 * package) or in a browser (`navigator.gpu`) with every known workaround of
 * tfjs 4.22 applied, registers this package's fast kernels, and (by default)
 * makes it the active backend.
 *
 * Workarounds owned here: the device is requested with flattened
 * `requiredFeatures` (Dawn rejects tfjs's nested array); Node gets Dawn's
 * globals and `navigator.gpu` before the backend loads; in Node, where
 * `dataSync()` cannot work (no `OffscreenCanvas`), it throws a
 * `WebGpuSyncReadError` that says to `await tensor.data()`; rank-5 broadcasts
 * against a 1-D operand of length 2..127 are reshaped around tfjs's broken
 * shader; and any shader the GPU rejects makes the next read throw a
 * `WebGpuShaderError` instead of returning zeros.
 *
 * Calling it again (without `gpu`) returns the first call's result.
 *
 * @throws WebGpuUnavailableError when no adapter (or no hardware adapter, with
 *   `allowSoftware: false`) or device can be had.
 */
export async function registerWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackendInfo> {
  if (registered != null && options.gpu == null && engine().registryFactory.webgpu != null) {
    if (options.allowSoftware === false && registered.info.adapter.isSoftware) {
      throw new WebGpuUnavailableError('the registered webgpu backend runs on a software adapter', [registered.info.adapter.name]);
    }
    if (options.setBackend !== false) await setBackend('webgpu');
    return registered.info;
  }
  const found = await findAdapter(options);
  const { adapter } = found;
  const wantF16 = options.f16 !== false && adapter.features.has('shader-f16');
  const limits = adapter.limits;
  const limitNames = [
    'maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize',
    'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const n of limitNames) if (typeof limits[n] === 'number') requiredLimits[n] = limits[n];
  let device: GpuDeviceLike;
  try {
    device = await requestDeviceFlat(adapter, { requiredFeatures: wantF16 ? ['shader-f16'] : [], requiredLimits });
  } catch (e) {
    throw new WebGpuUnavailableError(`the adapter ${adapterName(adapter)} refused a device: ${(e as Error).message}`);
  }
  // tfjs writes its declarations first; WGSL wants `enable f16;` before them.
  hoistShaderDirectives(device);
  // Only now load the backend: in Node it must see navigator.gpu and Dawn's globals.
  const { WebGPUBackend } = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as {
    WebGPUBackend: new (device: unknown, info?: unknown) => KernelBackend;
  };
  const backend = new WebGPUBackend(device, adapter.info);
  guardSyncReads(backend as unknown as Parameters<typeof guardSyncReads>[0]);
  const trap = trapShaderErrors(device, backend as unknown as Parameters<typeof trapShaderErrors>[1]);
  // Never findBackend('webgpu') here: it would run tfjs's own factory, which fails in Node.
  if (engine().registryFactory.webgpu != null) removeBackend('webgpu');
  registerBackend('webgpu', () => backend, options.priority ?? 3);
  routeRank5Broadcast('webgpu');
  routeRank5Pad('webgpu');
  const fastKernels = options.fastKernels !== false;
  const resolved = !fastKernels
    ? { precision: 'fp32' as const, reason: 'fast kernels off' }
    : options.f16 === false && options.precision !== 'fp32'
      ? { precision: 'fp32' as const, reason: 'shader-f16 not requested (f16: false)' }
      : resolvePrecision(options.precision, { shaderF16: wantF16, isSoftware: isSoftwareAdapter(adapter) });
  setKernelPrecision(resolved.precision);
  if (fastKernels) registerWebGpuKernels();
  const info: WebGpuBackendInfo = {
    name: 'webgpu',
    adapter: { name: adapterName(adapter), isSoftware: isSoftwareAdapter(adapter), features: [...adapter.features].sort() },
    runtime: found.flags != null ? 'node' : 'browser',
    ...(found.flags != null ? { dawnFlags: found.flags } : {}),
    featureLevel: found.featureLevel,
    shaderF16: wantF16,
    fastKernels,
    precision: resolved.precision,
    precisionReason: resolved.reason,
  };
  registered = { info, trap, device };
  if (options.setBackend !== false) await setBackend('webgpu');
  return info;
}

/**
 * Resolves when every shader compiled so far on the registered webgpu
 * backend was accepted; rejects with the first `WebGpuShaderError`. Reads
 * (`await tensor.data()`) already do this check; call it to check without
 * reading.
 */
export async function checkWebGpuShaders(): Promise<void> {
  if (registered == null) return;
  await registered.trap.check();
}
