import * as tf from '@tensorflow/tfjs-core';
import { check } from './errors.js';

/**
 * An exponential moving average of one list of variables into another:
 * `target ← tau · target + (1 - tau) · online`, in place (`assign`) inside a
 * `tidy`, so it allocates nothing that outlives the call.
 */
export class EMA {
  /**
   * @param target - Variables that receive the average (not trained).
   * @param online - Variables averaged in, paired with `target` by position.
   */
  constructor(
    readonly target: readonly tf.Variable[],
    readonly online: readonly tf.Variable[],
  ) {
    check(target.length === online.length, 'EMA', () => `target has ${target.length} variables, online ${online.length}`);
    target.forEach((t, i) => {
      const o = online[i] as tf.Variable;
      check(
        tf.util.arraysEqual(t.shape, o.shape) && t.dtype === o.dtype,
        'EMA',
        () => `variable ${i}: target ${t.name} [${t.shape.join(', ')}] ${t.dtype} does not match online ${o.name} [${o.shape.join(', ')}] ${o.dtype}`,
      );
    });
  }

  /** One update with decay `tau` in [0, 1]: tau = 1 keeps the target, tau = 0 copies online. */
  update(tau: number): void {
    check(tau >= 0 && tau <= 1, 'EMA.update', () => `tau must be in [0, 1], got ${tau}`);
    tf.tidy(() => {
      const a = tf.scalar(tau);
      const b = tf.scalar(1 - tau);
      this.target.forEach((t, i) => {
        t.assign(tf.add(tf.mul(t, a), tf.mul(this.online[i] as tf.Variable, b)));
      });
    });
  }

  /** Copies online into target exactly. */
  copy(): void {
    tf.tidy(() => this.target.forEach((t, i) => t.assign(tf.clone(this.online[i] as tf.Variable))));
  }
}
