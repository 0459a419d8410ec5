import { UtilError } from './errors.js';
import { sha256, toBytes } from './hash.js';

/** What a {@link Random} can be seeded with. */
export type Seed = number | bigint | string;

/** A saved {@link Random} state (plain JSON), from `getState`. */
export interface RandomSnapshot {
  /** The four 32-bit words of the xoshiro128** state. */
  s: [number, number, number, number];
  /** The cached second value of a Box-Muller pair, if any. */
  spare?: number;
}

/** What {@link Random.shuffle} shuffles in place: an array or a typed array. */
export interface Shuffleable {
  /** Number of elements. */
  length: number;
  /** Elements by index. */
  [index: number]: unknown;
}

const TWO32 = 4294967296;

/** 32-bit finaliser of murmur3 (a bijection on 32-bit words). */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function wordsOf(digest: Uint8Array): [number, number, number, number] {
  const dv = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  return [dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12)];
}

/** The 128-bit start state for a seed; see {@link Random}. */
function stateFromSeed(seed: Seed): [number, number, number, number] {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) {
      throw new UtilError('Random', 'invalid-seed', `a number seed must be a safe integer (|seed| <= 2^53 - 1), got ${String(seed)}; pass a bigint or a string for larger seeds`);
    }
    if (seed >= 0) return stateFromWords(seed % TWO32, Math.floor(seed / TWO32));
    return wordsOf(sha256(`bigint:${String(seed)}`));
  }
  if (typeof seed === 'bigint') {
    if (seed >= 0n && seed < 1n << 64n) return stateFromWords(Number(seed & 0xffffffffn), Number(seed >> 32n));
    return wordsOf(sha256(`bigint:${seed.toString()}`));
  }
  if (typeof seed === 'string') return wordsOf(sha256(`string:${seed}`));
  throw new UtilError('Random', 'invalid-seed', `a seed must be a number, bigint or string, got ${typeof seed}`);
}

/**
 * Start state of a 64-bit seed `hi * 2^32 + lo`: s0 and s1 are bijections of
 * lo and hi (so distinct seeds give distinct states), s2 and s3 mix both.
 */
function stateFromWords(lo: number, hi: number): [number, number, number, number] {
  const s0 = fmix32((lo ^ 0x9e3779b9) >>> 0);
  const s1 = fmix32((hi ^ 0x7f4a7c15) >>> 0);
  const s2 = fmix32((s0 ^ rotl(s1, 13) ^ 0x6a09e667) >>> 0);
  const s3 = fmix32((s1 + Math.imul(s0, 0x27d4eb2f) + 0x3c6ef372) >>> 0);
  if ((s0 | s1 | s2 | s3) === 0) return [1, 0, 0, 0];
  return [s0, s1, s2, s3];
}

function checkInt(fn: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new UtilError(`Random.${fn}`, 'invalid-argument', `${name} must be a safe integer, got ${String(v)}`);
}

/**
 * The project's one seeded random generator: **xoshiro128\*\*** (Blackman and
 * Vigna), 128 bits of state, period 2^128 - 1. Every random choice in the
 * packages comes from one of these, so a run is reproducible from its seed.
 *
 * Seeding: a non-negative integer seed below 2^64 (a safe-integer number or a
 * bigint; `5` and `5n` are the same seed) fills the state through the murmur3
 * finaliser, so distinct seeds give distinct states; any other seed (negative,
 * larger, or a string) is hashed with SHA-256 (`"bigint:<decimal>"` or
 * `"string:<text>"`). A number seed that is not a safe integer (1.5, 2^60,
 * NaN) is refused with a {@link UtilError} rather than silently rounded.
 *
 * Streams: `next()` takes two 32-bit outputs (53 random bits); `normal()` is
 * Box-Muller and caches the pair's second value (kept in `getState`);
 * `fork(label)` derives an independent child by hashing this generator's
 * current state with the label (SHA-256), without advancing it.
 *
 * @example
 * ```ts
 * const rng = new Random(42);
 * rng.int(0, 10); // 0..9
 * const aug = rng.fork('augment'); // same child for the same parent state and label
 * ```
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined = undefined;

  /**
   * @param seed - a safe integer, a bigint or a string; equal seeds give equal streams
   * @throws {@link UtilError} (`invalid-seed`) for a non-integer or unsafe number
   */
  constructor(seed: Seed) {
    const [a, b, c, d] = stateFromSeed(seed);
    this.s0 = a;
    this.s1 = b;
    this.s2 = c;
    this.s3 = d;
  }

  /** Next uniform unsigned 32-bit integer, in [0, 2^32). */
  uint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ s1) >>> 0;
    this.s1 = (s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform float in [0, 1) with 53 random bits (two `uint32` draws). */
  next(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * Uniform integer in [lo, hi): `hi` is EXCLUSIVE, as everywhere in the
   * project (like numpy's `Generator.integers`). With one argument, [0, lo).
   *
   * @throws {@link UtilError} (`invalid-argument`) for non-integer bounds or an empty range
   */
  int(lo: number, hi?: number): number {
    if (hi === undefined) {
      hi = lo;
      lo = 0;
    }
    checkInt('int', 'lo', lo);
    checkInt('int', 'hi', hi);
    if (!(hi > lo)) throw new UtilError('Random.int', 'invalid-argument', `empty range [${lo}, ${hi}) (hi is exclusive)`);
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /**
   * Normal draw N(mean, std^2) by Box-Muller; the second value of each pair
   * is cached for the next call (and saved by `getState`).
   */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + std * z;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Fills `out` with N(mean, std^2) draws, fast (several times faster than a
   * `normal()` loop; for weight initialisation): Marsaglia's polar method on
   * pairs of 32-bit outputs, `u = uint32 / 2^31 - 1`, with the generator
   * inlined. It is its own stream, not the values `normal()` calls would
   * give; it advances the generator and leaves the Box-Muller spare alone.
   *
   * @param out - the array to fill (its length is the number of draws)
   * @param mean - default 0
   * @param std - default 1
   * @returns `out`
   */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    let a = this.s0 | 0;
    let b = this.s1 | 0;
    let c = this.s2 | 0;
    let d = this.s3 | 0;
    const n = out.length;
    let i = 0;
    while (i < n) {
      let r = Math.imul(b, 5);
      r = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
      let t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      const u = r / 2147483648 - 1;
      r = Math.imul(b, 5);
      r = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
      t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      const v = r / 2147483648 - 1;
      const q = u * u + v * v;
      if (q >= 1 || q === 0) continue;
      const f = Math.sqrt((-2 * Math.log(q)) / q) * std;
      out[i++] = mean + u * f;
      if (i < n) out[i++] = mean + v * f;
    }
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    return out;
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /**
   * One element of a non-empty array, uniformly.
   *
   * @throws {@link UtilError} (`invalid-argument`) for an empty array
   */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new UtilError('Random.choice', 'invalid-argument', 'empty array');
    return items[this.int(items.length)] as T;
  }

  /**
   * Shuffles `arr` in place (Fisher-Yates, from the last element down) and
   * returns it.
   */
  shuffle<A extends Shuffleable>(arr: A): A {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A uniformly random permutation of 0..n-1 (`shuffle` of the identity). */
  permutation(n: number): number[] {
    checkInt('permutation', 'n', n);
    if (n < 0) throw new UtilError('Random.permutation', 'invalid-argument', `n must be >= 0, got ${n}`);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /**
   * An independent child generator, derived deterministically from this
   * generator's current state and `label` (SHA-256 of both), without
   * advancing this one: the same state and label always give the same child,
   * different labels give unrelated streams. A number label and its decimal
   * string are different labels.
   *
   * @param label - names the child's purpose, e.g. `'augment'` or a parameter name or an epoch
   */
  fork(label: string | number): Random {
    const tag = typeof label === 'number' ? `n:${String(label)}` : `s:${label}`;
    const t = toBytes(tag);
    const buf = new Uint8Array(16 + t.length);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, this.s0);
    dv.setUint32(4, this.s1);
    dv.setUint32(8, this.s2);
    dv.setUint32(12, this.s3);
    buf.set(t, 16);
    const child = new Random(0);
    const [a, b, c, d] = wordsOf(sha256(buf));
    child.setState({ s: (a | b | c | d) === 0 ? [1, 0, 0, 0] : [a, b, c, d] });
    return child;
  }

  /** The generator's full state (plain JSON), for checkpoints; see `setState`. */
  getState(): RandomSnapshot {
    const s: [number, number, number, number] = [this.s0, this.s1, this.s2, this.s3];
    return this.spare === undefined ? { s } : { s, spare: this.spare };
  }

  /**
   * Restores a state from `getState`, so a resumed run continues the same stream.
   *
   * @throws {@link UtilError} (`invalid-state`) for a malformed or all-zero state
   */
  setState(state: RandomSnapshot): void {
    const s = (state as { s?: unknown } | undefined)?.s;
    if (!Array.isArray(s) || s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO32)) {
      throw new UtilError('Random.setState', 'invalid-state', 'state.s must be four unsigned 32-bit integers');
    }
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new UtilError('Random.setState', 'invalid-state', 'the all-zero state is not a valid xoshiro128** state');
    if (state.spare !== undefined && !Number.isFinite(state.spare)) throw new UtilError('Random.setState', 'invalid-state', 'state.spare must be a finite number');
    this.s0 = s[0] as number;
    this.s1 = s[1] as number;
    this.s2 = s[2] as number;
    this.s3 = s[3] as number;
    this.spare = state.spare;
  }
}
