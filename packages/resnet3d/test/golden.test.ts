import { readdirSync } from 'node:fs';
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, maxRelErr, readTestJson, testdataPath, useBackend } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { formulaInputNdhwc, formulaStateDict } from './formula.js';

/** Skips the random initialisation: every value is replaced by the formula anyway. */
const zeros = (_n: string, _s: number[], _k: string, tfShape: number[]): tf.Tensor => tf.zeros(tfShape);

interface Golden {
  arch: VideoResNetArch;
  mode: 'eval' | 'train';
  input_shape_ncdhw: [number, number, number, number, number];
  logits: number[][];
  features: number[][];
  param_count: number;
}

const files = readdirSync(testdataPath('golden')).filter((f) => f.endsWith('.json')).sort();

describe('torchvision goldens (formula weights)', () => {
  beforeAll(async () => {
    await useBackend();
  });

  it('found the golden files', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  // One model per architecture: eval goldens first (they change nothing), then train.
  const archs = [...new Set(files.map((f) => readTestJson<Golden>('golden', f).arch))];
  for (const arch of archs) {
    it(`${arch}: ${files.filter((f) => f.startsWith(`${arch}_`)).join(', ')}`, async () => {
      const goldens = files
        .map((f) => readTestJson<Golden>('golden', f))
        .filter((g) => g.arch === arch)
        .sort((a, b) => (a.mode === b.mode ? 0 : a.mode === 'eval' ? -1 : 1));
      const model = createVideoResNet(arch, { initializer: zeros });
      try {
        expect(model.parameterCount).toBe(goldens[0]!.param_count);
        // The formula weights go in through loadStateDict (PyTorch layout -> tfjs).
        model.loadStateDict(formulaStateDict(model.stateDict()), { strict: true });
        for (const g of goldens) {
          const [n, c, t, h, w] = g.input_shape_ncdhw;
          const x = tf.tensor5d(formulaInputNdhwc(g.input_shape_ncdhw), [n, t, h, w, c]);
          const rvBefore = model.getVariable('layer1.0.conv1.1.running_var')!.dataSync().slice();
          await expectNoLeaks(() => {
            const out = model.apply(x, { training: g.mode === 'train' });
            expect(out.features.shape).toEqual([n, 512]);
            expect(out.logits!.shape).toEqual([n, 400]);
            const f = out.features.dataSync();
            const l = out.logits!.dataSync();
            out.features.dispose();
            out.logits!.dispose();
            expect(maxRelErr(f, g.features.flat()), `${g.mode} features`).toBeLessThan(1e-3);
            expect(maxRelErr(l, g.logits.flat()), `${g.mode} logits`).toBeLessThan(1e-3);
          });
          const rvAfter = model.getVariable('layer1.0.conv1.1.running_var')!.dataSync();
          if (g.mode === 'train') expect(Array.from(rvAfter)).not.toEqual(Array.from(rvBefore));
          else expect(Array.from(rvAfter)).toEqual(Array.from(rvBefore));
          x.dispose();
        }
      } finally {
        model.dispose();
      }
      // Full-width r3d_18 on the naive cpu Conv3D: about 30 s of CPU, minutes on a loaded machine.
    }, 900_000);
  }
});
