import * as tf from '@tensorflow/tfjs-core';
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, formulaInputNdhwc, formulaStateDict, maxRelErr, readTestJson, testdataPath } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { portable, setup } from './helpers.js';

interface Golden {
  arch: VideoResNetArch;
  mode: 'eval' | 'train';
  input_shape_ncdhw: [number, number, number, number, number];
  logits: number[][];
  features: number[][];
}

const files = readdirSync(testdataPath('golden')).filter((f) => f.endsWith('.json')).sort();

describe('torchvision goldens on the portable backend', () => {
  beforeAll(async () => {
    await setup();
    await tf.setBackend(portable);
  });

  it('found the golden files', () => expect(files.length).toBeGreaterThanOrEqual(3));

  for (const file of files) {
    it(`@byolmed3d/resnet3d reproduces ${file} (features and logits within 1e-3)`, async () => {
      const g = readTestJson<Golden>('golden', file);
      const model = createVideoResNet(g.arch, { initializer: (_n: string, _s: number[], _k: string, tfShape: number[]) => tf.zeros(tfShape) });
      try {
        model.loadStateDict(formulaStateDict(model.stateDict()), { strict: true });
        const [n, c, t, h, w] = g.input_shape_ncdhw;
        const x = tf.tensor5d(formulaInputNdhwc(g.input_shape_ncdhw), [n, t, h, w, c]);
        await expectNoLeaks(() => {
          const out = model.apply(x, { training: g.mode === 'train' });
          const f = out.features.dataSync(), l = out.logits?.dataSync() ?? new Float32Array(0);
          tf.dispose([out.features, out.logits as tf.Tensor]);
          expect(maxRelErr(f, g.features.flat()), 'features').toBeLessThan(1e-3);
          expect(maxRelErr(l, g.logits.flat()), 'logits').toBeLessThan(1e-3);
        });
        x.dispose();
      } finally {
        model.dispose();
      }
    });
  }
});
