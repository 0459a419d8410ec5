/** A saved `RandomState` (plain JSON). */
export interface RandomStateSnapshot {
  /** The 32-bit counter state. */
  s: number;
  /** The cached second normal of a Box-Muller pair, if any. */
  spare?: number;
}

/**
 * A small seeded generator (mulberry32): every random transform owns one, so
 * a pipeline is reproducible from one seed. Nothing in this package reads
 * `Math.random`.
 */
export class RandomState {
  private s: number;
  private spare: number | undefined;

  /** @param seed any integer; default 0 */
  constructor(seed = 0) {
    this.s = seed >>> 0;
    this.spare = undefined;
  }

  /** Uniform unsigned 32-bit integer. */
  uint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * Uniform integer in [lo, hi) (hi exclusive, like numpy's `integers`).
   * With one argument: [0, lo).
   */
  int(lo: number, hi?: number): number {
    if (hi === undefined) {
      hi = lo;
      lo = 0;
    }
    if (!(hi > lo)) throw new RangeError(`RandomState.int: empty range [${lo}, ${hi})`);
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** Standard normal draw (Box-Muller; the second value of a pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + std * z;
    }
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('RandomState.choice: empty array');
    return items[this.int(items.length)] as T;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }

  /** `k` distinct integers of 0..n-1, sorted ascending (requires k <= n). */
  sortedSubset(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`RandomState.sortedSubset: k=${k} > n=${n}`);
    return this.permutation(n).slice(0, k).sort((a, b) => a - b);
  }

  /**
   * A new generator seeded from this one's stream (advances this generator by
   * one draw). Used by `Compose` to seed its children.
   */
  fork(): RandomState {
    return new RandomState(this.uint32());
  }

  /**
   * A generator derived from this one's current state and `key` without
   * advancing this one: the same key always gives the same child.
   */
  child(key: number | string): RandomState {
    let h = typeof key === 'number' ? key >>> 0 : 0x811c9dc5;
    if (typeof key === 'string') {
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    }
    return new RandomState(mix32(this.s ^ mix32(h)));
  }

  /** The generator's state, for checkpoints (see `setState`). */
  getState(): RandomStateSnapshot {
    return this.spare === undefined ? { s: this.s } : { s: this.s, spare: this.spare };
  }

  /** Restores a state from `getState`. */
  setState(state: RandomStateSnapshot): void {
    this.s = state.s >>> 0;
    this.spare = state.spare;
  }
}

/** 32-bit integer finaliser (murmur3-style), for deriving seeds. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}
