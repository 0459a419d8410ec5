import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import {
  AdamW,
  attachSchedule,
  constant,
  getLearningRate,
  GradientAccumulator,
  LARS,
  scaledLearningRate,
  setLearningRate,
  stepDecay,
  warmupCosine,
} from '@byolmed3d/grad-accum';

beforeAll(async () => {
  await useBackend();
});

describe('schedules', () => {
  it('warmupCosine warms up linearly then decays to the floor', () => {
    const s = warmupCosine({ base: 1, totalSteps: 110, warmupSteps: 10, floor: 0.1 });
    expect(s(0)).toBeCloseTo(0.1);
    expect(s(9)).toBeCloseTo(1);
    expect(s(10)).toBeCloseTo(1);
    expect(s(60)).toBeCloseTo(0.55);
    expect(s(110)).toBeCloseTo(0.1);
    expect(s(500)).toBeCloseTo(0.1);
    const noWarm = warmupCosine({ base: 2, totalSteps: 4 });
    expect([0, 1, 2, 3, 4].map(noWarm)).toEqual([2, 1 + Math.SQRT1_2, 1, 1 - Math.SQRT1_2, 0].map((v) => expect.closeTo(v, 12)));
    expect(() => warmupCosine({ base: 1, totalSteps: 0 })).toThrow(/totalSteps/);
  });

  it('stepDecay decays at fractions (60%/80% as the seed fine-tune) and at absolute milestones', () => {
    const s = stepDecay({ base: 0.01, fractions: [0.6, 0.8], totalSteps: 30 });
    expect(s(0)).toBeCloseTo(0.01);
    expect(s(17)).toBeCloseTo(0.01);
    expect(s(18)).toBeCloseTo(0.001);
    expect(s(23)).toBeCloseTo(0.001);
    expect(s(24)).toBeCloseTo(0.0001);
    const t = stepDecay({ base: 1, gamma: 0.5, milestones: [3, 1] });
    expect([0, 1, 2, 3, 4].map(t)).toEqual([1, 0.5, 0.5, 0.25, 0.25]);
    expect(() => stepDecay({ base: 1, fractions: [0.5] })).toThrow(/totalSteps/);
  });

  it('constant and the linear scaling rule', () => {
    expect([0, 7, 1e6].map(constant(0.3))).toEqual([0.3, 0.3, 0.3]);
    expect(scaledLearningRate(0.2, 4096)).toBeCloseTo(3.2);
    expect(scaledLearningRate(0.3, 64, 64)).toBeCloseTo(0.3);
  });
});

describe('attachSchedule', () => {
  it('sets the learning rate of optimizer step k to schedule(k), through the accumulator', async () => {
    await expectNoLeaks(() => {
      const t = tf.zeros([1]);
      const w = tf.variable(t, true, 'sched/w');
      t.dispose();
      const sgd = tf.train.sgd(123);
      const handle = attachSchedule(sgd, (k) => k + 1);
      expect(handle.value).toBe(1);
      const acc = new GradientAccumulator(sgd, { steps: 2 });
      for (let i = 0; i < 6; i++) {
        const g = { 'sched/w': tf.ones([1]) };
        acc.accumulate(g);
        tf.dispose(Object.values(g));
      }
      // three optimizer steps with lr 1, 2, 3 and gradient 1
      expect(w.dataSync()[0]).toBeCloseTo(-6);
      expect(handle.step).toBe(2);
      expect(handle.value).toBe(3);
      handle.detach();
      setLearningRate(sgd, 10);
      const g = { 'sched/w': tf.ones([1]) };
      sgd.applyGradients(g); // no longer scheduled
      tf.dispose(Object.values(g));
      expect(w.dataSync()[0]).toBeCloseTo(-16);
      acc.dispose();
      w.dispose();
    });
  });

  it('works with tfjs Adam (learningRate field), LARS and AdamW', () => {
    const adam = tf.train.adam(1);
    setLearningRate(adam, 0.25);
    expect(getLearningRate(adam)).toBe(0.25);
    for (const opt of [new LARS({ learningRate: 1 }), new AdamW({ learningRate: 1 })]) {
      const h = attachSchedule(opt, warmupCosine({ base: 0.5, totalSteps: 10, warmupSteps: 5 }));
      expect(getLearningRate(opt)).toBeCloseTo(0.1);
      h.detach();
      opt.dispose();
    }
    adam.dispose();
    expect(() => setLearningRate(adam, Number.NaN)).toThrow(/finite/);
  });
});
