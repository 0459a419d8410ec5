import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenErrors, goldenFiles, readGolden, zerosInit } from '@byolmed3d/test-utils';
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
      const g = readGolden<VideoResNetArch>(file);
      const model = createVideoResNet(g.arch, { initializer: zerosInit });
      try {
        const err = await goldenErrors(model, g);
        expect(err.features, 'features').toBeLessThan(1e-3);
        expect(err.logits, 'logits').toBeLessThan(1e-3);
      } finally {
        model.dispose();
      }
    });
  }
});
