import { describe, expect, it } from 'vitest';
import { Random, UtilError } from '@byolmed3d/util';

describe('Random', () => {
  it('is xoshiro128**: the reference output for a known state', () => {
    // Reference: xoshiro128** with state {1, 2, 3, 4} starts 11520, 0, 5927040, 70819200 (Vigna's C code).
    const r = new Random(0);
    r.setState({ s: [1, 2, 3, 4] });
    expect([r.uint32(), r.uint32(), r.uint32(), r.uint32()]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('equal seeds give equal streams; 5 and 5n are one seed; different seeds and strings differ', () => {
    const draw = (s: number | bigint | string): number[] => {
      const r = new Random(s);
      return Array.from({ length: 4 }, () => r.uint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(5)).toEqual(draw(5n));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw('7')).not.toEqual(draw(7));
    expect(draw(-1)).toEqual(draw(-1n));
    expect(draw(2 ** 32)).not.toEqual(draw(0));
    expect(draw(2n ** 64n + 3n)).not.toEqual(draw(3n));
    // seeds above 2^53 that a number would round to one value stay distinct as bigints
    expect(draw(2n ** 60n)).not.toEqual(draw(2n ** 60n + 1n));
  });

  it('refuses a number seed that is not a safe integer', () => {
    for (const bad of [1.5, 2 ** 60, NaN, Infinity]) {
      expect(() => new Random(bad)).toThrow(UtilError);
    }
    try {
      new Random(2 ** 60);
    } catch (e) {
      expect((e as UtilError).reason).toBe('invalid-seed');
      expect((e as UtilError).where).toBe('Random');
    }
  });

  it('next() is in [0, 1) with mean about 1/2', () => {
    const r = new Random(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const v = r.next();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
  });

  it('int(lo, hi) excludes hi and hits every value; int(n) is [0, n)', () => {
    const r = new Random(2);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 7);
      expect(Number.isInteger(v) && v >= 3 && v < 7).toBe(true);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    for (let i = 0; i < 100; i++) expect(r.int(1)).toBe(0);
    expect(() => r.int(4, 4)).toThrow(/empty range/);
    expect(() => r.int(0, 2.5)).toThrow(UtilError);
  });

  it('normal() has the requested mean and spread; the spare is part of the state', () => {
    const r = new Random(3);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal(2, 3);
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    expect(Math.abs(mean - 2)).toBeLessThan(0.1);
    expect(Math.abs(Math.sqrt(s2 / n - mean * mean) - 3)).toBeLessThan(0.1);
    const a = new Random(4);
    a.normal();
    const st = a.getState();
    expect(st.spare).toBeDefined();
    const b = new Random(99);
    b.setState(st);
    expect([b.normal(), b.next()]).toEqual([a.normal(), a.next()]);
  });

  it('fillNormal is the polar method on uint32 pairs (same stream as spelled out with uint32), with the right moments', () => {
    const a = new Random(12);
    const b = new Random(12);
    const fast = a.fillNormal(new Float64Array(1001), 1, 2);
    const ref: number[] = [];
    while (ref.length < 1001) {
      const u = b.uint32() / 2 ** 31 - 1;
      const v = b.uint32() / 2 ** 31 - 1;
      const q = u * u + v * v;
      if (q >= 1 || q === 0) continue;
      const f = Math.sqrt((-2 * Math.log(q)) / q) * 2;
      ref.push(1 + u * f);
      if (ref.length < 1001) ref.push(1 + v * f);
    }
    expect(Array.from(fast)).toEqual(ref);
    expect(a.getState()).toEqual(b.getState());
    const big = new Random(13).fillNormal(new Float32Array(40000), -3, 0.5);
    let m = 0;
    for (const x of big) m += x;
    m /= big.length;
    let v = 0;
    for (const x of big) v += (x - m) ** 2;
    expect(Math.abs(m + 3)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(v / big.length) - 0.5)).toBeLessThan(0.01);
  });

  it('shuffle is in place and a permutation; permutation(n) covers 0..n-1 uniformly', () => {
    const r = new Random(5);
    const a = [1, 2, 3, 4, 5, 6];
    const same = r.shuffle(a);
    expect(same).toBe(a);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) { const k = r.permutation(3)[0] as number; counts[k] = (counts[k] as number) + 1; }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
    const u = r.shuffle(new Uint32Array([0, 1, 2, 3]));
    expect([...u].sort()).toEqual([0, 1, 2, 3]);
  });

  it('fork(label) is deterministic, does not advance the parent, and differs by label', () => {
    const p = new Random(6);
    const before = p.getState();
    const a = p.fork('augment');
    expect(p.getState()).toEqual(before);
    const b = new Random(6).fork('augment');
    const c = new Random(6).fork('init');
    const d = new Random(6).fork(1);
    const e = new Random(6).fork('1');
    const xs = (g: Random): number[] => [g.uint32(), g.uint32(), g.uint32()];
    const xa = xs(a);
    expect(xa).toEqual(xs(b));
    expect(xa).not.toEqual(xs(c));
    expect(xs(d)).not.toEqual(xs(e));
    expect(xa).not.toEqual(xs(new Random(6)));
  });

  it('getState/setState resume the stream exactly and refuse bad states', () => {
    const a = new Random(8);
    for (let i = 0; i < 10; i++) a.next();
    const st = JSON.parse(JSON.stringify(a.getState())) as ReturnType<Random['getState']>;
    const b = new Random(0);
    b.setState(st);
    for (let i = 0; i < 10; i++) expect(b.uint32()).toBe(a.uint32());
    expect(() => b.setState({ s: [0, 0, 0, 0] })).toThrow(/all-zero/);
    expect(() => b.setState({ s: [1, 2, 3] } as never)).toThrow(UtilError);
    expect(() => b.setState({ s: [1, 2, 3, -1] })).toThrow(UtilError);
  });
});
