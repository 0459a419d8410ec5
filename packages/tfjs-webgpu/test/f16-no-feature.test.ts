import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { WebGpuShaderError } from '../src/index.js';
import { setKernelPrecision } from '../src/kernels/precision.js';
import { gpu, randomValues, skipReason } from './helpers.js';

// Its own file: a rejected shader makes every later read of this process's
// backend throw (by design), which would spoil other suites.
describe.skipIf(gpu.info == null || gpu.info.shaderF16)(`f16 kernels forced on a device without shader-f16${skipReason}`, () => {
  it('fail loudly with a WebGpuShaderError about f16 (the directive was hoisted and parsed), never zeros', async () => {
    await tf.setBackend('webgpu');
    setKernelPrecision('f16');
    try {
      const x = tf.tensor5d(randomValues(1 * 4 * 6 * 6 * 4, 51), [1, 4, 6, 6, 4]);
      const w = tf.tensor5d(randomValues(3 * 3 * 3 * 4 * 8, 52), [3, 3, 3, 4, 8]);
      const y = tf.conv3d(x, w, 1, 'same');
      const err = await y.data().then(
        () => null,
        (e: unknown) => e,
      );
      tf.dispose([x, w, y]);
      expect(err).toBeInstanceOf(WebGpuShaderError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/f16/);
      // Not the error an unhoisted directive gives (directives after declarations).
      expect(msg).not.toMatch(/directive.*(before|after)|must come before|unexpected.*enable/i);
      console.log(`f16 without shader-f16: ${msg.split('\n').slice(0, 3).join(' | ')}`);
    } finally {
      setKernelPrecision('fp32');
    }
  });
});
