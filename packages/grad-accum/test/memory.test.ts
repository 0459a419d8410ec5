import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { GradientAccumulator, LARS } from '@byolmed3d/grad-accum';
import { batch, makeMlp } from './mlp.js';

beforeAll(async () => {
  await useBackend();
});

const MICRO_BATCHES = 64;

/**
 * Runs 64 micro-batches (forward, backward, accumulate) with a window of
 * `steps` and records the peak of tf.memory() bytes and tensors over the run,
 * sampled inside every kernel (tf.profile) and after every call.
 */
async function peaks(steps: number, makeOpt: () => tf.Optimizer) {
  const m = makeMlp(`mem${steps}`);
  const accumulator = new GradientAccumulator(makeOpt(), { steps, clipNorm: 10 });
  const base = tf.memory();
  let peakBytes = 0;
  let peakTensors = 0;
  let stepped = 0;
  for (let i = 0; i < MICRO_BATCHES; i++) {
    const info = await tf.profile(() => {
      const { x, y } = batch(i % 4, 4);
      const g = m.grads(x, y);
      if (accumulator.accumulate(g).stepped) stepped++;
      tf.dispose([x, y, ...Object.values(g)]);
      peakTensors = Math.max(peakTensors, tf.memory().numTensors);
    });
    peakBytes = Math.max(peakBytes, info.peakBytes, tf.memory().numBytes);
    peakTensors = Math.max(peakTensors, tf.memory().numTensors);
  }
  const end = tf.memory();
  accumulator.dispose();
  m.dispose();
  return { peakBytes: peakBytes - base.numBytes, peakTensors: peakTensors - base.numTensors, endBytes: end.numBytes - base.numBytes, endTensors: end.numTensors - base.numTensors, stepped };
}

describe('memory does not grow with the number of accumulation steps', () => {
  for (const [name, makeOpt] of [
    ['SGD', () => tf.train.sgd(0.01)],
    ['LARS', () => new LARS({ learningRate: 0.01 })],
  ] as Array<[string, () => tf.Optimizer]>) {
    it(`${name}: peak bytes and live tensors do not grow with steps 1, 8, 64`, async () => {
      await expectNoLeaks(async () => {
        const r1 = await peaks(1, makeOpt);
        const r8 = await peaks(8, makeOpt);
        const r64 = await peaks(64, makeOpt);
        expect([r1.stepped, r8.stepped, r64.stepped]).toEqual([64, 8, 1]);
        // Persistent state: one slot per variable (+ optimizer state), whatever the window.
        expect(r8.endBytes).toBe(r1.endBytes);
        expect(r64.endBytes).toBe(r1.endBytes);
        expect(r64.endTensors).toBe(r1.endTensors);
        // Peaks: no growth with the window (64x more micro-batches per step cost
        // nothing more). Not always byte-identical: with steps = 64 the 4-byte
        // gradient-norm scalar only exists after the first step.
        expect(r8.peakBytes).toBeLessThanOrEqual(r1.peakBytes);
        expect(r64.peakBytes).toBeLessThanOrEqual(r1.peakBytes);
        expect(r1.peakBytes - r64.peakBytes).toBeLessThanOrEqual(4);
        expect(r8.peakTensors).toBeLessThanOrEqual(r1.peakTensors);
        expect(r64.peakTensors).toBeLessThanOrEqual(r1.peakTensors);
        expect(r1.peakBytes).toBeGreaterThan(0);
      });
    });
  }
});
