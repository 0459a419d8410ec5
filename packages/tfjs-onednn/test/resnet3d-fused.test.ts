import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUSED_BATCH_NORM_ACT_TRAIN, FUSED_BATCH_NORM_ACT_TRAIN_GRAD, createVideoResNet } from '@byolmed3d/resnet3d';
import { formulaStateDict } from '@byolmed3d/test-utils';
import { available, onednn, rand, relErr, setup } from './helpers.js';

/** One r3d_18 training step on onednn: loss, gradients, running stats, counters, and the kernels that ran. */
async function step(xd: Float32Array, rd: Float32Array): Promise<{ values: Float32Array[]; kernels: Set<string> }> {
  const model = createVideoResNet('r3d_18', { widthMultiplier: 0.25, numClasses: 3, initializer: (_n: string, _s: number[], _k: string, tfShape: number[]) => tf.zeros(tfShape) });
  model.loadStateDict(formulaStateDict(model.stateDict()), { strict: true });
  const before = tf.memory().numTensors;
  let out: tf.Tensor[] = [];
  const prof = await tf.profile(() => {
    out = tf.tidy(() => {
      const x = tf.tensor5d(xd, [2, 2, 32, 32, 3]);
      const r = tf.tensor2d(rd, [2, 3]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }).logits as tf.Tensor, r)) as tf.Scalar, model.trainableVariables);
      return [value, ...model.trainableVariables.map((v) => grads[v.name] as tf.Tensor), ...model.nonTrainableVariables.map((v) => tf.clone(v))];
    });
  });
  expect(tf.memory().numTensors - before).toBe(out.length);
  const values = out.map((t) => t.dataSync() as Float32Array).map((a) => Float32Array.from(a));
  tf.dispose(out);
  model.dispose();
  return { values, kernels: new Set(prof.kernels.map((k) => k.name)) };
}

describe.skipIf(!available)('@byolmed3d/resnet3d runs bn+ReLU and bn+shortcut+ReLU on the fused OneDnnBatchNormActTrain kernels', () => {
  beforeAll(async () => setup());

  it('takes the fused path on onednn and matches the unfused path (loss, gradients, running stats) within 1e-5', async () => {
    await tf.setBackend(onednn);
    const xd = rand(2 * 2 * 32 * 32 * 3, 91);
    const rd = rand(2 * 3, 92);
    const fused = await step(xd, rd);
    expect(fused.kernels.has(FUSED_BATCH_NORM_ACT_TRAIN)).toBe(true);
    expect(fused.kernels.has(FUSED_BATCH_NORM_ACT_TRAIN_GRAD)).toBe(true);
    // Unfused: hide the two kernels from the lookup, then restore them.
    const configs = [FUSED_BATCH_NORM_ACT_TRAIN, FUSED_BATCH_NORM_ACT_TRAIN_GRAD].map((k) => tf.getKernel(k, onednn) as tf.KernelConfig);
    for (const c of configs) tf.unregisterKernel(c.kernelName, onednn);
    let plain: Awaited<ReturnType<typeof step>>;
    try {
      plain = await step(xd, rd);
    } finally {
      for (const c of configs) tf.registerKernel(c);
    }
    expect(plain.kernels.has(FUSED_BATCH_NORM_ACT_TRAIN)).toBe(false);
    expect(plain.kernels.has('Relu')).toBe(true);
    expect(fused.values.length).toBe(plain.values.length);
    let worst = 0;
    for (let k = 0; k < plain.values.length; k++) worst = Math.max(worst, relErr(plain.values[k] as Float32Array, fused.values[k] as Float32Array));
    console.log(`resnet3d fused vs unfused bn+act on onednn: worst rel. error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    await tf.setBackend('cpu');
  }, 600_000);
});
