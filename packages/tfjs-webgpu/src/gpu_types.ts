// The slice of the WebGPU API this package touches, typed locally so the
// public declarations need no `@webgpu/types` (the DOM lib has no WebGPU).

/** `GPUAdapterInfo` fields read here. */
export interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** A WebGPU error as reported by `popErrorScope`. */
export interface GpuErrorLike {
  message: string;
}

/** `GPUDevice`, the members used here. */
export interface GpuDeviceLike {
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  queue: unknown;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<GpuErrorLike | null>;
  createShaderModule(descriptor: { code: string; label?: string }): unknown;
  createComputePipeline(descriptor: { label?: string }): unknown;
  createComputePipelineAsync(descriptor: { label?: string }): Promise<unknown>;
  destroy(): void;
  lost?: Promise<{ reason?: string; message?: string }>;
}

/** `GPUDeviceDescriptor`, as far as used. */
export interface GpuDeviceDescriptorLike {
  /** Feature names (tfjs 4.22 puts an array among them: see `flattenRequiredFeatures`). */
  requiredFeatures?: unknown[];
  /** Limits to raise to the adapter's. */
  requiredLimits?: Record<string, number>;
}

/** `GPUAdapter`, the members used here. */
export interface GpuAdapterLike {
  features: { has(name: string): boolean; [Symbol.iterator](): Iterator<string> };
  limits: Record<string, number>;
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestDevice(descriptor?: GpuDeviceDescriptorLike): Promise<GpuDeviceLike>;
}

/** `GPURequestAdapterOptions` (with Dawn's `featureLevel`). */
export interface GpuRequestAdapterOptionsLike {
  /** Which adapter to prefer where there are several. */
  powerPreference?: 'high-performance' | 'low-power';
  /** `compatibility` admits OpenGL ES adapters (Mesa's llvmpipe). */
  featureLevel?: 'core' | 'compatibility';
  /** Ask for the fallback (software) adapter. */
  forceFallbackAdapter?: boolean;
}

/** `navigator.gpu` (or Dawn's `create()` result): what `registerWebGpuBackend`'s `gpu` option takes. */
export interface GpuLike {
  /** Resolves to a `GPUAdapter`, or null when there is none. */
  requestAdapter(options?: GpuRequestAdapterOptionsLike): Promise<object | null>;
}
