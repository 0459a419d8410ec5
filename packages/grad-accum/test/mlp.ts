// A tiny two-layer perceptron without batch norm, for the equivalence tests.
import * as tf from '@tensorflow/tfjs-core';

export interface Mlp {
  vars: tf.Variable[];
  /** Mean squared error over the batch (a per-sample mean, so micro-batch means average to the big-batch mean). */
  loss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar;
  /** Gradients of the loss on (x, y), keyed by variable name. */
  grads(x: tf.Tensor2D, y: tf.Tensor2D): tf.NamedTensorMap;
  values(): Float32Array[];
  dispose(): void;
}

export const IN = 4;
export const HIDDEN = 6;
export const OUT = 3;

export function makeMlp(prefix: string, seed = 1): Mlp {
  const init = (shape: number[], s: number) => tf.tidy(() => tf.randomNormal(shape, 0, 0.5, 'float32', seed * 100 + s));
  const mk = (name: string, shape: number[], s: number) => {
    const t = init(shape, s);
    const v = tf.variable(t, true, `${prefix}/${name}`);
    t.dispose();
    return v;
  };
  const w1 = mk('w1', [IN, HIDDEN], 1);
  const b1 = mk('b1', [HIDDEN], 2);
  const w2 = mk('w2', [HIDDEN, OUT], 3);
  const b2 = mk('b2', [OUT], 4);
  const vars = [w1, b1, w2, b2];
  const loss = (x: tf.Tensor2D, y: tf.Tensor2D) =>
    tf.tidy(() => {
      const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
      const out = tf.add(tf.matMul(h, w2), b2);
      return tf.mean(tf.square(tf.sub(out, y))) as tf.Scalar;
    });
  return {
    vars,
    loss,
    grads(x, y) {
      const { value, grads } = tf.variableGrads(() => loss(x, y), vars);
      value.dispose();
      return grads;
    },
    values: () => vars.map((v) => v.dataSync() as Float32Array),
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}

/** Deterministic batch `i` of `n` samples. */
export function batch(i: number, n: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return {
    x: tf.randomNormal([n, IN], 0, 1, 'float32', 1000 + i) as tf.Tensor2D,
    y: tf.randomNormal([n, OUT], 0, 1, 'float32', 2000 + i) as tf.Tensor2D,
  };
}

/** Rows [start, start + n) of a 2-D tensor. */
export function rows(t: tf.Tensor2D, start: number, n: number): tf.Tensor2D {
  return tf.slice(t, [start, 0], [n, t.shape[1]]);
}

export function maxDiffAll(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    for (let j = 0; j < x.length; j++) m = Math.max(m, Math.abs((x[j] as number) - (y[j] as number)));
  });
  return m;
}
