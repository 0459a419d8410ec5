import * as tf from '@tensorflow/tfjs-core';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxRelErr, readTestJson, testdataPath } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { formulaInputNdhwc, formulaStateDict } from '@byolmed3d/test-utils';
import { available, onednn, setup } from './helpers.js';

interface Golden {
  arch: VideoResNetArch;
  mode: 'eval' | 'train';
  input_shape_ncdhw: [number, number, number, number, number];
  logits: number[][];
  features: number[][];
}

const files = readdirSync(testdataPath('golden')).filter((f) => f.endsWith('.json')).sort();

// fp32: as before, 1e-3 (maxRelErr: elementwise, relative to max(|want|, 5%
// of the largest |want|)). bf16: every conv and matmul rounds its inputs to
// bf16 (relative error 2^-8 each, see bf16.test.ts), through 17-18 conv
// layers; in training mode batch norm over a batch of 2 at 8x32x32 (small
// variances late in the network) amplifies it. Measured here (worst of
// features, logits): r2plus1d_18 eval 0.061, r3d_18 eval 0.062, r3d_18 train
// 0.206; PyTorch 1.13's bf16 autocast on the same goldens (its conv outputs
// are bf16 too; bench/golden_bf16_torch.py): 0.117, 0.077, 0.406. Tolerances: 0.1 in eval, 0.3 in train
// mode (a wrong kernel gives O(1) errors).
const tolerance = (precision: 'fp32' | 'bf16', mode: 'eval' | 'train'): number => (precision === 'fp32' ? 1e-3 : mode === 'eval' ? 0.1 : 0.3);

for (const precision of ['fp32', 'bf16'] as const) {
  describe.skipIf(!available)(`torchvision goldens on the onednn backend in ${precision} (skipped when the addon is not built)`, () => {
    beforeAll(async () => {
      await setup(2, precision);
      await tf.setBackend(onednn);
    });
    afterAll(async () => setup(2, 'fp32'));

    it('found the golden files', () => expect(files.length).toBeGreaterThanOrEqual(3));

    for (const file of files) {
      it(`@byolmed3d/resnet3d reproduces ${file} on onednn in ${precision} (features and logits within ${tolerance(precision, file.includes('_train') ? 'train' : 'eval')})`, async () => {
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
            const ef = maxRelErr(f, g.features.flat()), el = maxRelErr(l, g.logits.flat());
            if (process.env.GOLDEN_PRINT === '1') console.log(precision, file, ef, el);
            expect(ef, 'features').toBeLessThan(tolerance(precision, g.mode));
            expect(el, 'logits').toBeLessThan(tolerance(precision, g.mode));
          });
          x.dispose();
        } finally {
          model.dispose();
        }
      });
    }
  });
}
