import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { cosineTau, EMA, ByolError } from '@byolmed3d/byol';

describe('cosineTau', () => {
  it('matches 1 - (1 - tauBase)(cos(pi k / K) + 1) / 2 at k = 0, K/2, K', () => {
    const tauBase = 0.99;
    const K = 1000;
    const tau = cosineTau({ tauBase, totalSteps: K });
    const formula = (k: number) => 1 - ((1 - tauBase) * (Math.cos((Math.PI * k) / K) + 1)) / 2;
    expect(tau(0)).toBeCloseTo(0.99, 12);
    expect(tau(K / 2)).toBeCloseTo(0.995, 12);
    expect(tau(K)).toBeCloseTo(1, 12);
    for (const k of [0, 1, 137, K / 2, 999, K]) expect(tau(k)).toBeCloseTo(formula(k), 12);
    expect(tau(K + 50)).toBe(tau(K));
    expect(cosineTau({ totalSteps: 10 })(0)).toBeCloseTo(0.996, 12);
  });

  it('rejects invalid arguments', () => {
    expect(() => cosineTau({ tauBase: 1.5, totalSteps: 10 })).toThrow(ByolError);
    expect(() => cosineTau({ totalSteps: 0 })).toThrow(ByolError);
  });
});

describe('EMA', () => {
  it('tau = 0 copies, tau = 1 keeps, tau = 0.75 averages, with no leaks', async () => {
    await useBackend();
    const t = tf.variable(tf.tensor1d([0, 4]), false, 'ema_test_t');
    const o = tf.variable(tf.tensor1d([8, 0]), true, 'ema_test_o');
    const ema = new EMA([t], [o]);
    await expectNoLeaks(async () => {
      ema.update(1);
      expect(Array.from(await t.data())).toEqual([0, 4]);
      ema.update(0.75);
      expect(Array.from(await t.data())).toEqual([2, 3]);
      ema.update(0);
      expect(Array.from(await t.data())).toEqual([8, 0]);
    });
    expect(() => ema.update(1.1)).toThrow(ByolError);
    const bad = tf.variable(tf.zeros([3]), true, 'ema_test_bad');
    expect(() => new EMA([t], [bad])).toThrow(/does not match/);
    tf.dispose([t, o, bad]);
  });
});
