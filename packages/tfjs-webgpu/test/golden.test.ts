import * as tf from '@tensorflow/tfjs-core';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formulaInputNdhwc, formulaStateDict, maxRelErr, readTestJson, testdataPath } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { gpu, skipReason } from './helpers.js';

interface Golden {
  arch: VideoResNetArch;
  mode: 'eval' | 'train';
  input_shape_ncdhw: [number, number, number, number, number];
  logits: number[][];
  features: number[][];
}

const files = readdirSync(testdataPath('golden')).filter((f) => f.endsWith('.json')).sort();

describe.skipIf(gpu.info == null)(`torchvision goldens on the webgpu backend${skipReason}`, () => {
  it('found the golden files', () => expect(files.length).toBeGreaterThanOrEqual(3));

  for (const file of files) {
    it(`@byolmed3d/resnet3d reproduces ${file} on webgpu (features and logits within 1e-3, async reads only)`, async () => {
      await tf.setBackend('webgpu');
      const g = readTestJson<Golden>('golden', file);
      const before = tf.memory().numTensors;
      const model = createVideoResNet(g.arch, { initializer: (_n: string, _s: number[], _k: string, tfShape: number[]) => tf.zeros(tfShape) });
      try {
        // stateDict() reads variables synchronously: fine here, they still hold CPU values.
        model.loadStateDict(formulaStateDict(model.stateDict()), { strict: true });
        const [n, c, t, h, w] = g.input_shape_ncdhw;
        const x = tf.tensor5d(formulaInputNdhwc(g.input_shape_ncdhw), [n, t, h, w, c]);
        const out = model.apply(x, { training: g.mode === 'train' });
        const [f, l] = await Promise.all([out.features.data(), out.logits!.data()]);
        tf.dispose([out.features, out.logits as tf.Tensor, x]);
        expect(maxRelErr(f, g.features.flat()), 'features').toBeLessThan(1e-3);
        expect(maxRelErr(l, g.logits.flat()), 'logits').toBeLessThan(1e-3);
      } finally {
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    }, 600_000);
  }
});
