import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { getOneDnnThreads, isOneDnnAvailable, ONEDNN_KERNELS, oneDnnUnavailableReason, oneDnnVersion, registerOneDnnBackend, setOneDnnThreads } from '@byolmed3d/tfjs-onednn';
import { available, onednn, setup } from './helpers.js';

const pkgRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('availability', () => {
  it('reports availability consistently with a one-line reason', () => {
    const reason = oneDnnUnavailableReason();
    expect(isOneDnnAvailable()).toBe(reason === undefined);
    if (reason !== undefined) expect(reason).not.toContain('\n');
  });

  it('TFJS_ONEDNN_DISABLE=1 makes registerOneDnnBackend throw a clear OneDnnError and the pure path still runs', () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import '@tensorflow/tfjs-backend-cpu';",
      "import { registerOneDnnBackend, isOneDnnAvailable, oneDnnUnavailableReason } from './src/index.ts';",
      'let msg = "no error";',
      'try { await registerOneDnnBackend(); } catch (e) { msg = `${e.name}: ${e.message}`; }',
      "await tf.setBackend('cpu');",
      'console.log(JSON.stringify({ available: isOneDnnAvailable(), reason: oneDnnUnavailableReason(), msg, sum: tf.sum(tf.tensor([1, 2, 3])).dataSync()[0] }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: pkgRoot,
      encoding: 'utf8',
      env: { ...process.env, TFJS_ONEDNN_DISABLE: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const line = r.stdout.trim().split('\n').pop() as string;
    const out = JSON.parse(line) as { available: boolean; reason: string; msg: string; sum: number };
    expect(out.available).toBe(false);
    expect(out.reason).toMatch(/TFJS_ONEDNN_DISABLE/);
    expect(out.msg).toMatch(/^OneDnnError: .*TFJS_ONEDNN_DISABLE/);
    expect(out.sum).toBe(6);
  });
});

describe.skipIf(!available)('the onednn backend (skipped when the addon is not built)', () => {
  beforeAll(async () => setup());

  it('registers under a name, idempotently, and replaces the listed kernels', async () => {
    expect(await registerOneDnnBackend({ threads: 2, precision: 'fp32' })).toBe(onednn);
    expect(tf.findBackendFactory(onednn)).toBeTruthy();
    for (const k of ONEDNN_KERNELS) expect(tf.getKernel(k, onednn)?.kernelFunc, k).not.toBe(tf.getKernel(k, 'cpu')?.kernelFunc);
    // Every other cpu kernel is there too.
    const names = new Set(tf.getKernelsForBackend(onednn).map((k) => k.kernelName));
    for (const k of tf.getKernelsForBackend('cpu')) expect(names.has(k.kernelName), k.kernelName).toBe(true);
    expect(oneDnnVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('sets and reports the thread count, rejecting nonsense', () => {
    expect(setOneDnnThreads(1)).toBe(1);
    expect(getOneDnnThreads()).toBe(1);
    expect(setOneDnnThreads(2)).toBe(2);
    expect(() => setOneDnnThreads(0)).toThrow(/positive integer/);
    expect(() => setOneDnnThreads(1.5)).toThrow(/positive integer/);
  });

  it('gives the same result at 1 and 2 threads (primitives cached per thread count)', async () => {
    await tf.setBackend(onednn);
    const run = (threads: number) => {
      setOneDnnThreads(threads);
      return tf.tidy(() => {
        const x = tf.randomNormal([1, 4, 8, 8, 16], 0, 1, 'float32', 3) as tf.Tensor5D;
        const w = tf.randomNormal([3, 3, 3, 16, 8], 0, 1, 'float32', 4) as tf.Tensor5D;
        return Array.from(tf.conv3d(x, w, 1, 'same').dataSync());
      });
    };
    const one = run(1), two = run(2);
    setOneDnnThreads(2);
    for (let i = 0; i < one.length; i += 97) expect(Math.abs((one[i] as number) - (two[i] as number))).toBeLessThan(1e-4);
    await tf.setBackend('cpu');
  });

  it('moves data between cpu and onednn tensors transparently', async () => {
    await tf.setBackend('cpu');
    const a = tf.tensor([1, 2, 3]);
    await tf.setBackend(onednn);
    const b = tf.mul(a, tf.scalar(2));
    expect(Array.from(await b.data())).toEqual([2, 4, 6]);
    tf.dispose([a, b]);
    await tf.setBackend('cpu');
  });
});
