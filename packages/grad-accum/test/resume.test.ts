import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { AdamW, GradientAccumulator, LARS, type NamedTensor } from '@byolmed3d/grad-accum';
import { batch, makeMlp, maxDiffAll, type Mlp } from './mlp.js';

beforeAll(async () => {
  await useBackend();
});

const STEPS = 4;
const TOTAL = 11; // two full windows and three micro-batches of a third
const CUT = 6; // checkpoint in the middle of the second window

function feed(m: Mlp, acc: GradientAccumulator, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const { x, y } = batch(i, 3);
    const g = m.grads(x, y);
    acc.accumulate(g);
    tf.dispose([x, y, ...Object.values(g)]);
  }
}

describe('getWeights/setWeights resume mid-window', () => {
  const cases: Array<[string, () => tf.Optimizer]> = [
    ['tfjs momentum', () => tf.train.momentum(0.05, 0.9)],
    ['tfjs Adam', () => tf.train.adam(0.01)],
    ['LARS', () => new LARS({ learningRate: 0.5, trustCoefficient: 0.01, weightDecay: 1e-3 })],
    ['AdamW', () => new AdamW({ learningRate: 0.01, weightDecay: 0.05 })],
  ];
  for (const [name, makeOpt] of cases) {
    it(`${name}: identical to an uninterrupted run`, async () => {
      await expectNoLeaks(async () => {
        // Uninterrupted.
        const u = makeMlp('resume_u');
        const accU = new GradientAccumulator(makeOpt(), { steps: STEPS, clipNorm: 5 });
        feed(u, accU, 0, TOTAL);
        expect([accU.step, accU.microStep]).toEqual([2, 3]);
        const want = u.values();
        accU.dispose();
        u.dispose();

        // Interrupted at CUT: save model + accumulator, throw everything away.
        const r = makeMlp('resume_r');
        const accR = new GradientAccumulator(makeOpt(), { steps: STEPS, clipNorm: 5 });
        feed(r, accR, 0, CUT);
        expect([accR.step, accR.microStep]).toEqual([1, 2]);
        const savedModel = r.vars.map((v) => tf.clone(v));
        const saved: NamedTensor[] = await accR.getWeights();
        expect(saved.map((w) => w.name)).toContain('gradAccum/counters');
        expect(saved.some((w) => w.name.startsWith('optimizer/'))).toBe(true);
        accR.dispose();
        r.dispose();

        // Resume in a fresh model/optimizer/accumulator (same variable names, other init).
        const r2 = makeMlp('resume_r', 99);
        r2.vars.forEach((v, i) => v.assign(savedModel[i]!));
        const accR2 = new GradientAccumulator(makeOpt(), { steps: STEPS, clipNorm: 5 });
        await accR2.setWeights(saved);
        tf.dispose([...savedModel, ...saved.map((w) => w.tensor)]); // the caller owns the checkpoint tensors
        expect([accR2.step, accR2.microStep]).toEqual([1, 2]);
        feed(r2, accR2, CUT, TOTAL);
        expect([accR2.step, accR2.microStep]).toEqual([2, 3]);
        expect(maxDiffAll(r2.values(), want)).toBeLessThan(1e-6);
        // setWeights again on a used accumulator (replaces state, frees the old one).
        const again = await accR2.getWeights();
        await accR2.setWeights(again);
        tf.dispose(again.map((w) => w.tensor));
        accR2.dispose();
        r2.dispose();
      });
    });
  }

  it('a resume WITHOUT the accumulation slots differs (the test can fail)', async () => {
    await expectNoLeaks(async () => {
      const u = makeMlp('resume_u');
      const accU = new GradientAccumulator(tf.train.sgd(0.1), { steps: STEPS });
      feed(u, accU, 0, TOTAL);
      accU.apply();
      const want = u.values();
      accU.dispose();
      u.dispose();
      const r = makeMlp('resume_r');
      const accR = new GradientAccumulator(tf.train.sgd(0.1), { steps: STEPS });
      feed(r, accR, 0, CUT);
      const accR2 = new GradientAccumulator(tf.train.sgd(0.1), { steps: STEPS }); // fresh: the window is lost
      feed(r, accR2, CUT, TOTAL);
      accR2.apply();
      expect(maxDiffAll(r.values(), want)).toBeGreaterThan(1e-5);
      accR.dispose();
      accR2.dispose();
      r.dispose();
    });
  });

  it('rejects a checkpoint that is not an accumulator one', async () => {
    const acc = new GradientAccumulator(tf.train.sgd(0.1), { steps: 2 });
    const t = tf.scalar(1);
    await expect(acc.setWeights([{ name: 'iter', tensor: t }])).rejects.toThrow(/counters/);
    t.dispose();
    acc.dispose();
  });
});
