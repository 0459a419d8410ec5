import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { goldenFiles, runGolden, zerosInit } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { gpu, skipReason } from './helpers.js';

const files = goldenFiles();

describe.skipIf(gpu.info == null)(`torchvision goldens on the webgpu backend${skipReason}`, () => {
  it('found the golden files', () => expect(files.length).toBeGreaterThanOrEqual(3));

  for (const file of files) {
    it(`@byolmed3d/resnet3d reproduces ${file} on webgpu (features and logits within 1e-3, async reads only)`, async () => {
      await tf.setBackend('webgpu');
      const before = tf.memory().numTensors;
      // stateDict() reads variables synchronously: fine here, they still hold CPU values.
      const err = await runGolden(file, (arch: VideoResNetArch) => createVideoResNet(arch, { initializer: zerosInit }));
      expect(err.features, 'features').toBeLessThan(1e-3);
      expect(err.logits, 'logits').toBeLessThan(1e-3);
      expect(tf.memory().numTensors).toBe(before);
    }, 600_000);
  }
});
