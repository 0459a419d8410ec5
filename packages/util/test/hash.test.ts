import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { fnv1a32, sha256Hex } from '@byolmed3d/util';

describe('hashing', () => {
  it('fnv1a32 matches the published FNV-1a test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32(new Uint8Array([0x61]))).toBe(0xe40c292c);
    // strings are hashed as UTF-8
    expect(fnv1a32('é')).toBe(fnv1a32(new Uint8Array([0xc3, 0xa9])));
  });

  it('sha256Hex equals node:crypto for lengths around every padding boundary and for text', () => {
    let seed = 1;
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 70000]) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      expect(sha256Hex(b), `length ${n}`).toBe(createHash('sha256').update(b).digest('hex'));
    }
    for (const s of ['', 'abc', 'größe 🙂', 'x'.repeat(300)]) {
      expect(sha256Hex(s)).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
    }
  });
});
