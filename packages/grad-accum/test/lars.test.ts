import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import { excludeByName, excludeNone, LARS, type ExcludePredicate } from '@byolmed3d/grad-accum';

beforeAll(async () => {
  await useBackend();
});

// A two-layer example, everything by hand in plain JS (row-major matrices).
type Mat = number[][];
const X: Mat = [
  [0.5, -1.0],
  [1.5, 0.25],
  [-0.75, 2.0],
];
const T = [0.3, -0.2, 0.8];
const INIT = {
  w1: [
    [0.2, -0.4, 0.6],
    [0.5, 0.3, -0.1],
  ],
  b1: [0.1, -0.05, 0.2],
  w2: [[0.7], [-0.3], [0.4]],
  b2: [0.05],
};
type Params = { w1: Mat; b1: number[]; w2: Mat; b2: number[] };
const clone = (p: Params): Params => JSON.parse(JSON.stringify(p)) as Params;

/** Gradients of mean((relu(X W1 + b1) W2 + b2 - T)^2), computed by hand. */
function handGrads(p: Params): Params {
  const n = X.length;
  const g: Params = { w1: [[0, 0, 0], [0, 0, 0]], b1: [0, 0, 0], w2: [[0], [0], [0]], b2: [0] };
  for (let i = 0; i < n; i++) {
    const x = X[i] as number[];
    const pre = [0, 1, 2].map((j) => x[0]! * p.w1[0]![j]! + x[1]! * p.w1[1]![j]! + p.b1[j]!);
    const h = pre.map((v) => Math.max(0, v));
    const out = h[0]! * p.w2[0]![0]! + h[1]! * p.w2[1]![0]! + h[2]! * p.w2[2]![0]! + p.b2[0]!;
    const dOut = (2 * (out - T[i]!)) / n;
    g.b2[0]! += dOut;
    for (let j = 0; j < 3; j++) {
      g.w2[j]![0]! += h[j]! * dOut;
      const dPre = pre[j]! > 0 ? dOut * p.w2[j]![0]! : 0;
      g.b1[j]! += dPre;
      for (let k = 0; k < 2; k++) g.w1[k]![j]! += x[k]! * dPre;
    }
  }
  return g;
}

/** A variable initialised from `t` (which is disposed). */
function mkVar(t: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(t, true, name);
  t.dispose();
  return v;
}

const flat = (v: number[] | Mat): number[] => (Array.isArray(v[0]) ? (v as Mat).flat() : (v as number[]));
const norm = (a: number[]): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

/** LARS as in BYOL's code, by hand: returns new params and momentum. */
function handLars(p: Params, mom: Record<string, number[]>, o: { lr: number; m: number; wd: number; eta: number; excluded: (k: string) => boolean; nesterov?: boolean }) {
  const grads = handGrads(p);
  const next = clone(p);
  for (const k of ['w1', 'b1', 'w2', 'b2'] as const) {
    const w = flat(p[k]);
    let g = flat(grads[k]);
    if (!o.excluded(k)) {
      g = g.map((gi, i) => gi + o.wd * w[i]!);
      const wn = norm(w);
      const gn = norm(g);
      const ratio = wn > 0 && gn > 0 ? (o.eta * wn) / gn : 1;
      g = g.map((gi) => gi * ratio);
    }
    const v = (mom[k] ?? g.map(() => 0)).map((vi, i) => o.m * vi + g[i]!);
    mom[k] = v;
    const nw = w.map((wi, i) => wi - o.lr * (o.nesterov ? g[i]! + o.m * v[i]! : v[i]!));
    if (Array.isArray(p[k][0])) {
      const cols = (p[k] as Mat)[0]!.length;
      (next as Record<string, unknown>)[k] = (p[k] as Mat).map((_, r) => nw.slice(r * cols, (r + 1) * cols));
    } else (next as Record<string, unknown>)[k] = nw;
  }
  return next;
}

function tfRun(name: string, exclude: ExcludePredicate | undefined, steps: number, o: { lr: number; m: number; wd: number; eta: number; nesterov?: boolean }): number[][] {
  const vars = {
    w1: mkVar(tf.tensor2d(INIT.w1), `${name}/w1`),
    b1: mkVar(tf.tensor1d(INIT.b1), `${name}/b1`),
    w2: mkVar(tf.tensor2d(INIT.w2), `${name}/w2`),
    b2: mkVar(tf.tensor1d(INIT.b2), `${name}/b2`),
  };
  const opt = new LARS({ learningRate: o.lr, momentum: o.m, weightDecay: o.wd, trustCoefficient: o.eta, exclude, nesterov: o.nesterov ?? false });
  const x = tf.tensor2d(X);
  const t = tf.tensor2d(T, [3, 1]);
  for (let s = 0; s < steps; s++) {
    opt.minimize(() =>
      tf.tidy(() => {
        const h = tf.relu(tf.add(tf.matMul(x, vars.w1), vars.b1));
        return tf.mean(tf.square(tf.sub(tf.add(tf.matMul(h, vars.w2), vars.b2), t))) as tf.Scalar;
      }),
    );
  }
  const out = Object.values(vars).map((v) => Array.from(v.dataSync()));
  expect(opt.iterations).toBe(steps);
  opt.dispose();
  tf.dispose([x, t, ...Object.values(vars)]);
  return out;
}

describe('LARS', () => {
  const o = { lr: 0.5, m: 0.9, wd: 0.05, eta: 0.02 };

  it('matches a hand-computed update on a two-layer example (biases excluded by rank, 3 steps)', async () => {
    await expectNoLeaks(() => {
      let p = clone(INIT);
      const mom: Record<string, number[]> = {};
      for (let s = 0; s < 3; s++) p = handLars(p, mom, { ...o, excluded: (k) => k.startsWith('b') });
      const got = tfRun('lars_a', undefined, 3, o);
      const want = [flat(p.w1), p.b1, flat(p.w2), p.b2];
      got.forEach((g, i) => expect(maxAbsDiff(g, want[i]!)).toBeLessThan(1e-6));
      // and the update is not plain momentum SGD: the kernels moved differently from the unadapted rule
      let q = clone(INIT);
      const mom2: Record<string, number[]> = {};
      for (let s = 0; s < 3; s++) q = handLars(q, mom2, { ...o, excluded: () => true });
      expect(maxAbsDiff(got[0]!, flat(q.w1))).toBeGreaterThan(1e-3);
    });
  });

  it('adapts and decays every variable with excludeNone, and follows a name predicate', async () => {
    await expectNoLeaks(() => {
      let p = clone(INIT);
      const mom: Record<string, number[]> = {};
      for (let s = 0; s < 2; s++) p = handLars(p, mom, { ...o, excluded: () => false });
      const got = tfRun('lars_b', excludeNone, 2, o);
      [flat(p.w1), p.b1, flat(p.w2), p.b2].forEach((w, i) => expect(maxAbsDiff(got[i]!, w)).toBeLessThan(1e-6));

      let q = clone(INIT);
      const mom2: Record<string, number[]> = {};
      for (let s = 0; s < 2; s++) q = handLars(q, mom2, { ...o, excluded: (k) => k === 'w2' });
      const got2 = tfRun('lars_c', excludeByName(/\/w2$/), 2, o);
      [flat(q.w1), q.b1, flat(q.w2), q.b2].forEach((w, i) => expect(maxAbsDiff(got2[i]!, w)).toBeLessThan(1e-6));
    });
  });

  it('matches the hand computation with Nesterov momentum', async () => {
    await expectNoLeaks(() => {
      let p = clone(INIT);
      const mom: Record<string, number[]> = {};
      for (let s = 0; s < 3; s++) p = handLars(p, mom, { ...o, nesterov: true, excluded: (k) => k.startsWith('b') });
      const got = tfRun('lars_n', undefined, 3, { ...o, nesterov: true });
      [flat(p.w1), p.b1, flat(p.w2), p.b2].forEach((w, i) => expect(maxAbsDiff(got[i]!, w)).toBeLessThan(1e-6));
    });
  });

  it('uses trust ratio 1 for zero weights or zero gradients', async () => {
    await expectNoLeaks(() => {
      const w = mkVar(tf.zeros([2, 2]), 'lars_zero/w');
      const u = mkVar(tf.ones([2, 2]), 'lars_zero/u');
      const opt = new LARS({ learningRate: 0.1, weightDecay: 0, exclude: excludeNone });
      const g = { 'lars_zero/w': tf.fill([2, 2], 2), 'lars_zero/u': tf.zeros([2, 2]) };
      opt.applyGradients(g);
      expect(Array.from(w.dataSync())).toEqual(Array(4).fill(Math.fround(-0.2)));
      expect(Array.from(u.dataSync())).toEqual([1, 1, 1, 1]);
      opt.dispose();
      tf.dispose([w, u, ...Object.values(g)]);
    });
  });

  it('is registered with tf.serialization and round-trips its config', () => {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap['LARS'];
    expect(entry).toBeDefined();
    const [cls, fromConfig] = entry!;
    const a = new LARS({ learningRate: 0.3, eta: 2e-3, momentum: 0.8, weightDecay: 1e-6, nesterov: true });
    expect(a.getClassName()).toBe('LARS');
    const b = fromConfig(cls, a.getConfig()) as LARS;
    expect(b).toBeInstanceOf(LARS);
    expect(b.getConfig()).toEqual({ learningRate: 0.3, momentum: 0.8, weightDecay: 1e-6, trustCoefficient: 2e-3, nesterov: true });
    const d = new LARS({ learningRate: 1 });
    expect([d.momentum, d.weightDecay, d.trustCoefficient]).toEqual([0.9, 1.5e-6, 1e-3]);
  });

  it('rejects bad options and gradients', () => {
    expect(() => new LARS({ learningRate: 0.1, momentum: 1 })).toThrow(/momentum/);
    expect(() => new LARS({ learningRate: Number.NaN })).toThrow(/learningRate/);
    const opt = new LARS({ learningRate: 0.1 });
    const g = tf.zeros([2]);
    expect(() => opt.applyGradients({ 'no/such/variable': g })).toThrow(/no registered variable/);
    g.dispose();
    opt.dispose();
  });
});
