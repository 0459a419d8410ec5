import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { main, selectBackend } from '@byolmed3d/experiment';

const bin = fileURLToPath(new URL('../bin/byolmed3d.js', import.meta.url));

describe('byolmed3d CLI', () => {
  it('lists the commands in --help', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['--help'])).toBe(0);
    expect(log.mock.calls.flat().join('\n')).toMatch(/Commands:[\s\S]*backend/);
    log.mockRestore();
  });

  it('rejects unknown commands with exit code 2', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['no-such-command'])).toBe(2);
    err.mockRestore();
  });

  it('runs as a built binary', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toContain('Usage: byolmed3d');
  });
});

describe('selectBackend', () => {
  it('falls back to a pure-JS backend when tfjs-node is absent, and can be forced', async () => {
    const auto = await selectBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'onednn', 'portable', 'cpu']).toContain(auto.choice);
    expect(auto.message).toMatch(/^backend: /);
    const cpu = await selectBackend({ backend: 'cpu' });
    expect(cpu.tfBackend).toBe('cpu');
  });

  it('--backend portable runs the wasm backend with the portable Conv3D kernels', async () => {
    const p = await selectBackend({ backend: 'portable' });
    expect(p).toMatchObject({ choice: 'portable', tfBackend: 'wasm', message: 'backend: portable' });
    expect(tf.getBackend()).toBe('wasm');
    // The stock wasm Conv3DBackpropInputV2 is wrong; the portable one gives
    // d/dx sum(conv3d(x, ones 3x3x3)) = the number of output taps covering each voxel.
    const dx = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.conv3d(x as tf.Tensor5D, tf.ones([3, 3, 3, 1, 1]) as tf.Tensor5D, 1, 'same')))(tf.zeros([1, 3, 3, 3, 1])).dataSync());
    expect(Array.from(dx.slice(0, 3))).toEqual([8, 12, 8]);
    expect(dx[13]).toBe(27);
    await selectBackend({ backend: 'cpu' });
  });

  const hasTfjsNode = (() => {
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(hasTfjsNode)('says why a forced backend is unusable', async () => {
    await expect(selectBackend({ backend: 'tensorflow' })).rejects.toThrow(/tensorflow: not installed/);
  });
});
