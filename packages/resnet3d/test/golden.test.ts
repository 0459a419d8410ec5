import { describe, expect, it, beforeAll } from 'vitest';
import { formulaStateDict, goldenErrors, goldenFiles, readGolden, useBackend, zerosInit } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';

const files = goldenFiles();

describe('torchvision goldens (formula weights)', () => {
  beforeAll(async () => {
    await useBackend();
  });

  it('found the golden files', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  // One model per architecture: eval goldens first (they change nothing), then train.
  const archs = [...new Set(files.map((f) => readGolden<VideoResNetArch>(f).arch))];
  for (const arch of archs) {
    it(`${arch}: ${files.filter((f) => f.startsWith(`${arch}_`)).join(', ')}`, async () => {
      const goldens = files
        .map((f) => readGolden<VideoResNetArch>(f))
        .filter((g) => g.arch === arch)
        .sort((a, b) => (a.mode === b.mode ? 0 : a.mode === 'eval' ? -1 : 1));
      const model = createVideoResNet(arch, { initializer: zerosInit });
      try {
        expect(model.parameterCount).toBe(goldens[0]!.param_count);
        // The formula weights go in once, through loadStateDict (PyTorch layout -> tfjs).
        model.loadStateDict(formulaStateDict(model.stateDict()), { strict: true });
        for (const g of goldens) {
          const rvBefore = model.getVariable('layer1.0.conv1.1.running_var')!.dataSync().slice();
          const err = await goldenErrors(model, g, { load: false });
          const n = g.input_shape_ncdhw[0];
          expect(err.featuresShape).toEqual([n, 512]);
          expect(err.logitsShape).toEqual([n, 400]);
          expect(err.features, `${g.mode} features`).toBeLessThan(1e-3);
          expect(err.logits, `${g.mode} logits`).toBeLessThan(1e-3);
          const rvAfter = model.getVariable('layer1.0.conv1.1.running_var')!.dataSync();
          if (g.mode === 'train') expect(Array.from(rvAfter)).not.toEqual(Array.from(rvBefore));
          else expect(Array.from(rvAfter)).toEqual(Array.from(rvBefore));
        }
      } finally {
        model.dispose();
      }
      // Full-width r3d_18 on the naive cpu Conv3D: about 30 s of CPU, minutes on a loaded machine.
    }, 900_000);
  }
});
