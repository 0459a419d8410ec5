import { Random } from '@byolmed3d/util';

/**
 * The order in which a loader visits `n` items in `epoch`: the identity when
 * `shuffle` is false, else a Fisher-Yates permutation from the shared
 * generator, `new Random(seed).fork(epoch)`. The same arguments always give
 * the same order (so runs can resume).
 *
 * @param n - number of items
 * @param seed - the loader's seed (a safe integer; others are refused)
 * @param epoch - the epoch index
 * @param shuffle - false for the identity order; default true
 */
export function epochOrder(n: number, seed: number, epoch: number, shuffle = true): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!shuffle) return order;
  return new Random(seed).fork(epoch).shuffle(order);
}
