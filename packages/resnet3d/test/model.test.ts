import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import {
  ARCHITECTURES,
  BatchNorm3d,
  GroupNorm3d,
  KINETICS400_MEAN,
  KINETICS400_STD,
  ParamStore,
  VideoResNet,
  WeightsError,
  createVideoResNet,
  groupCount,
  midPlanes,
  normalizeClip,
  torchvisionInitializer,
  type StateDict,
  type VideoResNetArch,
} from '@byolmed3d/resnet3d';

function expectSameStateDict(a: StateDict, b: StateDict): void {
  expect(Object.keys(b)).toEqual(Object.keys(a));
  for (const [k, e] of Object.entries(a)) {
    const f = b[k]!;
    expect(f.shape, k).toEqual(e.shape);
    const x = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    const y = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    expect(x.equals(y), k).toBe(true);
  }
}

const clip = (shape: number[], seed: number): tf.Tensor5D => tf.randomUniform(shape, -1, 1, 'float32', seed) as tf.Tensor as tf.Tensor5D;

describe('VideoResNet', () => {
  beforeAll(async () => {
    await useBackend();
  });

  it('builds every architecture at small width with the right shapes, stages and torchvision names', async () => {
    const x = clip([2, 4, 16, 16, 3], 1);
    for (const arch of Object.keys(ARCHITECTURES) as VideoResNetArch[]) {
      const m = createVideoResNet(arch, { widthMultiplier: 0.125, numClasses: 7 });
      try {
        const exp = arch === 'r3d_50' ? 4 : 1;
        expect(m.featureDim).toBe(64 * exp);
        await expectNoLeaks(() => {
          const out = m.apply(x, { stages: true });
          expect(out.features.shape).toEqual([2, 64 * exp]);
          expect(out.logits!.shape).toEqual([2, 7]);
          const s = out.stages!;
          expect(s.stem.shape).toEqual([2, 4, 8, 8, arch === 'r2plus1d_18' ? 8 : 8]);
          const tl2 = arch === 'mc3_18' ? 4 : 2;
          expect(s.layer1.shape).toEqual([2, 4, 8, 8, 8 * exp]);
          expect(s.layer2.shape).toEqual([2, tl2, 4, 4, 16 * exp]);
          expect(s.layer4.shape).toEqual([2, arch === 'mc3_18' ? 4 : 1, 1, 1, 64 * exp]);
          tf.dispose(out as unknown as tf.TensorContainer);
        });
        expect(m.parameterNames[0]).toBe('stem.0.weight');
        expect(m.parameterNames.at(-1)).toBe('fc.bias');
        expect(m.trainableVariables[0]!.name).toBe(`${m.name}/stem.0.weight`);
      } finally {
        m.dispose();
      }
    }
    x.dispose();
  });

  it('r2plus1d uses torchvision midplanes and the 45-channel stem', () => {
    expect(midPlanes(64, 64)).toBe(144);
    expect(midPlanes(64, 128)).toBe(230);
    const m = createVideoResNet('r2plus1d_18', { numClasses: 0, initializer: (_n, _s, _k, shape) => tf.zeros(shape) });
    try {
      const sd = m.stateDict();
      expect(sd['stem.0.weight']!.shape).toEqual([45, 3, 1, 7, 7]);
      expect(sd['stem.3.weight']!.shape).toEqual([64, 45, 3, 1, 1]);
      expect(sd['layer2.0.conv1.0.0.weight']!.shape).toEqual([230, 64, 1, 3, 3]);
      expect(sd['layer2.0.conv1.0.3.weight']!.shape).toEqual([128, 230, 3, 1, 1]);
      expect(sd['layer2.0.downsample.0.weight']!.shape).toEqual([128, 64, 1, 1, 1]);
      expect(sd['fc.weight']).toBeUndefined();
    } finally {
      m.dispose();
    }
  });

  it('encoder mode (numClasses 0) gives features only; a 1-channel stem works', () => {
    const m = createVideoResNet('mc3_18', { numClasses: 0, widthMultiplier: 0.125, inChannels: 1 });
    const x = clip([1, 2, 8, 8, 1], 2);
    const out = m.apply(x);
    expect(out.logits).toBeUndefined();
    expect(out.features.shape).toEqual([1, 64]);
    expect(() => m.apply(clip([1, 2, 8, 8, 3], 2))).toThrow(/expected 1 channels/);
    tf.dispose([x, out.features]);
    m.dispose();
    expect(() => m.apply(x)).toThrow(/disposed/);
  });

  it('names variables uniquely per instance', () => {
    const a = createVideoResNet('r3d_18', { widthMultiplier: 0.125 });
    const b = createVideoResNet('r3d_18', { widthMultiplier: 0.125 });
    const c = createVideoResNet('r3d_18', { widthMultiplier: 0.125, name: 'online' });
    const d = createVideoResNet('r3d_18', { widthMultiplier: 0.125, name: 'online' });
    try {
      expect(a.name).toMatch(/^r3d_18_\d+$/);
      expect(b.name).not.toBe(a.name);
      expect(c.name).toBe('online');
      expect(d.name).toMatch(/^online_\d+$/);
      const names = [a, b, c, d].flatMap((m) => [...m.trainableVariables, ...m.nonTrainableVariables].map((v) => v.name));
      expect(new Set(names).size).toBe(names.length);
      expect(a.trainableVariables.map((v) => v.name)).toContain(`${a.name}/layer1.0.conv1.0.weight`);
    } finally {
      for (const m of [a, b, c, d]) m.dispose();
    }
  });

  it('clone copies weights, running statistics and counters under new names, and is independent', async () => {
    const a = createVideoResNet('r3d_18', { widthMultiplier: 0.125, numClasses: 4, seed: 3 });
    const x = clip([2, 4, 8, 8, 3], 3);
    tf.dispose(a.apply(x, { training: true }) as unknown as tf.TensorContainer);
    const b = a.clone();
    try {
      expect(b.name).not.toBe(a.name);
      expect(b.trainableVariables.map((v) => v.name.split('/')[1])).toEqual(a.trainableVariables.map((v) => v.name.split('/')[1]));
      const sa = a.stateDict();
      expectSameStateDict(sa, b.stateDict());
      const ya = a.apply(x);
      const yb = b.apply(x);
      expect(Array.from(yb.logits!.dataSync())).toEqual(Array.from(ya.logits!.dataSync()));
      tf.dispose([ya.features, ya.logits!, yb.features, yb.logits!]);
      // Changing the clone leaves the original alone (weights and running stats).
      b.getVariable('stem.0.weight')!.assign(tf.zerosLike(b.getVariable('stem.0.weight')!));
      tf.dispose(b.apply(x, { training: true }) as unknown as tf.TensorContainer);
      expectSameStateDict(sa, a.stateDict());
      // Disposing the original leaves the clone usable.
      a.dispose();
      const y = b.apply(x);
      expect(y.features.shape).toEqual([2, 64]);
      tf.dispose([y.features, y.logits!]);
    } finally {
      a.dispose();
      b.dispose();
      x.dispose();
    }
  });

  it('creating, training and disposing leaks no tensors', async () => {
    const x = clip([2, 2, 8, 8, 3], 4);
    await expectNoLeaks(() => {
      const m = createVideoResNet('r2plus1d_18', { widthMultiplier: 0.125, numClasses: 3 });
      const opt = tf.train.sgd(0.1);
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3));
      const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(labels, m.apply(x, { training: true }).logits!) as tf.Scalar;
      const { value, grads } = tf.variableGrads(loss, m.trainableVariables);
      expect(Object.keys(grads).length).toBe(m.trainableVariables.length);
      for (const g of Object.values(grads)) expect(g.dataSync().every((v) => Number.isFinite(v))).toBe(true);
      opt.applyGradients(grads);
      tf.dispose([value, labels, ...Object.values(grads)]);
      opt.dispose();
      const c = m.clone();
      c.dispose();
      m.dispose();
    });
    x.dispose();
  });

  it('a few SGD steps lower the training loss', () => {
    const m = createVideoResNet('r3d_18', { widthMultiplier: 0.125, numClasses: 2, norm: 'group', groups: 4 });
    const x = clip([2, 2, 8, 8, 3], 5);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2));
    const opt = tf.train.sgd(0.01);
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, m.apply(x, { training: true }).logits!) as tf.Scalar, true, m.trainableVariables)!;
      losses.push(l.dataSync()[0]!);
      l.dispose();
    }
    expect(losses[3]!).toBeLessThan(losses[0]!);
    tf.dispose([x, labels]);
    opt.dispose();
    m.dispose();
  });

  it('group norm: no running statistics, per-sample statistics (batch composition does not matter)', () => {
    const m = createVideoResNet('r3d_18', { widthMultiplier: 0.125, norm: 'group', numClasses: 0 });
    try {
      expect(m.nonTrainableVariables).toEqual([]);
      expect(Object.keys(m.stateDict()).some((k) => k.includes('running'))).toBe(false);
      const x1 = clip([1, 2, 8, 8, 3], 6);
      const x2 = clip([1, 2, 8, 8, 3], 7);
      const both = tf.concat([x1, x2], 0) as tf.Tensor5D;
      const a = m.apply(x1, { training: true }).features;
      const b = m.apply(both, { training: true }).features;
      const c = m.apply(x1, { training: false }).features;
      const b0 = tf.slice(b, [0, 0], [1, -1]);
      expect(tf.max(tf.abs(tf.sub(a, b0))).dataSync()[0]).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(tf.sub(a, c))).dataSync()[0]).toBe(0);
      tf.dispose([x1, x2, both, a, b, b0, c]);
    } finally {
      m.dispose();
    }
    expect(groupCount(45, 32)).toBe(15);
    expect(groupCount(64, 32)).toBe(32);
    expect(groupCount(7, 4)).toBe(1);
  });

  it('batch norm follows PyTorch: biased variance to normalise, momentum 0.1, unbiased running_var', () => {
    const store = new ParamStore('bn_test', torchvisionInitializer(0));
    const bn = new BatchNorm3d(store, 'bn', 2);
    const data = Float32Array.from({ length: 2 * 1 * 2 * 2 * 2 }, (_, i) => Math.sin(i) * 3 + (i % 2));
    const x = tf.tensor5d(data, [2, 1, 2, 2, 2]);
    bn.runningMean.assign(tf.tensor1d([0.5, -0.5]));
    bn.runningVar.assign(tf.tensor1d([2, 3]));
    const y = bn.apply(x, true).dataSync();
    for (let c = 0; c < 2; c++) {
      const v = Array.from(data).filter((_, i) => i % 2 === c);
      const mean = v.reduce((s, a) => s + a, 0) / v.length;
      const biased = v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length;
      const unbiased = (biased * v.length) / (v.length - 1);
      v.forEach((a, k) => expect(y[2 * k + c]).toBeCloseTo((a - mean) / Math.sqrt(biased + 1e-5), 5));
      expect(bn.runningMean.dataSync()[c]).toBeCloseTo(0.9 * [0.5, -0.5][c]! + 0.1 * mean, 6);
      expect(bn.runningVar.dataSync()[c]).toBeCloseTo(0.9 * [2, 3][c]! + 0.1 * unbiased, 6);
    }
    // Eval mode uses the running statistics and changes nothing.
    const rm = bn.runningMean.dataSync().slice();
    const ye = bn.apply(x, false).dataSync();
    expect(ye[0]).toBeCloseTo((data[0]! - rm[0]!) / Math.sqrt(bn.runningVar.dataSync()[0]! + 1e-5), 5);
    expect(Array.from(bn.runningMean.dataSync())).toEqual(Array.from(rm));
    expect(() => bn.apply(tf.zeros([1, 1, 1, 1, 2]) as tf.Tensor5D, true)).toThrow(/more than 1 value per channel/);
    const gn = new GroupNorm3d(store, 'gn', 4, 2);
    expect(gn.groups).toBe(2);
    tf.dispose(x);
    for (const r of store.records.values()) r.variable.dispose();
  });

  it('loadStateDict: strict errors, shape mismatches change nothing, module. prefix, non-strict report', () => {
    const a = createVideoResNet('r3d_18', { widthMultiplier: 0.125, numClasses: 3, seed: 1 });
    const b = createVideoResNet('r3d_18', { widthMultiplier: 0.125, numClasses: 5, seed: 2 });
    try {
      const before = b.stateDict();
      expect(() => b.loadStateDict(a.stateDict())).toThrow(WeightsError);
      expect(() => b.loadStateDict(a.stateDict(), { strict: false })).toThrow(/size mismatch for fc.weight/);
      expectSameStateDict(before, b.stateDict());
      const noFc = Object.fromEntries(Object.entries(a.stateDict()).filter(([k]) => !k.startsWith('fc.')));
      const res = b.loadStateDict(noFc, { strict: false });
      expect(res.missingKeys).toEqual(['fc.weight', 'fc.bias']);
      const prefixed = new Map(Object.entries(a.stateDict()).map(([k, v]) => [`module.${k}`, { shape: v.shape, data: v.data }]));
      const c = createVideoResNet('r3d_18', { widthMultiplier: 0.125, numClasses: 3 });
      expect(c.loadStateDict(prefixed)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expectSameStateDict(a.stateDict(), c.stateDict());
      const extra = { ...a.stateDict(), 'head.weight': { shape: [1], data: [1] } };
      expect(() => c.loadStateDict(extra)).toThrow(/Unexpected key\(s\) in state_dict: head.weight/);
      expect(c.loadStateDict(extra, { strict: false }).unexpectedKeys).toEqual(['head.weight']);
      c.dispose();
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('rejects bad options', () => {
    expect(() => createVideoResNet('r4d' as VideoResNetArch)).toThrow(/unknown architecture/);
    expect(() => createVideoResNet('r3d_18', { widthMultiplier: 0 })).toThrow(/widthMultiplier/);
    expect(() => createVideoResNet('r3d_18', { numClasses: -1 })).toThrow(/numClasses/);
    expect(() => new VideoResNet(ARCHITECTURES.r3d_18, { norm: 'layer' as 'batch' })).toThrow(/norm/);
  });

  it('Kinetics-400 preset normalises channels last', () => {
    expect(KINETICS400_MEAN).toEqual([0.43216, 0.394666, 0.37645]);
    expect(KINETICS400_STD).toEqual([0.22803, 0.22145, 0.216989]);
    const x = tf.tensor5d([0.43216, 0.394666, 0.37645, 1, 1, 1], [1, 1, 1, 2, 3]);
    const y = normalizeClip(x).dataSync();
    expect(Math.abs(y[0]!)).toBeLessThan(1e-6);
    expect(y[3]).toBeCloseTo((1 - 0.43216) / 0.22803, 5);
    tf.dispose(x);
  });
});
