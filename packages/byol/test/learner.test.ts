import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import {
  BYOL,
  ByolError,
  SimCLR,
  SimSiam,
  cosineTau,
  type ConsumerStepResult,
  type Encoder,
  type GradientConsumer,
  type SelfSupervisedLearner,
} from '@byolmed3d/byol';
import { TinyEncoder, sameSnapshot, snapshot } from './tiny-encoder.js';

const SHAPE: [number, number, number, number, number] = [4, 2, 3, 3, 1];
const INPUT = 2 * 3 * 3;
const HEAD = { hiddenDim: 16, outputDim: 8 };

function views(seed: number): [tf.Tensor5D, tf.Tensor5D] {
  return tf.tidy(() => {
    const base = tf.randomNormal(SHAPE, 0, 1, 'float32', seed);
    return [
      tf.add(base, tf.randomNormal(SHAPE, 0, 0.1, 'float32', seed + 1)) as tf.Tensor5D,
      tf.add(tf.mul(base, 1.2), tf.randomNormal(SHAPE, 0, 0.1, 'float32', seed + 2)) as tf.Tensor5D,
    ];
  });
}

/** A stand-in for grad-accum's GradientAccumulator: applies SGD on every `every`-th call. */
class EveryNth implements GradientConsumer {
  calls = 0;
  steps = 0;
  constructor(
    readonly optimizer: tf.Optimizer,
    readonly every: number,
  ) {}
  accumulate(grads: tf.NamedTensorMap): ConsumerStepResult {
    this.calls++;
    if (this.calls % this.every !== 0) return { stepped: false, step: this.steps };
    this.optimizer.applyGradients(grads);
    this.steps++;
    return { stepped: true, step: this.steps };
  }
}

function makeByol(options: Partial<ConstructorParameters<typeof BYOL>[1]> = {}, encoderSeed = 7): BYOL {
  return new BYOL(new TinyEncoder({ inputSize: INPUT, hidden: 12, featureDim: 10, seed: encoderSeed }), {
    optimizer: tf.train.sgd(0.1),
    projector: HEAD,
    predictor: HEAD,
    tauBase: 0.99,
    totalSteps: 100,
    ...options,
  });
}

describe('BYOL', () => {
  it('gradients reach every online variable and never the target', async () => {
    await useBackend();
    const byol = makeByol();
    const [a, b] = views(1);
    const targetNames = new Set(byol.targetVariables.map((v) => v.name));
    expect(byol.trainableVariables.some((v) => targetNames.has(v.name))).toBe(false);
    expect(byol.targetVariables.every((v) => !v.trainable)).toBe(true);
    // Online: every variable gets a nonzero gradient.
    const online = tf.variableGrads(() => byol.loss(a, b), byol.trainableVariables);
    expect(Object.keys(online.grads).sort()).toEqual(byol.trainableVariables.map((v) => v.name).sort());
    for (const g of Object.values(online.grads)) expect(tf.util.sizeFromShape(g.shape) > 0 && (await tf.max(tf.abs(g)).data())[0]! > 0).toBe(true);
    tf.dispose([online.value, ...Object.values(online.grads)]);
    // Target: differentiating the loss with respect to the target's variables
    // gives zeros (marked trainable for this probe only, so tfjs walks the tape).
    byol.targetVariables.forEach((v) => (v.trainable = true));
    const target = tf.variableGrads(() => byol.loss(a, b), byol.targetVariables);
    byol.targetVariables.forEach((v) => (v.trainable = false));
    for (const g of Object.values(target.grads)) expect((await tf.max(tf.abs(g)).data())[0]).toBe(0);
    tf.dispose([target.value, ...Object.values(target.grads)]);
    // And step() hands the optimizer gradients of the online variables only.
    const seen: string[] = [];
    const spy = new BYOL(new TinyEncoder({ inputSize: INPUT, hidden: 12, featureDim: 10 }), {
      optimizer: { accumulate: (g: tf.NamedTensorMap) => (seen.push(...Object.keys(g)), { stepped: false, step: 0 }) },
      projector: HEAD,
      predictor: HEAD,
      totalSteps: 10,
    });
    spy.step(a, b);
    expect(seen.sort()).toEqual(spy.trainableVariables.map((v) => v.name).sort());
    expect(seen.some((n) => spy.targetVariables.some((v) => v.name === n))).toBe(false);
    spy.dispose({ encoder: true });
    tf.dispose([a, b]);
    byol.dispose({ encoder: true });
  });

  it('stepAsync gives the same stats and weights as step, reading back in one async download', async () => {
    await useBackend();
    const sync = makeByol({}, 11);
    const asyn = makeByol({}, 11);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const [a, b] = views(40 + i);
      const s1 = sync.step(a, b);
      const s2 = await asyn.stepAsync(a, b);
      expect(s2).toEqual(s1);
      expect(Number.isFinite(s2.loss)).toBe(true);
      tf.dispose([a, b]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(sameSnapshot(snapshot(asyn.trainableVariables), snapshot(sync.trainableVariables))).toBe(true);
    expect(sameSnapshot(snapshot(asyn.targetVariables), snapshot(sync.targetVariables))).toBe(true);
    sync.dispose({ encoder: true });
    asyn.dispose({ encoder: true });
  });

  it('lossWrapper wraps the loss given to tf.variableGrads: the identity changes nothing, a scaled loss scales the update', async () => {
    await useBackend();
    const plain = makeByol({}, 12);
    let calls = 0;
    const wrapped = makeByol({ lossWrapper: (f) => () => (calls++, f()) }, 12);
    // The wrapped loss is what gets differentiated: a zeroed loss leaves the online weights unchanged.
    const frozen = makeByol({ lossWrapper: (f) => () => tf.mul(f(), 0) as tf.Scalar }, 12);
    const start = snapshot(frozen.trainableVariables);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const [a, b] = views(60 + i);
      expect(wrapped.step(a, b)).toEqual(plain.step(a, b));
      frozen.step(a, b);
      tf.dispose([a, b]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toBe(2);
    expect(sameSnapshot(snapshot(wrapped.trainableVariables), snapshot(plain.trainableVariables))).toBe(true);
    expect(sameSnapshot(snapshot(plain.trainableVariables), start)).toBe(false);
    expect(sameSnapshot(snapshot(frozen.trainableVariables), start)).toBe(true);
    expect(() => makeByol({ lossWrapper: 3 as unknown as (f: () => tf.Scalar) => () => tf.Scalar })).toThrow(/lossWrapper must be a function/);
    [plain, wrapped, frozen].forEach((l) => l.dispose({ encoder: true }));
  });

  it('tau = 0: target equals online after the first update', async () => {
    await useBackend();
    const byol = makeByol({ tauBase: 0 });
    const onlineTargetPairs = [...byol.encoder.trainableVariables, ...byol.projector.trainableVariables];
    const before = snapshot(byol.targetVariables);
    const [a, b] = views(2);
    const s = byol.step(a, b);
    expect(s.stepped).toBe(true);
    expect(s.step).toBe(1);
    expect(s.tau).toBe(0);
    const after = snapshot(byol.targetVariables);
    expect(sameSnapshot(after, snapshot(onlineTargetPairs))).toBe(true);
    expect(sameSnapshot(after, before)).toBe(false);
    tf.dispose([a, b]);
    byol.dispose({ encoder: true });
  });

  it('tau = 1: target stays fixed while online moves', async () => {
    await useBackend();
    const byol = makeByol({ tauBase: 1 });
    const target0 = snapshot(byol.targetVariables);
    const online0 = snapshot(byol.trainableVariables);
    for (let i = 0; i < 3; i++) {
      const [a, b] = views(10 + i);
      const s = byol.step(a, b);
      expect(s.tau).toBe(1);
      tf.dispose([a, b]);
    }
    expect(sameSnapshot(snapshot(byol.targetVariables), target0)).toBe(true);
    expect(sameSnapshot(snapshot(byol.trainableVariables), online0)).toBe(false);
    byol.dispose({ encoder: true });
  });

  it('with a consumer stepping every 4th call, the target changes only on stepped calls, with tau(k) of optimizer steps', async () => {
    await useBackend();
    const consumer = new EveryNth(tf.train.sgd(0.2), 4);
    const K = 5;
    const byol = makeByol({ optimizer: consumer, tauBase: 0.5, totalSteps: K });
    const schedule = cosineTau({ tauBase: 0.5, totalSteps: K });
    let prev = snapshot(byol.targetVariables);
    const log: Array<{ stepped: boolean; step: number; tau: number | null; changed: boolean }> = [];
    for (let i = 1; i <= 12; i++) {
      const [a, b] = views(100 + i);
      const s = byol.step(a, b);
      tf.dispose([a, b]);
      const now = snapshot(byol.targetVariables);
      log.push({ stepped: s.stepped, step: s.step, tau: s.tau, changed: !sameSnapshot(now, prev) });
      prev = now;
    }
    expect(log.map((l) => l.stepped)).toEqual([false, false, false, true, false, false, false, true, false, false, false, true]);
    expect(log.map((l) => l.changed)).toEqual(log.map((l) => l.stepped));
    expect(log.map((l) => l.step)).toEqual([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
    // Stepped calls report the tau of the update (k = steps before it), others the next one's.
    log.forEach((l) => expect(l.tau).toBeCloseTo(schedule(l.stepped ? l.step - 1 : l.step), 12));
    expect(byol.optimizerStep).toBe(3);
    byol.dispose({ encoder: true });
  });

  it('flush() applies a partial window and updates the target for that optimizer step', async () => {
    await useBackend();
    class Windowed extends EveryNth {
      pending: tf.NamedTensorMap | null = null;
      override accumulate(grads: tf.NamedTensorMap): ConsumerStepResult {
        const r = super.accumulate(grads);
        if (this.pending) tf.dispose(Object.values(this.pending));
        // Keep a copy of the last micro-batch's gradients (the learner disposes its own).
        this.pending = r.stepped ? null : Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.clone(g)]));
        return r;
      }
      apply(): ConsumerStepResult {
        if (!this.pending) return { stepped: false, step: this.steps };
        this.optimizer.applyGradients(this.pending);
        tf.dispose(Object.values(this.pending));
        this.pending = null;
        this.steps++;
        return { stepped: true, step: this.steps };
      }
    }
    const consumer = new Windowed(tf.train.sgd(0.1), 4);
    const byol = makeByol({ optimizer: consumer, tauBase: 0 });
    const [a, b] = views(70);
    byol.step(a, b);
    byol.step(a, b);
    const before = snapshot(byol.targetVariables);
    const f = byol.flush();
    expect(f).toEqual({ stepped: true, step: 1, tau: 0 });
    expect(sameSnapshot(snapshot(byol.targetVariables), before)).toBe(false);
    expect(sameSnapshot(snapshot(byol.targetVariables), snapshot([...byol.encoder.trainableVariables, ...byol.projector.trainableVariables]))).toBe(true);
    expect(byol.optimizerStep).toBe(1);
    // Nothing pending: no step, no target change.
    const again = snapshot(byol.targetVariables);
    expect(byol.flush().stepped).toBe(false);
    expect(sameSnapshot(snapshot(byol.targetVariables), again)).toBe(true);
    tf.dispose([a, b]);
    byol.dispose({ encoder: true });
    // A plain optimizer has nothing to flush.
    const plain = makeByol();
    expect(plain.flush()).toEqual({ stepped: false, step: 0, tau: 0.99 });
    plain.dispose({ encoder: true });
  });

  it('rejects an encoder whose clone lists its variables differently', async () => {
    await useBackend();
    const enc = new TinyEncoder({ inputSize: INPUT, hidden: 12, featureDim: 10 });
    const bad: Encoder = {
      apply: (x, o) => enc.apply(x, o),
      featureDim: enc.featureDim,
      trainableVariables: enc.trainableVariables,
      dispose: () => enc.dispose(),
      clone: () => {
        const c = enc.clone();
        return { apply: (x, o) => c.apply(x, o), featureDim: c.featureDim, dispose: () => c.dispose(), clone: () => c.clone(), trainableVariables: [...c.trainableVariables].reverse() };
      },
    };
    const optimizer = tf.train.sgd(0.1);
    const n = tf.memory().numTensors;
    expect(() => new BYOL(bad, { optimizer, projector: HEAD, predictor: HEAD, totalSteps: 10 })).toThrow(/same order/);
    expect(tf.memory().numTensors).toBe(n);
    enc.dispose();
    optimizer.dispose();
  });

  it('reports collapse statistics: std of normalised projections and the view cosine', async () => {
    await useBackend();
    const byol = makeByol();
    const [a, b] = views(3);
    const s = byol.step(a, b);
    expect(s.projectionDim).toBe(8);
    expect(s.projectionStd).toBeGreaterThan(0.05);
    expect(s.projectionStd).toBeLessThan(1);
    expect(s.viewCosine).toBeGreaterThan(-1);
    expect(s.viewCosine).toBeLessThan(1);
    expect(s.loss).toBeGreaterThanOrEqual(0);
    expect(s.loss).toBeLessThanOrEqual(8);
    // The same view twice: cosine 1 (both passes use their own batch statistics, equal here).
    const same = byol.step(a, a);
    expect(same.viewCosine).toBeCloseTo(1, 5);
    tf.dispose([a, b]);
    byol.dispose({ encoder: true });
  });

  it('embed gives eval-mode features without touching running statistics', async () => {
    await useBackend();
    const byol = makeByol();
    const [a, b] = views(4);
    const stats0 = snapshot(byol.encoder.nonTrainableVariables ?? []);
    const e = await expectNoLeaks(() => {
      const f = byol.embed(a);
      const copy = f.dataSync().slice();
      f.dispose();
      return copy;
    });
    expect(e.length).toBe(4 * 10);
    expect(sameSnapshot(snapshot(byol.encoder.nonTrainableVariables ?? []), stats0)).toBe(true);
    tf.dispose([a, b]);
    byol.dispose({ encoder: true });
  });

  it("reads a consumer's own step as its clock, and refuses to train on when a restore left the consumer behind", async () => {
    await useBackend();
    class Clocked extends EveryNth {
      get step(): number {
        return this.steps;
      }
    }
    const consumer = new Clocked(tf.train.sgd(0.1), 2);
    const src = makeByol({ optimizer: consumer });
    const [a, b] = views(40);
    for (let i = 0; i < 4; i++) src.step(a, b);
    expect(src.optimizerStep).toBe(2);
    consumer.steps = 5; // the consumer is the one clock: the learner keeps no copy of its own
    expect(src.optimizerStep).toBe(5);
    consumer.steps = 2;
    const entries = src.getWeights();
    const fresh = new Clocked(tf.train.sgd(0.1), 2);
    const dst = makeByol({ optimizer: fresh, seed: 5 }, 99);
    dst.setWeights(entries);
    expect(() => dst.step(a, b)).toThrow(/restored at optimizer step 2 but its gradient consumer is at step 0/);
    expect(() => dst.flush()).not.toThrow(); // EveryNth has no apply(): nothing to check or do
    fresh.steps = 2; // the consumer's state restored from the same checkpoint
    const s = dst.step(a, b);
    expect(s.step).toBe(2);
    expect(dst.step(a, b).step).toBe(3);
    tf.dispose([a, b, ...entries.map((e) => e.tensor)]);
    src.dispose({ encoder: true });
    dst.dispose({ encoder: true });
  });

  it('getWeights / setWeights round-trip online, target, running stats and step', async () => {
    await useBackend();
    const src = makeByol({}, 7);
    for (let i = 0; i < 2; i++) {
      const [a, b] = views(20 + i);
      src.step(a, b);
      tf.dispose([a, b]);
    }
    const entries = src.getWeights();
    const names = entries.map((e) => e.name);
    expect(names).toContain('online/projector/net.0.weight');
    expect(names).toContain('online/predictor/net.1.running_var');
    expect(names).toContain('target/encoder/fc1.weight');
    expect(names).toContain('target/projector/net.3.bias');
    expect(names).toContain('step');
    const dst = makeByol({ seed: 5 }, 99);
    expect(dst.optimizerStep).toBe(0);
    dst.setWeights(entries);
    expect(dst.optimizerStep).toBe(2);
    const all = (l: BYOL) => [...l.trainableVariables, ...l.targetVariables, ...(l.encoder.nonTrainableVariables ?? [])];
    expect(sameSnapshot(snapshot(all(dst)), snapshot(all(src)))).toBe(true);
    // Both now produce the same step.
    const [a, b] = views(30);
    const sa = src.step(a, b);
    const sb = dst.step(a, b);
    expect(Math.abs(sa.loss - sb.loss)).toBeLessThan(1e-6);
    expect(sb.step).toBe(3);
    // Strict loading rejects missing and unexpected entries and wrong shapes.
    expect(() => dst.setWeights(entries.slice(1))).toThrow(/missing/);
    expect(() => dst.setWeights([...entries, { name: 'extra', tensor: entries[0]!.tensor }])).toThrow(/unexpected/);
    const bad = entries.map((e) => (e.name === 'online/projector/net.0.bias' ? { name: e.name, tensor: tf.zeros([3]) } : e));
    expect(() => dst.setWeights(bad, { strict: false })).toThrow(ByolError);
    tf.dispose(bad.filter((e) => e.name === 'online/projector/net.0.bias').map((e) => e.tensor));
    tf.dispose(entries.map((e) => e.tensor));
    tf.dispose([a, b]);
    src.dispose({ encoder: true });
    dst.dispose({ encoder: true });
  });

  it('stepAsync and setWeightsAsync read nothing synchronously; a bad step leaves the learner unchanged', async () => {
    await useBackend();
    const src = makeByol({}, 7);
    const dst = makeByol({ seed: 5 }, 99);
    const [a, b] = views(40);
    const proto = tf.Tensor.prototype as unknown as Record<'dataSync' | 'arraySync', () => unknown>;
    const saved = { dataSync: proto.dataSync, arraySync: proto.arraySync };
    const before = snapshot(dst.trainableVariables);
    const entries = await (async () => {
      proto.dataSync = proto.arraySync = () => {
        throw new Error('synchronous read');
      };
      try {
        const s = await src.stepAsync(a, b);
        expect(s.step).toBe(1);
        const e = src.getWeights();
        const bad = e.map((x) => (x.name === 'step' ? { name: 'step', tensor: tf.scalar(-1, 'int32') } : x));
        await expect(dst.setWeightsAsync(bad)).rejects.toThrow(/non-negative integer/);
        expect(dst.optimizerStep).toBe(0);
        const mid = await Promise.all(dst.trainableVariables.map(async (v) => Float32Array.from((await v.data()) as Float32Array)));
        expect(sameSnapshot(mid, before)).toBe(true);
        tf.dispose(bad.find((x) => x.name === 'step')!.tensor);
        await dst.setWeightsAsync(e);
        return e;
      } finally {
        Object.assign(proto, saved);
      }
    })();
    expect(dst.optimizerStep).toBe(1);
    expect(sameSnapshot(snapshot(dst.trainableVariables), before)).toBe(false);
    expect(sameSnapshot(snapshot(dst.trainableVariables), snapshot(src.trainableVariables))).toBe(true);
    tf.dispose(entries.map((e) => e.tensor));
    tf.dispose([a, b]);
    src.dispose({ encoder: true });
    dst.dispose({ encoder: true });
  });

  it('validates its arguments', async () => {
    await useBackend();
    const enc = new TinyEncoder({ inputSize: INPUT, hidden: 12, featureDim: 10 });
    const opt = tf.train.sgd(0.1);
    expect(() => new BYOL(enc, { optimizer: opt, projector: HEAD, predictor: HEAD })).toThrow(/totalSteps/);
    expect(() => new BYOL(enc, { optimizer: opt, projector: HEAD, predictor: { outputDim: 3 }, totalSteps: 10 })).toThrow(/outputDim/);
    expect(() => new BYOL(enc, { optimizer: {} as tf.Optimizer, totalSteps: 10 })).toThrow(/optimizer/);
    const byol = new BYOL(enc, { optimizer: opt, projector: HEAD, predictor: HEAD, totalSteps: 10 });
    const a = tf.zeros([2, 2, 3, 3, 1]);
    const b = tf.zeros([3, 2, 3, 3, 1]);
    const one = tf.zeros([1, 2, 3, 3, 1]);
    expect(() => byol.step(a, b)).toThrow(/differ in shape/);
    expect(() => byol.step(one, one)).toThrow(/at least 2/);
    tf.dispose([a, b, one]);
    byol.dispose({ encoder: true });
  });
});

describe('every objective', () => {
  const makers: Record<string, (opt: tf.Optimizer | GradientConsumer) => SelfSupervisedLearner> = {
    byol: (optimizer) => makeByol({ optimizer }),
    simsiam: (optimizer) => new SimSiam(new TinyEncoder({ inputSize: INPUT, hidden: 12, featureDim: 10 }), { optimizer, projector: HEAD, predictor: HEAD }),
    simclr: (optimizer) => new SimCLR(new TinyEncoder({ inputSize: INPUT, hidden: 12, featureDim: 10 }), { optimizer, projector: HEAD, temperature: 0.5 }),
  };

  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: a step leaks no tensors (plain optimizer and gradient consumer) and lowers the loss on a fixed batch`, async () => {
      await useBackend();
      for (const opt of [tf.train.adam(0.01), new EveryNth(tf.train.momentum(0.05, 0.9), 2)]) {
        const learner = make(opt);
        expect(learner.objective).toBe(name);
        const [a, b] = views(50);
        // Optimizer slots are created on the first steps; steady state allocates nothing.
        learner.step(a, b);
        learner.step(a, b);
        const first = learner.loss(a, b);
        const l0 = first.dataSync()[0]!;
        first.dispose();
        await expectNoLeaks(() => {
          for (let i = 0; i < 6; i++) learner.step(a, b);
        });
        const last = learner.loss(a, b);
        expect(last.dataSync()[0]!).toBeLessThan(l0);
        last.dispose();
        tf.dispose([a, b]);
        const before = tf.memory().numTensors;
        const nVars = learner.trainableVariables.length;
        learner.dispose({ encoder: true });
        expect(tf.memory().numTensors).toBeLessThan(before - nVars + 1);
        if (opt instanceof tf.Optimizer) opt.dispose();
        else opt.optimizer.dispose();
      }
    });
  }

  it('simsiam: the stop-gradient branch gets no gradient (matches a constant target)', async () => {
    await useBackend();
    const learner = new SimSiam(new TinyEncoder({ inputSize: INPUT, hidden: 12, featureDim: 10, batchNorm: false }), {
      optimizer: tf.train.sgd(0.1),
      projector: { ...HEAD, norm: 'none', outputNorm: false },
      predictor: { ...HEAD, norm: 'none' },
    });
    const [a, b] = views(60);
    const g1 = tf.variableGrads(() => learner.loss(a, b), learner.trainableVariables);
    // Same loss with the projections taken as constants (computed outside the tape).
    const zA = learner.projector.apply(learner.encoder.apply(a, { training: true }).features, { training: true });
    const zB = learner.projector.apply(learner.encoder.apply(b, { training: true }).features, { training: true });
    const g2 = tf.variableGrads(() => {
      const pa = learner.predictor.apply(learner.projector.apply(learner.encoder.apply(a, { training: true }).features, { training: true }), { training: true });
      const pb = learner.predictor.apply(learner.projector.apply(learner.encoder.apply(b, { training: true }).features, { training: true }), { training: true });
      return tf.mul(-0.5, tf.add(tf.mean(tf.sum(tf.mul(l2(pa), l2(zB)), 1)), tf.mean(tf.sum(tf.mul(l2(pb), l2(zA)), 1)))) as tf.Scalar;
    }, learner.trainableVariables);
    expect(Math.abs(g1.value.dataSync()[0]! - g2.value.dataSync()[0]!)).toBeLessThan(1e-6);
    for (const k of Object.keys(g2.grads)) expect(maxAbsDiff(g1.grads[k]!.dataSync(), g2.grads[k]!.dataSync())).toBeLessThan(1e-5);
    tf.dispose([a, b, zA, zB, g1.value, g2.value, ...Object.values(g1.grads), ...Object.values(g2.grads)]);
    learner.dispose({ encoder: true });
  });
});

function l2(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.norm(x, 'euclidean', 1, true)) as tf.Tensor2D;
}
