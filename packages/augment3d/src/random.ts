import { Random, type RandomSnapshot } from '@byolmed3d/util';

/** A saved `RandomState` (plain JSON): the shared generator's snapshot. */
export type RandomStateSnapshot = RandomSnapshot;

/**
 * The generator every random transform owns, so a pipeline is reproducible
 * from one seed: the project's shared {@link Random} (xoshiro128**, from
 * `@byolmed3d/util`) plus the few draws transforms need. Nothing in this
 * package reads `Math.random`. `int(lo, hi)` excludes `hi`, as everywhere.
 */
export class RandomState extends Random {
  /** @param seed a safe integer, bigint or string; default 0 */
  constructor(seed: number | bigint | string = 0) {
    super(seed);
  }

  /** `k` distinct integers of 0..n-1, sorted ascending (requires k <= n). */
  sortedSubset(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`RandomState.sortedSubset: k=${k} > n=${n}`);
    return this.permutation(n).slice(0, k).sort((a, b) => a - b);
  }

  /**
   * A new generator. Without a label: seeded from this one's stream (advances
   * this generator by one draw; `Compose` seeds its children this way). With
   * a label: the shared `Random.fork(label)`, derived from the current state
   * and the label without advancing this one.
   */
  override fork(label?: string | number): RandomState {
    const child = new RandomState(label === undefined ? this.uint32() : 0);
    if (label !== undefined) child.setState(super.fork(label).getState());
    return child;
  }

  /**
   * A generator derived from this one's current state and `key` without
   * advancing this one: the same key always gives the same child (same as
   * `fork(key)`).
   */
  child(key: number | string): RandomState {
    return this.fork(key);
  }
}
