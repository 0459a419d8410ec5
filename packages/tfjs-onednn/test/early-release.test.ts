import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTrain } from '@byolmed3d/resnet3d';
import { releaseDuringBackprop } from '@byolmed3d/tfjs-onednn';
import { available, numel, onednn, rand, setup } from './helpers.js';

/** Bytes alive when the gradient reaches the first op of the forward pass (the end of the backward pass). */
let bytesAtEnd = 0;
const probe = tf.customGrad((x, save) => {
  void save;
  return {
    value: tf.clone(x as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      bytesAtEnd = tf.memory().numBytes;
      return tf.clone(dy);
    },
  };
});

/** A small residual conv net: conv, bn + relu, conv, bn + residual + relu, twice, then a mean. */
function net(x: tf.Tensor5D, ws: tf.Variable[]): tf.Scalar {
  // The probe on the first weight is the first recorded op: its gradient runs last.
  const w0 = probe(ws[0] as tf.Tensor);
  let y = x;
  for (let b = 0; b < 2; b++) {
    const [w1v, w2, g, be] = ws.slice(4 * b, 4 * b + 4) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const w1 = b === 0 ? w0 : w1v;
    const h1 = batchNormTrain(tf.conv3d(y, w1 as tf.Tensor5D, 1, 'same'), g as tf.Tensor1D, be as tf.Tensor1D, undefined, { relu: true });
    const h2 = batchNormTrain(tf.conv3d(h1.output as tf.Tensor5D, w2 as tf.Tensor5D, 1, 'same'), g as tf.Tensor1D, be as tf.Tensor1D, undefined, { relu: true, residual: y });
    tf.dispose([h1.mean, h1.variance, h2.mean, h2.variance]);
    y = tf.relu(tf.mul(h2.output, 1.5)) as tf.Tensor5D;
  }
  return tf.mean(tf.square(y)) as tf.Scalar;
}

describe('releaseDuringBackprop', () => {
  beforeAll(async () => setup());

  const backends = available ? ['cpu', 'onednn'] : ['cpu'];
  for (const be of backends) {
    it(`on ${be}: the same value and gradients as plain tf.variableGrads, no leaks, and less memory alive at the end of the backward pass`, async () => {
      await tf.setBackend(be === 'onednn' ? onednn : 'cpu');
      const C = 6, s = [2, 3, 5, 4, C] as const;
      const ws: tf.Variable[] = [];
      for (let b = 0; b < 2; b++) {
        ws.push(tf.variable(tf.tensor(rand(27 * C * C, 30 + b, -0.3, 0.3), [3, 3, 3, C, C]), true, `w1_${be}_${b}`));
        ws.push(tf.variable(tf.tensor(rand(27 * C * C, 40 + b, -0.3, 0.3), [3, 3, 3, C, C]), true, `w2_${be}_${b}`));
        ws.push(tf.variable(tf.tensor1d(rand(C, 50 + b, 0.5, 1.5)), true, `g_${be}_${b}`));
        ws.push(tf.variable(tf.tensor1d(rand(C, 60 + b, -0.2, 0.2)), true, `b_${be}_${b}`));
      }
      const x = tf.tensor(rand(numel([...s]), 7), [...s]) as tf.Tensor5D;
      const run = (early: boolean): { value: number; grads: Float32Array[]; bytes: number } => {
        const f = (): tf.Scalar => net(x, ws);
        const before = tf.memory().numTensors;
        const { value, grads } = tf.variableGrads(early ? releaseDuringBackprop(f) : f, ws);
        const out = { value: value.dataSync()[0] as number, grads: ws.map((w) => (grads[w.name] as tf.Tensor).dataSync() as Float32Array), bytes: bytesAtEnd };
        tf.dispose([value, ...Object.values(grads)]);
        expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
        return out;
      };
      const plain = run(false), early = run(true);
      expect(early.value).toBe(plain.value);
      for (let i = 0; i < ws.length; i++) expect(Array.from(early.grads[i] as Float32Array), `grad ${i}`).toEqual(Array.from(plain.grads[i] as Float32Array));
      // Plain tfjs still holds every activation and every activation gradient there.
      expect(early.bytes).toBeLessThan(plain.bytes * 0.6);
      tf.dispose([x, ...ws]);
      await tf.setBackend('cpu');
    });
  }

  it('leaves f unchanged inside an outer gradient computation (higher-order gradients)', async () => {
    await tf.setBackend('cpu');
    const g2 = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.grad((z: tf.Tensor) => releaseDuringBackprop(() => tf.sum(tf.pow(z, 3)))())(x)))(tf.tensor1d([1, 2])).dataSync());
    expect(Array.from(g2)).toEqual([6, 12]);
  });
});
