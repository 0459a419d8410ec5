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
  requiredFeatures?: unknown[];
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
  powerPreference?: 'high-performance' | 'low-power';
  featureLevel?: 'core' | 'compatibility';
  forceFallbackAdapter?: boolean;
}

/** `navigator.gpu`. */
export interface GpuLike {
  requestAdapter(options?: GpuRequestAdapterOptionsLike): Promise<GpuAdapterLike | null>;
}
