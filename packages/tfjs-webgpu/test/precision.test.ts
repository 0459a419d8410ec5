import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { hoistEnableDirectives, kernelPrecision, resolvePrecision } from '../src/index.js';
import { Conv3dGemmProgram } from '../src/kernels/conv3d_gemm_webgpu.js';
import { setKernelPrecision } from '../src/kernels/precision.js';
import { hoistShaderDirectives } from '../src/workarounds/enable_directives.js';
import type { GpuDeviceLike } from '../src/gpu_types.js';
import { gpu, randomValues, relErr, runOn, skipReason } from './helpers.js';

describe('precision option (no GPU needed)', () => {
  const hw = { shaderF16: true, isSoftware: false };
  it('auto is f16 only on a hardware adapter with shader-f16', () => {
    expect(resolvePrecision(undefined, hw).precision).toBe('f16');
    expect(resolvePrecision('auto', hw).precision).toBe('f16');
    expect(resolvePrecision('auto', { shaderF16: true, isSoftware: true })).toEqual({ precision: 'fp32', reason: 'software adapter (auto uses f16 only on hardware)' });
    expect(resolvePrecision('auto', { shaderF16: false, isSoftware: false })).toEqual({ precision: 'fp32', reason: 'the adapter has no shader-f16' });
  });
  it('f16 falls back to fp32 without shader-f16 and says so; fp32 is always honoured', () => {
    expect(resolvePrecision('f16', { shaderF16: false, isSoftware: false })).toEqual({ precision: 'fp32', reason: 'f16 asked for but the adapter has no shader-f16' });
    expect(resolvePrecision('f16', { shaderF16: true, isSoftware: true }).precision).toBe('f16');
    expect(resolvePrecision('fp32', hw)).toEqual({ precision: 'fp32', reason: 'fp32 asked for' });
  });
});

describe('enable-directive hoisting (no GPU needed)', () => {
  it('moves enable directives to the top once each and leaves other code alone', () => {
    const code = 'struct U { a : f32 };\n  enable f16;\nfn f() {}\nenable f16;\n';
    const out = hoistEnableDirectives(code);
    expect(out.startsWith('enable f16;\n')).toBe(true);
    expect(out.match(/enable f16;/g)).toHaveLength(1);
    expect(out).toContain('struct U { a : f32 };');
    expect(out).toContain('fn f() {}');
    expect(hoistEnableDirectives('fn f() {}')).toBe('fn f() {}');
  });
  it("the device wrapper hands the hoisted code to the device's createShaderModule", () => {
    const seen: string[] = [];
    const device = { createShaderModule: (d: { code: string; label?: string }) => { seen.push(d.code); return { label: d.label }; } } as unknown as GpuDeviceLike;
    hoistShaderDirectives(device);
    const m = device.createShaderModule({ code: 'struct U { a : f32 };\nenable f16;\nfn f() {}', label: 'P' }) as { label: string };
    expect(m.label).toBe('P');
    expect(seen).toEqual(['enable f16;\nstruct U { a : f32 };\n\nfn f() {}']);
  });
  it('does not take identifiers that merely contain the word', () => {
    const code = 'let enabled = 1; // enable f16 later\nfn g() {}';
    expect(hoistEnableDirectives(code)).toBe(code);
  });
});

describe('f16 GEMM WGSL (no GPU needed; compiling it needs a device with shader-f16)', () => {
  const info = tf.backend_util.computeConv3DInfo([1, 4, 8, 8, 16], [3, 3, 3, 16, 32], 1, 1, 'same');
  it('f16 stages f16 tiles, converts each operand to f32 before the f32 fma into f32 accumulators', () => {
    const code = new Conv3dGemmProgram('forward', info, undefined, 'f16').getUserCode();
    expect(code).toContain('enable f16;');
    expect(code).toMatch(/var<workgroup> As : array<array<vec4<f16>, 16>, 16>/);
    expect(code).toMatch(/var<workgroup> Bs : array<array<vec4<f16>, 16>, 16>/);
    expect(code).toContain('var acc : array<vec4<f32>, 8>;');
    expect(code).toContain('let b = vec4<f32>(Bs[kk][tx]);');
    expect(code).toContain('Bs[bK][nq] = vec4<f16>(loadB4(');
    expect(code).toContain('fma(vec4<f32>(a0.x), b, acc[0])');
  });
  it('fp32 code has no f16 at all, and the two have different shader keys', () => {
    const p32 = new Conv3dGemmProgram('backpropFilter', info);
    const p16 = new Conv3dGemmProgram('backpropFilter', info, undefined, 'f16');
    expect(p32.getUserCode()).not.toMatch(/f16/);
    expect(p16.getUserCode()).toContain('As[kk][mq] = vec4<f16>(loadA4(');
    expect(p32.shaderKey).not.toBe(p16.shaderKey);
    expect(p32.precision).toBe('fp32');
  });
});

describe.skipIf(gpu.info == null)(`precision on the adapter here${skipReason}`, () => {
  it('the registration reports the precision and why', () => {
    const info = gpu.info!;
    expect(kernelPrecision()).toBe(info.precision);
    if (info.adapter.isSoftware || !info.shaderF16) expect(info.precision).toBe('fp32');
    expect(info.precisionReason.length).toBeGreaterThan(0);
    console.log(`webgpu precision here: ${info.precision} (${info.precisionReason}); adapter features: ${info.adapter.features.join(', ') || 'none'}`);
  });

  // Runs only on a device with shader-f16 (none here: Dawn's GL backend over
  // llvmpipe has no shader-f16, and Dawn rejects Debian's lavapipe).
  it.skipIf(!gpu.info?.shaderF16)('f16 tiles match fp32 within 1e-2 (operands rounded to f16, f32 accumulation) (SKIPPED without shader-f16)', async () => {
    const xs: [number, number, number, number, number] = [2, 5, 9, 9, 16];
    const ws: [number, number, number, number, number] = [3, 3, 3, 16, 24];
    const xv = randomValues(xs.reduce((a, b) => a * b, 1), 41);
    const wv = randomValues(ws.reduce((a, b) => a * b, 1), 42);
    const fn = () => {
      const x = tf.tensor5d(xv, xs);
      const w = tf.tensor5d(wv, ws);
      const y = tf.conv3d(x, w, 1, 'same');
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same'))))([x, w]);
      return [y, dx!, dw!];
    };
    const before = kernelPrecision();
    try {
      setKernelPrecision('fp32');
      const f32 = await runOn('webgpu', fn);
      setKernelPrecision('f16');
      const f16 = await runOn('webgpu', fn);
      for (let i = 0; i < 3; i++) {
        const e = relErr(f16[i]!, f32[i]!);
        expect(e).toBeLessThan(1e-2);
        expect(e).toBeGreaterThan(0); // f16 really ran: rounding shows
      }
    } finally {
      setKernelPrecision(before);
    }
  });
});
