import * as tf from '@tensorflow/tfjs-core';

const counters = new Map<string, number>();

/**
 * A variable-name scope `base_N` that no registered tfjs variable uses yet, so
 * two instances (an online head and its target copy, two learners) never
 * collide in tfjs' global variable registry.
 */
export function uniqueScope(base: string): string {
  let n = counters.get(base) ?? 0;
  const names = Object.keys(tf.engine().registeredVariables);
  for (;;) {
    n++;
    const scope = `${base}_${n}`;
    const prefix = `${scope}/`;
    if (!names.some((k) => k === scope || k.startsWith(prefix))) {
      counters.set(base, n);
      return scope;
    }
  }
}
