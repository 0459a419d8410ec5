import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { createVideoResNet } from '@byolmed3d/resnet3d';
import { defaultConfig, exportEncoder, exportEncoderAsync, mergeConfig } from '@byolmed3d/experiment';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('exportEncoderAsync', () => {
  it('writes the same files as exportEncoder (after a training-mode pass), and refuses NaN weights naming the tensor', async () => {
    const cfg = mergeConfig(defaultConfig(), { model: { widthMultiplier: 0.0625 }, data: { channels: 1 } });
    const enc = createVideoResNet('r3d_18', { numClasses: 0, widthMultiplier: 0.0625, inChannels: 1, seed: 3 });
    const x = tf.randomNormal([2, 3, 9, 9, 1], 0, 1, 'float32', 1) as tf.Tensor5D;
    tf.dispose(enc.apply(x, { training: true }).features);
    x.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-export-async-'));
    const info = { configHash: 'h', training: { method: 'byol' } };
    await expectNoLeaks(async () => {
      exportEncoder(enc, join(dir, 'sync'), cfg, info);
      await exportEncoderAsync(enc, join(dir, 'async'), cfg, info);
    });
    for (const f of ['model.safetensors', 'config.json']) expect(readFileSync(join(dir, 'async', f)).equals(readFileSync(join(dir, 'sync', f))), f).toBe(true);
    const v = enc.trainableVariables[0] as tf.Variable;
    v.assign(tf.fill(v.shape, NaN));
    await expect(exportEncoderAsync(enc, join(dir, 'bad'), cfg, info)).rejects.toThrow(/model\.safetensors: not exported: .* holds NaN or Inf/);
    enc.dispose();
  });
});
