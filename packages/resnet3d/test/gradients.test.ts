import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, useBackend } from '@byolmed3d/test-utils';
import { Random } from '@byolmed3d/util';
import { BasicBlock, BatchNorm3d, Bottleneck, Conv2Plus1D, Conv3d, Conv3DSimple, ParamStore, batchNormTrain, torchvisionInitializer, type BuildContext, type Layer } from '@byolmed3d/resnet3d';

/** Deterministic values in [-1, 1) from the shared seeded generator. */
function values(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.next() * 2 - 1;
  return out;
}

function lossOf(y: tf.Tensor, r: Float32Array): number {
  const v = y.dataSync();
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (r[i] as number);
  return s;
}

/** Checks d(sum(f(x) * r))/dx and /dvariables at a few coordinates by central differences. */
async function checkGradients(f: (x: tf.Tensor) => tf.Tensor, x0: tf.Tensor, vars: tf.Variable[], { eps = 1e-2, coords = 8, tol = 2e-3 } = {}): Promise<number> {
  const ySample = tf.tidy(() => f(x0));
  const r = values(ySample.size, 99);
  const rT = tf.tensor(r, ySample.shape);
  ySample.dispose();
  const lossFn = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(f(x), rT));
  // Analytic gradients.
  const { value, grads } = tf.variableGrads(() => lossFn(x0), vars);
  value.dispose();
  const dx = tf.grad((x: tf.Tensor) => lossFn(x))(x0);
  let worst = 0;
  const check = (analytic: Float32Array | Int32Array | Uint8Array, size: number, perturb: (i: number, delta: number) => number, label: string): void => {
    for (let k = 0; k < coords; k++) {
      const i = Math.floor(((values(1, 7 * k + size)[0] as number) * 0.5 + 0.5) * size);
      // ReLU kinks can sit inside [x - eps, x + eps]: take the best of a few
      // step sizes, and of the one-sided differences too (a kink on one side
      // spoils the central difference at every step size, while the other
      // side's slope still matches; a wrong gradient matches none of them).
      const a = analytic[i] as number;
      const f0 = perturb(i, 0);
      let err = Infinity;
      let fd = NaN;
      for (const e of [eps, eps / 4, eps / 16]) {
        const up = perturb(i, e);
        const down = perturb(i, -e);
        for (const d of [(up - down) / (2 * e), (up - f0) / e, (f0 - down) / e]) {
          const de = Math.abs(d - a) / Math.max(1, Math.abs(a));
          if (de < err) [err, fd] = [de, d];
        }
        if (err < tol / 4) break;
      }
      worst = Math.max(worst, err);
      expect(err, `${label}[${i}]: finite difference ${fd}, analytic ${a}`).toBeLessThan(tol);
    }
  };
  const x0v = x0.dataSync();
  check(dx.dataSync(), x0.size, (i, d) => {
    const xv = Float32Array.from(x0v);
    xv[i] = (xv[i] as number) + d;
    return tf.tidy(() => lossOf(f(tf.tensor(xv, x0.shape)), r));
  }, 'x');
  for (const v of vars) {
    const g = grads[v.name]!.dataSync();
    const orig = v.dataSync().slice();
    check(g, v.size, (i, d) => {
      const w = Float32Array.from(orig);
      w[i] = (w[i] as number) + d;
      tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
      const l = tf.tidy(() => lossOf(f(x0), r));
      tf.tidy(() => v.assign(tf.tensor(orig, v.shape)));
      return l;
    }, v.name);
  }
  tf.dispose([dx, rT, ...Object.values(grads)]);
  return worst;
}

/** A build context with its own variable prefix and a fixed initialisation seed. */
function context(seed: number, norm: 'batch' | 'group' = 'batch'): BuildContext {
  return { store: new ParamStore(`grad_${seed}`, torchvisionInitializer(seed)), norm, groups: 2 };
}

function disposeStore(ctx: BuildContext): void {
  for (const r of ctx.store.records.values()) r.variable.dispose();
}

describe('gradients against finite differences', () => {
  beforeAll(async () => {
    await useBackend();
  });

  it('Conv3d (3x3x3, stride (1,2,2), explicit padding): input and weight', async () => {
    const ctx = context(1);
    const conv = new Conv3d(ctx, 'c', 2, 3, [3, 3, 3], [1, 2, 2], [1, 1, 1]);
    const x = tf.tensor(values(1 * 3 * 5 * 5 * 2, 1), [1, 3, 5, 5, 2]);
    await expectNoLeaks(() => checkGradients((t) => conv.apply(t as tf.Tensor5D, true), x, [conv.weight]));
    x.dispose();
    disposeStore(ctx);
  });

  it("Conv3d (1x3x3, stride 1, padding (0,1,1): the tfjs 'same' path): input and weight", async () => {
    const ctx = context(5);
    const conv = new Conv3d(ctx, 'c', 3, 2, [1, 3, 3], [1, 1, 1], [0, 1, 1]);
    const x = tf.tensor(values(2 * 2 * 4 * 3 * 3, 4), [2, 2, 4, 3, 3]);
    const y = conv.apply(x as tf.Tensor5D, false);
    expect(y.shape).toEqual([2, 2, 4, 3, 2]);
    y.dispose();
    await expectNoLeaks(() => checkGradients((t) => conv.apply(t as tf.Tensor5D, true), x, [conv.weight]));
    x.dispose();
    disposeStore(ctx);
  });

  it('batchNormTrain custom gradient: x, gamma, beta; equals autodiff of the textbook formula', async () => {
    const x = tf.tensor(values(2 * 2 * 3 * 3 * 4, 2).map((v, i) => v * (1 + (i % 4)) + (i % 4)), [2, 2, 3, 3, 4]);
    const gamma = tf.variable(tf.tensor1d([1.2, 0.7, -0.5, 1]), true, 'bn_gamma');
    const beta = tf.variable(tf.tensor1d([0.1, -0.2, 0.3, 0]), true, 'bn_beta');
    const run = (t: tf.Tensor): tf.Tensor => {
      const { output, mean, variance } = batchNormTrain(t, gamma as tf.Tensor1D, beta as tf.Tensor1D);
      mean.dispose();
      variance.dispose();
      return output;
    };
    await expectNoLeaks(() => checkGradients(run, x, [gamma, beta], { eps: 1e-2, tol: 2e-3 }));
    // Same gradients as differentiating the plain formula with tfjs autodiff.
    const r = tf.tensor(values(x.size, 5), x.shape);
    const plain = (t: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(t, [0, 1, 2, 3]);
      return tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
    };
    const gCustom = tf.grads((t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { output, mean, variance } = batchNormTrain(t, g as tf.Tensor1D, b as tf.Tensor1D);
      mean.dispose();
      variance.dispose();
      return tf.sum(tf.mul(output, r));
    })([x, gamma, beta]);
    const gPlain = tf.grads((t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(plain(t, g, b), r)))([x, gamma, beta]);
    for (let k = 0; k < 3; k++) {
      const a = gCustom[k]!.dataSync();
      const b = gPlain[k]!.dataSync();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 4);
    }
    tf.dispose([x, gamma, beta, r, ...gCustom, ...gPlain]);
  });

  // [label, builder, input shape, norm, seed]
  const blocks: [string, (ctx: BuildContext) => Layer, number[], string, number][] = [
    ['BasicBlock (Conv3DSimple, stride 2, downsample shortcut)', (ctx) => BasicBlock.build(ctx, 'layer2.0', 3, 4, Conv3DSimple, 2, [2, 2, 2]), [2, 4, 6, 6, 3], 'batch', 2],
    ['BasicBlock (Conv2Plus1D, identity shortcut)', (ctx) => BasicBlock.build(ctx, 'layer1.0', 4, 4, Conv2Plus1D, 1, null), [2, 3, 4, 4, 4], 'batch', 3],
    ['Bottleneck with group norm', (ctx) => Bottleneck.build(ctx, 'layer1.0', 4, 2, Conv3DSimple, 1, [1, 1, 1]), [1, 3, 4, 4, 4], 'group', 4],
  ];
  for (const [label, build, shape, norm, seed] of blocks) {
    it(`${label}: input and every weight (training mode)`, async () => {
      const ctx = context(seed, norm as 'batch' | 'group');
      const block = build(ctx);
      const x = tf.tensor(values(shape.reduce((a, b) => a * b, 1), 3), shape);
      const trainable = [...ctx.store.records.values()].filter((r) => r.trainable).map((r) => r.variable);
      // Finite differences in float32 through ReLU kinks and batch statistics are
      // only good to about a percent here ...
      await expectNoLeaks(() => checkGradients((t) => block.apply(t as tf.Tensor5D, true), x, trainable, { eps: 4e-3, coords: 5, tol: 3e-2 }));
      // ... so also compare with tfjs autodiff of the textbook batch norm, to 1e-4.
      const r = tf.tensor(values(x.size * 4, 11).subarray(0, tf.tidy(() => block.apply(x as tf.Tensor5D, true).size)), tf.tidy(() => block.apply(x as tf.Tensor5D, true).shape));
      const grads = (): tf.Tensor[] => {
        const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.mul(block.apply(x as tf.Tensor5D, true), r)), trainable);
        value.dispose();
        return trainable.map((v) => g[v.name]!);
      };
      const fast = grads();
      const original = BatchNorm3d.prototype.apply;
      BatchNorm3d.prototype.apply = function (this: BatchNorm3d, t: tf.Tensor5D): tf.Tensor5D {
        const { mean, variance } = tf.moments(t, [0, 1, 2, 3]);
        return tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5))), this.weight), this.bias) as tf.Tensor5D;
      };
      let reference: tf.Tensor[];
      try {
        reference = grads();
      } finally {
        BatchNorm3d.prototype.apply = original;
      }
      for (let k = 0; k < fast.length; k++) {
        const a = fast[k]!.dataSync();
        const b = reference[k]!.dataSync();
        let scale = 0;
        for (const v of b) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!), `${trainable[k]!.name}[${i}]`).toBeLessThan(1e-4 * Math.max(1, scale));
      }
      tf.dispose([x, r, ...fast, ...reference]);
      disposeStore(ctx);
    });
  }
});
