import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import { ByolMed3dError } from '@byolmed3d/util';
import { GradAccumError, GradientAccumulator, LARS } from '@byolmed3d/grad-accum';
import { batch, makeMlp, maxDiffAll, rows } from './mlp.js';

beforeAll(async () => {
  await useBackend();
});

function mkVar(values: number[], name: string): tf.Variable {
  const t = tf.tensor1d(values);
  const v = tf.variable(t, true, name);
  t.dispose();
  return v;
}

const vals = (v: tf.Tensor) => Array.from(v.dataSync());

describe('GradientAccumulator', () => {
  it('applies a partial window scaled by the micro-batches actually seen', async () => {
    await expectNoLeaks(() => {
      const acc = makeMlp('pw_acc');
      const big = makeMlp('pw_big');
      const accumulator = new GradientAccumulator(tf.train.sgd(0.2), { steps: 4 });
      const optBig = tf.train.sgd(0.2);
      const { x, y } = batch(7, 3 * 2);
      for (let i = 0; i < 3; i++) {
        const xi = rows(x, i * 2, 2);
        const yi = rows(y, i * 2, 2);
        const g = acc.grads(xi, yi);
        expect(accumulator.accumulate(g)).toEqual({ stepped: false, step: 0 });
        expect(accumulator.microStep).toBe(i + 1);
        tf.dispose([xi, yi, ...Object.values(g)]);
      }
      expect(maxDiffAll(acc.values(), big.values())).toBe(0); // nothing applied yet
      expect(accumulator.apply()).toEqual({ stepped: true, step: 1 });
      expect(accumulator.microStep).toBe(0);
      expect(accumulator.apply()).toEqual({ stepped: false, step: 1 }); // empty window: no-op
      const g = big.grads(x, y); // one batch of the 3 micro-batches (6 samples)
      optBig.applyGradients(g);
      tf.dispose([x, y, ...Object.values(g)]);
      expect(maxDiffAll(acc.values(), big.values())).toBeLessThan(1e-6);
      accumulator.dispose();
      optBig.dispose();
      acc.dispose();
      big.dispose();
    });
  });

  it('handles variables missing gradients in some micro-batches (skip and zero)', async () => {
    await expectNoLeaks(() => {
      for (const mode of ['skip', 'zero'] as const) {
        const a = mkVar([0, 0], `miss_${mode}/a`);
        const b = mkVar([0, 0], `miss_${mode}/b`);
        const c = mkVar([5, 5], `miss_${mode}/c`);
        // tfjs momentum keys its state by POSITION: a wrong order would mix a's and b's buffers.
        const accumulator = new GradientAccumulator(tf.train.momentum(1, 0.5), { steps: 4, missingGradients: mode });
        const feed = (i: number, withB: boolean, withC: boolean) => {
          const g: tf.NamedTensorMap = { [`miss_${mode}/a`]: tf.fill([2], i + 1) };
          if (withB) g[`miss_${mode}/b`] = tf.tensor1d([2 * (i + 1), -(i + 1)]);
          if (withC) g[`miss_${mode}/c`] = tf.ones([2]);
          const r = accumulator.accumulate(g);
          tf.dispose(Object.values(g));
          return r;
        };
        // Window 1: a in all four micro-batches (1, 2, 3, 4); b only in micro-batches 0 and 2; c never.
        feed(0, true, false);
        feed(1, false, false);
        feed(2, true, false);
        expect(feed(3, false, false)).toEqual({ stepped: true, step: 1 });
        expect(vals(a)).toEqual([-2.5, -2.5]); // mean 2.5
        // b: sum (2+6, -1-3) = (8, -4); skip: / 2 micro-batches, zero: / 4
        expect(vals(b)).toEqual(mode === 'skip' ? [-4, 2] : [-2, 1]);
        expect(vals(c)).toEqual([5, 5]); // no gradient in the window: untouched
        // Window 2: everyone gets gradients; momentum buffers must stay with their variables.
        for (let i = 0; i < 4; i++) feed(i, true, true);
        // a: v = 0.5 * 2.5 + 2.5 = 3.75 -> -6.25
        expect(vals(a)).toEqual([-6.25, -6.25]);
        // b: mean grad (5, -2.5); v = 0.5 * v1 + g
        const v1 = mode === 'skip' ? [4, -2] : [2, -1];
        const bWant = (mode === 'skip' ? [-4, 2] : [-2, 1]).map((w, k) => w - (0.5 * v1[k]! + [5, -2.5][k]!));
        expect(maxAbsDiff(vals(b), bWant)).toBeLessThan(1e-6);
        expect(vals(c)).toEqual([4, 4]); // first update of c: buffer starts at 0
        accumulator.dispose();
        tf.dispose([a, b, c]);
      }
    });
  });

  it('lastGradNormAsync reads the same norm without a synchronous download', async () => {
    await expectNoLeaks(async () => {
      const a = mkVar([0], 'normAsync/a');
      const b = mkVar([0], 'normAsync/b');
      const accumulator = new GradientAccumulator(tf.train.sgd(1), { steps: 1, trackGradNorm: true });
      expect(await accumulator.lastGradNormAsync()).toBeUndefined();
      const g = { 'normAsync/a': tf.tensor1d([3]), 'normAsync/b': tf.tensor1d([4]) };
      accumulator.accumulate(g);
      expect(await accumulator.lastGradNormAsync()).toBeCloseTo(5, 5);
      expect(await accumulator.lastGradNormAsync()).toBe(accumulator.lastGradNorm());
      tf.dispose(Object.values(g));
      accumulator.dispose();
      tf.dispose([a, b]);
    });
  });

  it('clips the combined gradient by global norm', async () => {
    await expectNoLeaks(() => {
      const a = mkVar([0], 'clip/a');
      const b = mkVar([0], 'clip/b');
      const accumulator = new GradientAccumulator(tf.train.sgd(1), { steps: 2, clipNorm: 1 });
      const g1 = { 'clip/a': tf.tensor1d([6]), 'clip/b': tf.tensor1d([8]) };
      const g2 = { 'clip/a': tf.tensor1d([0]), 'clip/b': tf.tensor1d([0]) };
      accumulator.accumulate(g1);
      expect(accumulator.lastGradNorm()).toBeUndefined();
      accumulator.accumulate(g2); // mean (3, 4): norm 5 -> scaled to (0.6, 0.8)
      expect(maxAbsDiff([...vals(a), ...vals(b)], [-0.6, -0.8])).toBeLessThan(1e-6);
      expect(accumulator.lastGradNorm()).toBeCloseTo(5, 5); // before clipping
      tf.dispose([...Object.values(g1), ...Object.values(g2)]);
      // Below the threshold: untouched gradient.
      const small = { 'clip/a': tf.tensor1d([0.3]), 'clip/b': tf.tensor1d([0.4]) };
      accumulator.accumulate(small);
      accumulator.apply();
      expect(maxAbsDiff([...vals(a), ...vals(b)], [-0.9, -1.2])).toBeLessThan(1e-6);
      expect(accumulator.lastGradNorm()).toBeCloseTo(0.5, 5);
      tf.dispose(Object.values(small));
      accumulator.dispose();
      tf.dispose([a, b]);
    });
  });

  it("sums with reduction 'sum'", async () => {
    await expectNoLeaks(() => {
      const a = mkVar([0, 0], 'sum/a');
      const accumulator = new GradientAccumulator(tf.train.sgd(1), { steps: 3, reduction: 'sum' });
      for (let i = 0; i < 3; i++) {
        const g = { 'sum/a': tf.tensor1d([1, i]) };
        accumulator.accumulate(g);
        tf.dispose(Object.values(g));
      }
      expect(vals(a)).toEqual([-3, -3]);
      accumulator.dispose();
      a.dispose();
    });
  });

  it('accepts int and float gradients alike, does not dispose them, and reset() drops a window', async () => {
    await expectNoLeaks(() => {
      const a = mkVar([0, 0], 'own/a');
      const accumulator = new GradientAccumulator(tf.train.sgd(1), { steps: 2 });
      const g = { 'own/a': tf.tensor1d([2, 4], 'int32') };
      accumulator.accumulate(g);
      expect(g['own/a'].isDisposed).toBe(false);
      accumulator.reset();
      expect(accumulator.microStep).toBe(0);
      accumulator.accumulate(g);
      accumulator.accumulate(g);
      expect(vals(a)).toEqual([-2, -4]);
      tf.dispose(Object.values(g));
      accumulator.dispose();
      a.dispose();
    });
  });

  it('satisfies the byol GradientConsumer shape and wraps LARS', async () => {
    await expectNoLeaks(() => {
      type GradientConsumer = { accumulate(grads: tf.NamedTensorMap): { stepped: boolean; step: number } };
      const m = makeMlp('consumer');
      const consumer: GradientConsumer = new GradientAccumulator(new LARS({ learningRate: 0.1 }), { steps: 2 });
      const { x, y } = batch(1, 4);
      const stepped: boolean[] = [];
      for (let i = 0; i < 5; i++) {
        const g = m.grads(x, y);
        stepped.push(consumer.accumulate(g).stepped);
        tf.dispose(Object.values(g));
      }
      expect(stepped).toEqual([false, true, false, true, false]);
      tf.dispose([x, y]);
      (consumer as GradientAccumulator).dispose();
      m.dispose();
    });
  });

  it('rejects bad options and mismatched gradients with GradAccumError', async () => {
    await expectNoLeaks(() => {
      const opt = tf.train.sgd(1);
      expect(() => new GradientAccumulator(opt, { steps: 0 })).toThrow(GradAccumError);
      const e = new GradAccumError('GradientAccumulator', 'steps must be >= 1');
      expect(e).toBeInstanceOf(ByolMed3dError);
      expect([e.name, e.where, e.reason, e.message]).toEqual(['GradAccumError', 'GradientAccumulator', 'steps must be >= 1', 'GradientAccumulator: steps must be >= 1']);
      expect(() => new GradientAccumulator(opt, { steps: 1.5 })).toThrow(/steps/);
      expect(() => new GradientAccumulator(opt, { steps: 2, clipNorm: -1 })).toThrow(/clipNorm/);
      const a = mkVar([0, 0], 'bad/a');
      const accumulator = new GradientAccumulator(opt, { steps: 2 });
      const wrong = { 'bad/a': tf.zeros([3]) };
      expect(() => accumulator.accumulate(wrong)).toThrow(/shape \[3\]/);
      const unknown = { 'bad/none': tf.zeros([2]) };
      expect(() => accumulator.accumulate(unknown)).toThrow(/no registered variable/);
      expect(accumulator.microStep).toBe(0); // a rejected micro-batch is not counted
      tf.dispose([...Object.values(wrong), ...Object.values(unknown)]);
      accumulator.dispose();
      expect(() => accumulator.apply()).toThrow(/disposed/);
      a.dispose();
    });
  });
});
