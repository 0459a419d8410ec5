import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import { BatchNorm1d, BYOL_PAPER_HEAD, ByolError, Linear, MLPHead, SEED_PAPER_HEAD } from '@byolmed3d/byol';

interface Reference {
  batchnorm1d: { x: number[][]; weight: number[]; bias: number[]; trainOutput: number[][]; runningMean: number[]; runningVar: number[]; evalOutput: number[][] };
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8')) as Reference;

describe('BatchNorm1d', () => {
  it('matches torch.nn.BatchNorm1d in training (output, running stats) and evaluation', async () => {
    await useBackend();
    const bn = new BatchNorm1d('bn_test_ref', 5);
    await expectNoLeaks(async () => {
      tf.tidy(() => {
        bn.weight!.assign(tf.tensor1d(ref.batchnorm1d.weight));
        bn.bias!.assign(tf.tensor1d(ref.batchnorm1d.bias));
      });
      const x = tf.tensor2d(ref.batchnorm1d.x);
      const yt = bn.apply(x, { training: true });
      expect(maxAbsDiff(await yt.data(), ref.batchnorm1d.trainOutput.flat())).toBeLessThan(1e-5);
      expect(maxAbsDiff(await bn.runningMean.data(), ref.batchnorm1d.runningMean)).toBeLessThan(1e-6);
      expect(maxAbsDiff(await bn.runningVar.data(), ref.batchnorm1d.runningVar)).toBeLessThan(1e-5);
      const ye = bn.apply(x, { training: false });
      expect(maxAbsDiff(await ye.data(), ref.batchnorm1d.evalOutput.flat())).toBeLessThan(1e-5);
      tf.dispose([x, yt, ye]);
    });
    const one = tf.ones([1, 5]) as tf.Tensor2D;
    expect(() => bn.apply(one, { training: true })).toThrow(ByolError);
    one.dispose();
    bn.dispose();
  });
});

describe('Linear', () => {
  it('initialises like PyTorch (uniform ±1/sqrt(in)), seeded and reproducible', async () => {
    await useBackend();
    const a = new Linear('lin_a', 16, 8, { seed: 3, initKey: 'k' });
    const b = new Linear('lin_b', 16, 8, { seed: 3, initKey: 'k' });
    const c = new Linear('lin_c', 16, 8, { seed: 4, initKey: 'k' });
    const wa = await a.weight.data();
    expect(Array.from(wa)).toEqual(Array.from(await b.weight.data()));
    expect(Array.from(wa)).not.toEqual(Array.from(await c.weight.data()));
    expect(Math.max(...Array.from(wa).map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(a.weight.shape).toEqual([16, 8]);
    [a, b, c].forEach((l) => l.dispose());
  });
});

describe('MLPHead', () => {
  it('maps [N, in] to [N, out], with PyTorch Sequential names under a unique scope', async () => {
    await useBackend();
    const h = new MLPHead({ inputDim: 6, hiddenDim: 10, outputDim: 4, seed: 1 });
    const h2 = new MLPHead({ inputDim: 6, hiddenDim: 10, outputDim: 4, seed: 1 });
    expect(h.name).not.toBe(h2.name);
    const local = (n: string, scope: string) => n.slice(scope.length + 1);
    expect(h.trainableVariables.map((v) => local(v.name, h.name))).toEqual(['net.0.weight', 'net.0.bias', 'net.1.weight', 'net.1.bias', 'net.3.weight', 'net.3.bias']);
    expect(h.nonTrainableVariables.map((v) => local(v.name, h.name))).toEqual(['net.1.running_mean', 'net.1.running_var']);
    // Equal seeds give equal weights across instances.
    expect(Array.from(await h.trainableVariables[0]!.data())).toEqual(Array.from(await h2.trainableVariables[0]!.data()));
    await expectNoLeaks(async () => {
      const x = tf.randomNormal([3, 6], 0, 1, 'float32', 5) as tf.Tensor2D;
      const y = h.apply(x, { training: true });
      expect(y.shape).toEqual([3, 4]);
      tf.dispose([x, y]);
    });
    h.dispose();
    h2.dispose();
  });

  it('clone copies weights and running stats under new names', async () => {
    await useBackend();
    const h = new MLPHead({ inputDim: 6, hiddenDim: 8, outputDim: 4, seed: 2, outputNorm: true });
    const x = tf.randomNormal([5, 6], 0, 1, 'float32', 9) as tf.Tensor2D;
    tf.dispose(h.apply(x, { training: true }));
    const c = h.clone('clone_scope_test');
    expect(c.trainableVariables.every((v) => v.name.startsWith('clone_scope_test/'))).toBe(true);
    const all = (m: MLPHead) => [...m.trainableVariables, ...m.nonTrainableVariables];
    for (const [i, v] of all(h).entries()) {
      expect(Array.from(await all(c)[i]!.data())).toEqual(Array.from(await v.data()));
    }
    const ya = h.apply(x, { training: false });
    const yb = c.apply(x, { training: false });
    expect(maxAbsDiff(await ya.data(), await yb.data())).toBe(0);
    tf.dispose([x, ya, yb]);
    h.dispose();
    c.dispose();
  });

  it('has the paper presets and validates sizes', async () => {
    await useBackend();
    expect(BYOL_PAPER_HEAD).toMatchObject({ hiddenDim: 4096, outputDim: 256 });
    expect(SEED_PAPER_HEAD).toMatchObject({ hiddenDim: 2048, outputDim: 128 });
    expect(() => new MLPHead({ inputDim: 0 })).toThrow(ByolError);
  });
});
