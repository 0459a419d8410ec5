import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVideoResNet } from '@byolmed3d/resnet3d';
import { formulaStateDict } from '@byolmed3d/test-utils';
import { R3d18 } from '../bench/r3d18.js';
import { available, onBoth, onednn, rand, relErr, setup } from './helpers.js';

describe.skipIf(!available)('a whole r3d_18 training step on the onednn backend (skipped when the addon is not built)', () => {
  beforeAll(async () => setup());

  it('loss and every parameter gradient match the cpu backend (batch norm in training mode, tiny clips)', async () => {
    // 2x32x32 keeps 8 values per channel in layer4's batch norm (2 would be ill-conditioned).
    const xs = [2, 2, 32, 32, 3];
    const xd = rand(2 * 2 * 32 * 32 * 3, 77);
    const { cpu, dnn } = await onBoth(() => {
      // r3d_18's layout at a quarter of its width (16..128 channels, odd channel counts come from the other tests).
      const model = new R3d18(5, 'net', undefined, 0.25);
      const x = tf.tensor5d(xd, xs as [number, number, number, number, number]);
      const r = tf.tensor2d(rand(2 * 128, 78), [2, 128]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x), r)) as tf.Scalar, model.trainableVariables);
      const out = [value, ...model.trainableVariables.map((v) => grads[v.name] as tf.Tensor)];
      model.dispose();
      return out;
    });
    expect(dnn.length).toBe(cpu.length);
    const lossErr = relErr(cpu[0] as Float32Array, dnn[0] as Float32Array);
    expect(lossErr).toBeLessThan(1e-4);
    let worst = 0;
    for (let k = 1; k < cpu.length; k++) worst = Math.max(worst, relErr(cpu[k] as Float32Array, dnn[k] as Float32Array));
    // Deep nets amplify float32 summation-order differences: still far below any real discrepancy.
    expect(worst).toBeLessThan(1e-3);
    console.log(`r3d_18 step, onednn vs cpu: loss rel. error ${lossErr.toExponential(2)}, worst gradient rel. error ${worst.toExponential(2)}`);
  }, 600_000);
});

describe.skipIf(!available)('@byolmed3d/resnet3d in training mode on the onednn backend (fused batch norm kernels)', () => {
  beforeAll(async () => setup());

  it('runs its batch norm on the fused OneDnnBatchNormTrain kernels and matches the cpu backend (loss, gradients, running stats)', async () => {
    const xs: [number, number, number, number, number] = [2, 2, 32, 32, 3];
    const xd = rand(2 * 2 * 32 * 32 * 3, 79);
    const kernels = new Set<string>();
    const { cpu, dnn } = await onBoth(() => {
      const model = createVideoResNet('r3d_18', { widthMultiplier: 0.25, numClasses: 3, initializer: (_n: string, _s: number[], _k: string, tfShape: number[]) => tf.zeros(tfShape) });
      model.loadStateDict(formulaStateDict(model.stateDict()), { strict: true });
      const x = tf.tensor5d(xd, xs);
      const r = tf.tensor2d(rand(2 * 3, 80), [2, 3]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }).logits as tf.Tensor, r)) as tf.Scalar, model.trainableVariables);
      const out = [value, ...model.trainableVariables.map((v) => grads[v.name] as tf.Tensor), ...model.nonTrainableVariables.map((v) => tf.clone(v))];
      model.dispose();
      return out;
    });
    // Which kernels ran on onednn: profile one forward+backward.
    await tf.setBackend(onednn);
    const model = createVideoResNet('r3d_18', { widthMultiplier: 0.25, numClasses: 3 });
    const x = tf.tensor5d(xd, xs);
    const prof = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x, { training: true }).logits as tf.Tensor) as tf.Scalar, model.trainableVariables);
      tf.dispose([value, ...Object.values(grads)]);
    });
    for (const k of prof.kernels) kernels.add(k.name);
    model.dispose();
    x.dispose();
    await tf.setBackend('cpu');
    expect(kernels.has('OneDnnBatchNormTrain')).toBe(true);
    expect(kernels.has('OneDnnBatchNormTrainGrad')).toBe(true);
    expect(dnn.length).toBe(cpu.length);
    let worst = 0;
    for (let k = 0; k < cpu.length; k++) worst = Math.max(worst, relErr(cpu[k] as Float32Array, dnn[k] as Float32Array));
    expect(worst).toBeLessThan(1e-3);
  }, 600_000);
});
