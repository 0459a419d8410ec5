/**
 * The learners with the real sibling packages: resnet3d's VideoResNet as the
 * encoder (it satisfies `Encoder` structurally) and grad-accum's
 * GradientAccumulator as the `GradientConsumer`, with LARS behind it.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { BYOL, SimCLR, SimSiam, cosineTau, type SelfSupervisedLearner, type StepStats } from '@byolmed3d/byol';
import { createVideoResNet } from '@byolmed3d/resnet3d';
import { GradientAccumulator, LARS } from '@byolmed3d/grad-accum';
import { sameSnapshot, snapshot } from './tiny-encoder.js';

const tiny = () => createVideoResNet('r3d_18', { numClasses: 0, widthMultiplier: 0.125, inChannels: 1, seed: 1 });
const HEAD = { hiddenDim: 32, outputDim: 16 };

describe('with VideoResNet and GradientAccumulator', () => {
  it('BYOL: target moves once per accumulated optimizer step, flush() covers the partial window, no leaks', async () => {
    await useBackend();
    const a = tf.randomNormal([2, 2, 8, 8, 1], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 2, 8, 8, 1], 0, 1, 'float32', 2);
    const accumulator = new GradientAccumulator(new LARS({ learningRate: 0.1 }), { steps: 2 });
    const K = 10;
    const byol = new BYOL(tiny(), { optimizer: accumulator, projector: HEAD, predictor: HEAD, tauBase: 0.9, totalSteps: K });
    expect(byol.getWeights().map((e) => (e.tensor.dispose(), e.name))).toContain('target/encoder/layer1.0.conv1.0.weight');
    const log: Array<StepStats & { changed: boolean }> = [];
    let prev = snapshot(byol.targetVariables);
    const run = () => {
      const s = byol.step(a, b);
      const now = snapshot(byol.targetVariables);
      log.push({ ...s, changed: !sameSnapshot(now, prev) });
      prev = now;
    };
    run();
    run();
    await expectNoLeaks(() => {
      run();
      run();
      run();
    });
    expect(log.map((s) => s.stepped)).toEqual([false, true, false, true, false]);
    expect(log.map((s) => s.changed)).toEqual([false, true, false, true, false]);
    expect(log.map((s) => s.step)).toEqual([0, 1, 1, 2, 2]);
    expect(log[3]!.tau).toBeCloseTo(cosineTau({ tauBase: 0.9, totalSteps: K })(1), 12);
    expect(accumulator.step).toBe(2);
    const f = byol.flush();
    expect(f.stepped).toBe(true);
    expect(f.step).toBe(3);
    expect(sameSnapshot(snapshot(byol.targetVariables), prev)).toBe(false);
    byol.dispose({ encoder: true });
    accumulator.dispose();
    tf.dispose([a, b]);
  });

  it('SimSiam and SimCLR run on the same encoder type and consumer', async () => {
    await useBackend();
    const a = tf.randomNormal([2, 2, 8, 8, 1], 0, 1, 'float32', 3);
    const b = tf.randomNormal([2, 2, 8, 8, 1], 0, 1, 'float32', 4);
    for (const make of [
      (o: GradientAccumulator): SelfSupervisedLearner => new SimSiam(tiny(), { optimizer: o, projector: HEAD, predictor: HEAD }),
      (o: GradientAccumulator): SelfSupervisedLearner => new SimCLR(tiny(), { optimizer: o, projector: HEAD }),
    ]) {
      const accumulator = new GradientAccumulator(tf.train.sgd(0.05), { steps: 1 });
      const learner = make(accumulator);
      const s = learner.step(a, b);
      expect(s.stepped).toBe(true);
      expect(Number.isFinite(s.loss) && s.projectionStd > 0).toBe(true);
      learner.dispose({ encoder: true });
      accumulator.dispose();
    }
    tf.dispose([a, b]);
  });
});
