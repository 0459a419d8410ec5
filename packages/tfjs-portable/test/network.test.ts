import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@byolmed3d/test-utils';
import { createVideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { portable, rand, relErr, setup } from './helpers.js';

/** Loss and every gradient of one training step (train-mode BN, a fixed linear loss on the logits), plus the updated running statistics. */
async function trainStep(backend: string, arch: VideoResNetArch, shape: [number, number, number, number, number]): Promise<{ loss: number; grads: Map<string, Float32Array>; stats: Float32Array }> {
  await tf.setBackend(backend);
  const model = createVideoResNet(arch, { widthMultiplier: 0.25, numClasses: 3, inChannels: shape[4], seed: 5 });
  try {
    return await expectNoLeaks(() => {
      const x = tf.tensor5d(rand(shape.reduce((a, b) => a * b, 1), 3), shape);
      const r = tf.tensor2d(rand(shape[0] * 3, 4), [shape[0], 3]);
      const { value, grads } = tf.variableGrads(() => {
        const out = model.apply(x, { training: true });
        const l = tf.sum(tf.mul(out.logits as tf.Tensor2D, r)) as tf.Scalar;
        tf.dispose(out.features);
        return l;
      }, model.trainableVariables);
      const loss = value.dataSync()[0] as number;
      // Keys without the model instance prefix (`r3d_18_1/`), which differs between the two models.
      const g = new Map(Object.entries(grads).map(([k, t]) => [k.slice(k.indexOf('/') + 1), Float32Array.from(t.dataSync())]));
      const stats = Float32Array.from(model.getVariable('layer2.0.conv1.1.running_var')?.dataSync() ?? []);
      tf.dispose([x, r, value, ...Object.values(grads)]);
      return { loss, grads: g, stats };
    });
  } finally {
    model.dispose();
    await tf.setBackend('cpu');
  }
}

describe('a whole training step on the portable backend', () => {
  beforeAll(async () => setup());

  for (const [arch, shape] of [
    // Big enough that layer4's train-mode batch norm sees 8 values per channel (with 2 it is ill-conditioned and amplifies rounding).
    ['r3d_18', [2, 8, 32, 32, 3]],
    ['r2plus1d_18', [2, 8, 32, 32, 1]],
  ] as [VideoResNetArch, [number, number, number, number, number]][]) {
    it(`${arch} ${shape.join('x')}: loss, every parameter gradient and the running statistics match the cpu backend`, async () => {
      const cpu = await trainStep('cpu', arch, shape);
      const ours = await trainStep(portable, arch, shape);
      expect(Math.abs(ours.loss - cpu.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(cpu.loss)));
      expect([...ours.grads.keys()].sort()).toEqual([...cpu.grads.keys()].sort());
      expect(cpu.grads.size).toBeGreaterThan(20);
      // Each kernel agrees with the cpu one to ~1e-7 (conv3d.test.ts); through the
      // step's train-mode batch-norm backward passes (r3d_18 19, r2plus1d_18 37)
      // the differences in summation order (the wasm reductions of the batch
      // norms too) grow towards the input: measured up to 1.5e-3 at r3d_18's
      // stem and 1.1e-2 in r2plus1d_18's layer1, whose kernels at those very
      // shapes agree to 1e-5 (conv3d.test.ts). A wrong kernel gives errors of order 1.
      const tol = (name: string): number => (arch === 'r2plus1d_18' ? 3e-2 : name.startsWith('stem.') ? 5e-3 : 1e-3);
      for (const [name, g] of cpu.grads) expect(relErr(g, ours.grads.get(name) as Float32Array), name).toBeLessThan(tol(name));
      expect(cpu.stats.length).toBeGreaterThan(0);
      expect(relErr(cpu.stats, ours.stats)).toBeLessThan(1e-4);
    });
  }
});
