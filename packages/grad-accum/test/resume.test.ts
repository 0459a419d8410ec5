import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { AdamW, GradientAccumulator, LARS, type NamedTensor } from '@byolmed3d/grad-accum';
import { batch, makeMlp, maxDiffAll, type Mlp } from './mlp.js';

beforeAll(async () => {
  await useBackend();
});

const STEPS = 4;

/** The initial values makeMlp gives for a seed (names do not matter). */
function makeMlpValues(prefix: string, seed: number): Float32Array[] {
  const m = makeMlp(prefix, seed);
  const v = m.values();
  m.dispose();
  return v;
}
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

  for (const [name, makeOpt] of cases) {
    it(`${name}: a checkpoint keyed by position restores where another model was built first (other variable names)`, async () => {
      await expectNoLeaks(async () => {
        const u = makeMlp('pos_u');
        const accU = new GradientAccumulator(makeOpt(), { steps: STEPS, clipNorm: 5 });
        feed(u, accU, 0, TOTAL);
        const want = u.values();
        accU.dispose();
        u.dispose();

        const r = makeMlp('pos_1');
        const accR = new GradientAccumulator(makeOpt(), { steps: STEPS, clipNorm: 5, variables: r.vars });
        feed(r, accR, 0, CUT);
        const savedModel = r.vars.map((v) => tf.clone(v));
        const saved = await accR.getWeights();
        // No tfjs variable name in the checkpoint: positions only.
        expect(saved.some((w) => w.name.includes('pos_1'))).toBe(false);
        expect(saved.map((w) => w.name)).toContain('gradAccum/sum/#2');
        expect(saved.some((w) => /^optimizer\/#0\//.test(w.name))).toBe(true);
        accR.dispose();
        r.dispose();

        // The same process builds another model first: the resumed one gets other names.
        const other = makeMlp('pos_1', 5);
        const r2 = makeMlp('pos_2', 99);
        r2.vars.forEach((v, i) => v.assign(savedModel[i]!));
        // Keyed by name, this restore cannot work: no variable list given.
        const byName = new GradientAccumulator(makeOpt(), { steps: STEPS, clipNorm: 5 });
        await expect(byName.setWeights(saved)).rejects.toThrow(/names a position in the variable list.*useVariables/);
        byName.dispose();
        const accR2 = new GradientAccumulator(makeOpt(), { steps: STEPS, clipNorm: 5 });
        accR2.useVariables(r2.vars);
        await accR2.setWeights(saved);
        tf.dispose([...savedModel, ...saved.map((w) => w.tensor)]);
        feed(r2, accR2, CUT, TOTAL);
        expect([accR2.step, accR2.microStep]).toEqual([2, 3]);
        expect(maxDiffAll(r2.values(), want)).toBeLessThan(1e-6);
        // The variables of the model built first are untouched by the restore.
        expect(maxDiffAll(other.values(), makeMlpValues('pos_x', 5))).toBe(0);
        accR2.dispose();
        r2.dispose();
        other.dispose();
      });
    });
  }

  it('a checkpoint keyed by tfjs names refuses a process without those variables, naming the variable', async () => {
    await expectNoLeaks(async () => {
      const r = makeMlp('named_1');
      const acc = new GradientAccumulator(new LARS({ learningRate: 0.1 }), { steps: STEPS });
      feed(r, acc, 0, CUT);
      const saved = await acc.getWeights();
      expect(saved.map((w) => w.name)).toContain('gradAccum/sum/named_1/w1');
      acc.dispose();
      r.dispose();
      const r2 = makeMlp('named_2');
      const acc2 = new GradientAccumulator(new LARS({ learningRate: 0.1 }), { steps: STEPS });
      await expect(acc2.setWeights(saved)).rejects.toThrow(/variable 'named_1\/w1', which this process does not have/);
      // Old name-keyed checkpoints still restore into a position-keyed accumulator where the names exist.
      const r3 = makeMlp('named_1');
      const acc3 = new GradientAccumulator(new LARS({ learningRate: 0.1 }), { steps: STEPS, variables: r3.vars });
      await acc3.setWeights(saved);
      expect([acc3.step, acc3.microStep]).toEqual([1, 2]);
      const resaved = await acc3.getWeights();
      expect(resaved.map((w) => w.name).filter((n) => n.startsWith('gradAccum/sum/'))).toEqual(['gradAccum/sum/#0', 'gradAccum/sum/#1', 'gradAccum/sum/#2', 'gradAccum/sum/#3']);
      tf.dispose([...saved, ...resaved].map((w) => w.tensor));
      for (const a of [acc2, acc3]) a.dispose();
      for (const m of [r2, r3]) m.dispose();
    });
  });

  it('a position-keyed checkpoint refuses a variable list of other shapes', async () => {
    await expectNoLeaks(async () => {
      const r = makeMlp('shape_1');
      const acc = new GradientAccumulator(tf.train.sgd(0.1), { steps: STEPS, variables: r.vars });
      feed(r, acc, 0, CUT);
      const saved = await acc.getWeights();
      const acc2 = new GradientAccumulator(tf.train.sgd(0.1), { steps: STEPS, variables: [...r.vars].reverse() });
      await expect(acc2.setWeights(saved)).rejects.toThrow(/state 'gradAccum\/sum\/#0' has shape \[4,6\], its variable 'shape_1\/b2' \[3\]/);
      tf.dispose(saved.map((w) => w.tensor));
      acc.dispose();
      acc2.dispose();
      r.dispose();
    });
  });

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
