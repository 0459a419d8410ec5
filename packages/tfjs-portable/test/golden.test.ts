import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenFiles, runGolden, zerosInit } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { portable, setup } from './helpers.js';

const files = goldenFiles();

describe('torchvision goldens on the portable backend', () => {
  beforeAll(async () => {
    await setup();
    await tf.setBackend(portable);
  });

  it('found the golden files', () => expect(files.length).toBeGreaterThanOrEqual(3));

  for (const file of files) {
    it(`@byolmed3d/resnet3d reproduces ${file} (features and logits within 1e-3)`, async () => {
      const err = await runGolden(file, (arch: VideoResNetArch) => createVideoResNet(arch, { initializer: zerosInit }));
      expect(err.features, 'features').toBeLessThan(1e-3);
      expect(err.logits, 'logits').toBeLessThan(1e-3);
    });
  }
});
