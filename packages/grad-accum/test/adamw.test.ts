import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import { AdamW, excludeNone } from '@byolmed3d/grad-accum';
import { readFileSync } from 'node:fs';
import { batch, makeMlp, maxDiffAll } from './mlp.js';

interface TorchAdamW {
  config: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
  init: { w: number[]; b: number[] };
  grads: Array<{ w: number[]; b: number[] }>;
  after: Array<{ w: number[]; b: number[] }>;
}

beforeAll(async () => {
  await useBackend();
});

describe('AdamW', () => {
  it('equals tfjs Adam when weight decay is 0', async () => {
    await expectNoLeaks(() => {
      const a = makeMlp('adamw_a');
      const b = makeMlp('adamw_b');
      const start = a.values();
      const ours = new AdamW({ learningRate: 0.01, weightDecay: 0, epsilon: 1e-7 });
      const theirs: tf.Optimizer = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
      for (let s = 0; s < 4; s++) {
        const { x, y } = batch(s, 5);
        const ga = a.grads(x, y);
        const gb = b.grads(x, y);
        ours.applyGradients(ga);
        theirs.applyGradients(gb);
        tf.dispose([x, y, ...Object.values(ga), ...Object.values(gb)]);
      }
      expect(maxDiffAll(start, a.values())).toBeGreaterThan(1e-2);
      expect(maxDiffAll(a.values(), b.values())).toBeLessThan(1e-6);
      ours.dispose();
      theirs.dispose();
      a.dispose();
      b.dispose();
    });
  });

  it('matches a hand-computed decoupled-decay update, excluding rank-1 variables by default', async () => {
    await expectNoLeaks(() => {
      const mk = (vals: number[], shape: number[], name: string) => {
        const t = tf.tensor(vals, shape);
        const v = tf.variable(t, true, name);
        t.dispose();
        return v;
      };
      const w = mk([1, -2, 0.5, 3], [2, 2], 'adamw_h/w');
      const b = mk([0.5, -0.5], [2], 'adamw_h/b');
      const lr = 0.1;
      const wd = 0.2;
      const [b1, b2, eps] = [0.9, 0.999, 1e-8];
      const opt = new AdamW({ learningRate: lr, weightDecay: wd });
      const gradSeq = [
        { w: [0.1, -0.2, 0.3, 0.05], b: [1, -1] },
        { w: [-0.3, 0.1, 0.2, 0.0], b: [0.5, 0.25] },
      ];
      // by hand
      const hand = (p0: number[], grads: number[][], decay: boolean) => {
        let p = [...p0];
        let m = p.map(() => 0);
        let v = p.map(() => 0);
        grads.forEach((g, k) => {
          const t = k + 1;
          if (decay) p = p.map((x) => x * (1 - lr * wd));
          m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
          v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
          p = p.map((x, i) => x - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps));
        });
        return p;
      };
      for (const gs of gradSeq) {
        const g = { 'adamw_h/w': tf.tensor(gs.w, [2, 2]), 'adamw_h/b': tf.tensor(gs.b, [2]) };
        opt.applyGradients(g);
        tf.dispose(Object.values(g));
      }
      expect(maxAbsDiff(Array.from(w.dataSync()), hand([1, -2, 0.5, 3], gradSeq.map((g) => g.w), true))).toBeLessThan(5e-6);
      expect(maxAbsDiff(Array.from(b.dataSync()), hand([0.5, -0.5], gradSeq.map((g) => g.b), false))).toBeLessThan(1e-6);
      // With excludeNone the bias is decayed too.
      const opt2 = new AdamW({ learningRate: lr, weightDecay: wd, exclude: excludeNone });
      const b0 = mk([0.5, -0.5], [2], 'adamw_h/b2');
      for (const gs of gradSeq) {
        const g = { 'adamw_h/b2': tf.tensor(gs.b, [2]) };
        opt2.applyGradients(g);
        tf.dispose(Object.values(g));
      }
      expect(maxAbsDiff(Array.from(b0.dataSync()), hand([0.5, -0.5], gradSeq.map((g) => g.b), true))).toBeLessThan(1e-6);
      opt.dispose();
      opt2.dispose();
      tf.dispose([w, b, b0]);
    });
  });

  it('keeps a step count per variable (a variable added later gets full bias correction)', async () => {
    await expectNoLeaks(async () => {
      const t1 = tf.zeros([1]);
      const t2 = tf.zeros([1]);
      const a = tf.variable(t1, true, 'adamw_late/a');
      const c = tf.variable(t2, true, 'adamw_late/c');
      tf.dispose([t1, t2]);
      const opt = new AdamW({ learningRate: 0.1, weightDecay: 0 });
      for (let s = 0; s < 5; s++) {
        const g = { 'adamw_late/a': tf.ones([1]) };
        opt.applyGradients(g);
        tf.dispose(Object.values(g));
      }
      const g = { 'adamw_late/c': tf.ones([1]) };
      opt.applyGradients(g);
      tf.dispose(Object.values(g));
      expect(c.dataSync()[0]).toBeCloseTo(-0.1, 5); // first Adam step moves by lr
      const weights = await opt.getWeights();
      expect(weights.map((w) => w.name)).toEqual(['iter', 'adamw_late/a/m', 'adamw_late/a/v', 'adamw_late/a/step', 'adamw_late/c/m', 'adamw_late/c/v', 'adamw_late/c/step']);
      expect(weights[3]!.tensor.dataSync()[0]).toBe(5);
      weights[0]!.tensor.dispose(); // 'iter' is a new tensor; the slots belong to the optimizer
      opt.dispose();
      tf.dispose([a, c]);
    });
  });

  it('matches torch.optim.AdamW (fixture from tools/fixtures/grad-accum.py; bias in a no-decay group)', async () => {
    const ref = JSON.parse(readFileSync(new URL('./fixtures/torch-adamw.json', import.meta.url), 'utf8')) as TorchAdamW;
    await expectNoLeaks(() => {
      const tw = tf.tensor(ref.init.w, [2, 3]);
      const tb = tf.tensor(ref.init.b, [3]);
      const w = tf.variable(tw, true, 'torch_adamw/w');
      const b = tf.variable(tb, true, 'torch_adamw/b');
      tf.dispose([tw, tb]);
      const c = ref.config;
      const opt = new AdamW({ learningRate: c.lr, beta1: c.betas[0], beta2: c.betas[1], epsilon: c.eps, weightDecay: c.weight_decay });
      ref.grads.forEach((g, k) => {
        const grads = { 'torch_adamw/w': tf.tensor(g.w, [2, 3]), 'torch_adamw/b': tf.tensor(g.b, [3]) };
        opt.applyGradients(grads);
        tf.dispose(Object.values(grads));
        const want = ref.after[k]!;
        expect(maxAbsDiff(Array.from(w.dataSync()), want.w)).toBeLessThan(2e-6);
        expect(maxAbsDiff(Array.from(b.dataSync()), want.b)).toBeLessThan(2e-6);
      });
      opt.dispose();
      tf.dispose([w, b]);
    });
  });

  it('is registered with tf.serialization', () => {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap['AdamW'];
    expect(entry).toBeDefined();
    const [cls, fromConfig] = entry!;
    const a = new AdamW({ learningRate: 0.003, beta2: 0.99, weightDecay: 0.05 });
    expect((fromConfig(cls, a.getConfig()) as AdamW).getConfig()).toEqual(a.getConfig());
  });
});
