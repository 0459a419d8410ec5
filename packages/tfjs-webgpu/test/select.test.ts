import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '@byolmed3d/experiment';
import { gpu, skipReason } from './helpers.js';

describe.skipIf(gpu.info == null)(`selectBackend's webgpu candidate${skipReason}`, () => {
  it('auto never picks a software adapter, and says why webgpu was skipped', async () => {
    if (!gpu.info!.adapter.isSoftware) return; // on a hardware adapter auto may pick it
    const sel = await selectBackend({ backend: 'auto' });
    expect(sel.choice).not.toBe('webgpu');
    expect(sel.message).toMatch(/webgpu: .*software adapter/);
  });
  it("backend: 'webgpu' forces it, with the adapter's name in the backend line", async () => {
    const sel = await selectBackend({ backend: 'webgpu' });
    expect(sel.choice).toBe('webgpu');
    expect(sel.tfBackend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(sel.message).toContain(`adapter: ${gpu.info!.adapter.name}`);
    if (gpu.info!.adapter.isSoftware) expect(sel.message).toContain('software');
    // The precision and why (fp32 here unless the adapter is hardware with shader-f16).
    expect(sel.message).toContain(`${gpu.info!.precision}: ${gpu.info!.precisionReason}`);
    expect(sel.precision).toBe(gpu.info!.precision);
  });
});
