import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { canReadSync, flattenRequiredFeatures, registerWebGpuBackend, WebGpuSyncReadError, WebGpuUnavailableError } from '../src/index.js';
import { adapterName, isSoftwareAdapter } from '../src/adapter.js';
import type { GpuAdapterLike, GpuDeviceDescriptorLike, GpuDeviceLike } from '../src/gpu_types.js';
import { requestDeviceFlat } from '../src/workarounds/flatten_features.js';
import { gpu, skipReason } from './helpers.js';

function fakeAdapter(info: GpuAdapterLike['info'], extra: Partial<GpuAdapterLike> = {}): GpuAdapterLike {
  const features = new Set<string>();
  return {
    features,
    limits: {},
    info,
    requestDevice: () => Promise.reject(new Error('fake')),
    ...extra,
  };
}

describe('requiredFeatures flattening (tfjs pushes a nested array, which Dawn can reject)', () => {
  it('flattens nested feature names and drops duplicates', () => {
    expect(flattenRequiredFeatures({ requiredFeatures: ['timestamp-query', ['bgra8unorm-storage'], ['timestamp-query']] }))
      .toEqual({ requiredFeatures: ['timestamp-query', 'bgra8unorm-storage'] });
    expect(flattenRequiredFeatures({ requiredLimits: { a: 1 } })).toEqual({ requiredLimits: { a: 1 } });
  });
  it('a strict device request (every feature a string) accepts what tfjs would have rejected', async () => {
    const seen: GpuDeviceDescriptorLike[] = [];
    const strict = fakeAdapter({}, {
      requestDevice: (d?: GpuDeviceDescriptorLike) => {
        seen.push(d ?? {});
        if (d?.requiredFeatures?.some((f) => typeof f !== 'string')) return Promise.reject(new TypeError('not a GPUFeatureName'));
        return Promise.resolve({} as GpuDeviceLike);
      },
    });
    const tfjsDescriptor = { requiredFeatures: ['timestamp-query', ['bgra8unorm-storage']] };
    await expect(strict.requestDevice(tfjsDescriptor)).rejects.toThrow(TypeError);
    await expect(requestDeviceFlat(strict, tfjsDescriptor)).resolves.toBeDefined();
    expect(seen[1]?.requiredFeatures).toEqual(['timestamp-query', 'bgra8unorm-storage']);
  });
});

describe('adapter classification', () => {
  it('tells software rasterisers from hardware', () => {
    expect(isSoftwareAdapter(fakeAdapter({ device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6' }))).toBe(true);
    expect(isSoftwareAdapter(fakeAdapter({ vendor: 'google', architecture: 'swiftshader', device: 'Subzero' }))).toBe(true);
    expect(isSoftwareAdapter(fakeAdapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }))).toBe(true);
    expect(isSoftwareAdapter(fakeAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200' }))).toBe(false);
    expect(isSoftwareAdapter(fakeAdapter({ vendor: 'x', device: 'y', isFallbackAdapter: true }))).toBe(true);
  });
  it('names an adapter from its info', () => {
    expect(adapterName(fakeAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 570.1' })))
      .toBe('NVIDIA H200 (NVIDIA: 570.1, nvidia hopper)');
    expect(adapterName(fakeAdapter({}))).toBe('unknown adapter');
  });
  it('refuses a software-only navigator.gpu when allowSoftware is false, naming the adapter', async () => {
    const soft = fakeAdapter({ device: 'SwiftShader Device (Subzero)', vendor: 'google', architecture: 'swiftshader' });
    const err = await registerWebGpuBackend({ gpu: { requestAdapter: () => Promise.resolve(soft) }, allowSoftware: false, setBackend: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebGpuUnavailableError);
    expect(String((err as Error).message)).toMatch(/only a software adapter \(SwiftShader/);
  });
  it('reports a gpu without adapters as unavailable', async () => {
    const err = await registerWebGpuBackend({ gpu: { requestAdapter: () => Promise.resolve(null) }, setBackend: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebGpuUnavailableError);
    expect((err as WebGpuUnavailableError).attempts.length).toBeGreaterThan(0);
  });
});

describe.skipIf(gpu.info == null)(`Node setup${skipReason}`, () => {
  it('registered webgpu with the adapter described', async () => {
    const info = await registerWebGpuBackend();
    expect(tf.getBackend()).toBe('webgpu');
    expect(info).toBe(gpu.info);
    expect(info.name).toBe('webgpu');
    expect(info.adapter.name.length).toBeGreaterThan(0);
    expect(typeof info.adapter.isSoftware).toBe('boolean');
    expect(info.runtime).toBe('node');
    expect(info.fastKernels).toBe(true);
  });
  it('a second call with allowSoftware: false refuses a software adapter (never used under auto)', async () => {
    if (!gpu.info!.adapter.isSoftware) return;
    await expect(registerWebGpuBackend({ allowSoftware: false, setBackend: false })).rejects.toThrow(WebGpuUnavailableError);
  });
  it('dataSync() fails with a typed error saying to await data(); data() works', async () => {
    await tf.setBackend('webgpu');
    expect(canReadSync()).toBe(false);
    const before = tf.memory().numTensors;
    // Large enough that tfjs does not forward the multiply to the cpu backend.
    const a = tf.range(0, 4096);
    const two = tf.scalar(2);
    const b = tf.mul(a, two);
    expect(() => b.dataSync()).toThrow(WebGpuSyncReadError);
    expect(() => b.arraySync()).toThrow(/await tensor\.data\(\)/);
    expect(Array.from((await b.data()).subarray(0, 3))).toEqual([0, 2, 4]);
    // Values already read back are cached on the CPU and read synchronously.
    expect(Array.from(b.dataSync().subarray(4093))).toEqual([8186, 8188, 8190]);
    tf.dispose([a, two, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
