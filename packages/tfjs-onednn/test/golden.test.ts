import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goldenFiles, runGolden, zerosInit } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { available, bf16Supported, onednn, setup } from './helpers.js';

const files = goldenFiles();

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
  describe.skipIf(precision === 'fp32' ? !available : !bf16Supported)(`torchvision goldens on the onednn backend in ${precision} (skipped when the addon is not built${precision === 'bf16' ? ' or the CPU cannot run bf16' : ''})`, () => {
    beforeAll(async () => {
      await setup(2, precision);
      await tf.setBackend(onednn);
    });
    afterAll(async () => setup(2, 'fp32'));

    it('found the golden files', () => expect(files.length).toBeGreaterThanOrEqual(3));

    for (const file of files) {
      it(`@byolmed3d/resnet3d reproduces ${file} on onednn in ${precision} (features and logits within ${tolerance(precision, file.includes('_train') ? 'train' : 'eval')})`, async () => {
        const err = await runGolden(file, (arch: VideoResNetArch) => createVideoResNet(arch, { initializer: zerosInit }));
        if (process.env.GOLDEN_PRINT === '1') console.log(precision, file, err.features, err.logits);
        expect(err.features, 'features').toBeLessThan(tolerance(precision, err.mode));
        expect(err.logits, 'logits').toBeLessThan(tolerance(precision, err.mode));
      });
    }
  });
}
