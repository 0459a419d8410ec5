import { Random } from '@byolmed3d/util';

/**
 * `n` values uniform in [-bound, bound) for weight initialisation, from the
 * shared generator: `new Random(seed).fork(key)`, so each parameter has its
 * own stream keyed by its name and nothing depends on construction order.
 */
export function uniformArray(n: number, bound: number, seed: number, key: string): Float32Array {
  const rng = new Random(seed).fork(key);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * bound;
  return out;
}
