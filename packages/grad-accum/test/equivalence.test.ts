import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { AdamW, GradientAccumulator, LARS } from '@byolmed3d/grad-accum';
import { batch, makeMlp, maxDiffAll, rows } from './mlp.js';

beforeAll(async () => {
  await useBackend();
});

const N = 4; // micro-batches per window
const B = 3; // micro-batch size
const WINDOWS = 3;

/**
 * Trains two identical MLPs for WINDOWS optimizer steps: one on N micro-batches
 * of B samples through the accumulator, one on the whole N*B batch directly.
 * Returns the largest weight difference and how far the weights moved.
 */
function runBoth(makeOpt: () => tf.Optimizer): { diff: number; moved: number } {
  const acc = makeMlp('acc');
  const big = makeMlp('big');
  const start = big.values();
  const optAcc = makeOpt();
  const optBig = makeOpt();
  const accumulator = new GradientAccumulator(optAcc, { steps: N });
  for (let w = 0; w < WINDOWS; w++) {
    const { x, y } = batch(w, N * B);
    for (let i = 0; i < N; i++) {
      const xi = rows(x, i * B, B);
      const yi = rows(y, i * B, B);
      const g = acc.grads(xi, yi);
      const r = accumulator.accumulate(g);
      expect(r.stepped).toBe(i === N - 1);
      expect(r.step).toBe(i === N - 1 ? w + 1 : w);
      tf.dispose([xi, yi, ...Object.values(g)]);
    }
    const g = big.grads(x, y);
    optBig.applyGradients(g);
    tf.dispose([x, y, ...Object.values(g)]);
  }
  const diff = maxDiffAll(acc.values(), big.values());
  const moved = maxDiffAll(start, big.values());
  accumulator.dispose();
  new GradientAccumulator(optBig, { steps: 1 }).dispose(); // frees tfjs momentum's leaked scalar too
  acc.dispose();
  big.dispose();
  return { diff, moved };
}

describe('N micro-batches of b == one batch of N*b (model without batch norm)', () => {
  const cases: Array<[string, () => tf.Optimizer, number]> = [
    ['SGD', () => tf.train.sgd(0.1), 1e-5],
    ['momentum', () => tf.train.momentum(0.1, 0.9), 1e-5],
    ['Adam', () => tf.train.adam(0.05), 1e-5],
    ['LARS', () => new LARS({ learningRate: 2, trustCoefficient: 0.01, weightDecay: 1e-2 }), 1e-5],
    ['AdamW', () => new AdamW({ learningRate: 0.05, weightDecay: 0.1 }), 1e-5],
  ];
  for (const [name, makeOpt, tol] of cases) {
    it(name, async () => {
      const { diff, moved } = await expectNoLeaks(() => runBoth(makeOpt));
      expect(moved).toBeGreaterThan(1e-2); // the updates are not trivially zero
      expect(diff).toBeLessThan(tol);
    });
  }

  it('differs from the big batch when the window is mis-sized (the test can fail)', async () => {
    await expectNoLeaks(() => {
      // Accumulating only 2 of the 4 micro-batches per step must NOT match.
      const acc = makeMlp('acc');
      const big = makeMlp('big');
      const opt = tf.train.sgd(0.1);
      const optBig = tf.train.sgd(0.1);
      const accumulator = new GradientAccumulator(opt, { steps: 2 });
      const { x, y } = batch(0, N * B);
      for (let i = 0; i < 2; i++) {
        const xi = rows(x, i * B, B);
        const yi = rows(y, i * B, B);
        const g = acc.grads(xi, yi);
        accumulator.accumulate(g);
        tf.dispose([xi, yi, ...Object.values(g)]);
      }
      const g = big.grads(x, y);
      optBig.applyGradients(g);
      tf.dispose([x, y, ...Object.values(g)]);
      expect(maxDiffAll(acc.values(), big.values())).toBeGreaterThan(1e-4);
      accumulator.dispose();
      optBig.dispose();
      acc.dispose();
      big.dispose();
    });
  });
});
