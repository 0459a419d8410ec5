import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVideo, decodeNpz, encodeNpy, listNpz, VideoReadError } from '@byolmed3d/video-io';

const dir = join(import.meta.dirname, 'fixtures', 'npy');

/** Same formula as npy_values() in tools/fixtures/video_io.py. */
function expected(code: string, i: number): number {
  if (code === 'b1') return i % 3 === 0 ? 1 : 0;
  if (code[0] === 'u') return (i * 7) % 61;
  if (code[0] === 'i') return ((i * 7) % 61) - 30;
  return i * 0.5 - 7;
}

const DTYPE: Record<string, string> = {
  b1: 'bool', u1: 'uint8', i1: 'int8', u2: 'uint16', i2: 'int16', u4: 'uint32', i4: 'int32',
  u8: 'uint64', i8: 'int64', f2: 'float32', f4: 'float32', f8: 'float64',
};

describe('.npy: every dtype, both byte orders, C and Fortran order', () => {
  const files = readdirSync(dir).filter((f) => /^[a-z]\d-(le|be)-[CF]\.npy$/.test(f));
  it('has the generated files', () => expect(files.length).toBe(42));
  for (const f of files) {
    it(f, async () => {
      const code = f.slice(0, 2);
      const v = await readVideo(join(dir, f));
      expect(v.format).toBe('npy');
      expect(v.shape).toEqual([3, 4, 5, 1]);
      expect(v.dtype).toBe(DTYPE[code]);
      const got = Array.from(v.data as ArrayLike<number | bigint>, Number);
      expect(got).toEqual(Array.from({ length: 60 }, (_, i) => expected(code, i)));
      expect(v.meta.fortranOrder).toBe(f.endsWith('-F.npy'));
    });
  }
  it('2D arrays are one frame; 4D arrays are [T, H, W, C] (Fortran, big endian)', async () => {
    const a = await readVideo(join(dir, '2d-u1.npy'));
    expect(a.shape).toEqual([1, 4, 5, 1]);
    expect(Array.from(a.data as Uint8Array)).toEqual(Array.from({ length: 20 }, (_, i) => expected('u1', i)));
    const b = await readVideo(join(dir, '4d-i2-F.npy'));
    expect(b.shape).toEqual([2, 3, 4, 2]);
    expect(b.dtype).toBe('int16');
    expect(Array.from(b.data as Int16Array)).toEqual(Array.from({ length: 48 }, (_, i) => expected('i2', i)));
  });
});

describe('.npz', () => {
  for (const name of ['stored.npz', 'deflated.npz']) {
    it(`${name}: first array by default, others by name`, async () => {
      const first = await readVideo(join(dir, name));
      expect(first.format).toBe('npz');
      expect(first.meta.arrayName).toBe('first');
      expect(first.shape).toEqual([3, 4, 5, 1]);
      expect(Array.from(first.data as Int16Array)).toEqual(Array.from({ length: 60 }, (_, i) => expected('i2', i)));
      const second = await readVideo(join(dir, name), { arrayName: 'second' });
      expect(Array.from(second.data as Int16Array)).toEqual(Array.from({ length: 60 }, (_, i) => 2 * expected('i2', i)));
      const bytes = new Uint8Array(readFileSync(join(dir, name)));
      expect(listNpz(bytes, name).sort()).toEqual(['first', 'second']);
      expect(() => decodeNpz(bytes, name, 1 << 20, 'third')).toThrow(VideoReadError);
    });
  }
});

describe('encodeNpy', () => {
  it('round-trips through readVideo', async () => {
    const data = new Float32Array(2 * 3 * 4 * 1).map((_, i) => i / 3);
    const bytes = encodeNpy({ data, shape: [2, 3, 4, 1], dtype: 'float32' }, [2, 3, 4]);
    expect((bytes.length - data.byteLength) % 64).toBe(0);
    const v = await readVideo(bytes, { name: 'mem.npy' });
    expect(v.shape).toEqual([2, 3, 4, 1]);
    expect(Array.from(v.data as Float32Array)).toEqual(Array.from(data));
  });
});
