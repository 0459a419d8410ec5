import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { WeightsError, encodeTorchCheckpoint, parseTorchCheckpoint, readTorchCheckpoint, writeTorchCheckpoint, type StateDict, type TensorEntry } from '@byolmed3d/resnet3d';
import { r3d18StateDict, smallStateDict } from './torch-writer-input.js';
import { expectSame } from './expect-state-dict.js';

interface Checksum {
  dtype: string;
  shape: number[];
  sum: number;
}
interface Fixture {
  smallSha256: string;
  r3d18Sha256: string;
  small: Record<string, Checksum>;
  r3d18Layout: Array<{ name: string; shape: number[] }>;
  r3d18: Record<string, Checksum>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch_writer.json', import.meta.url), 'utf8')) as Fixture;
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** torch's dtype names of ours, and the sum of the data as torch computed it. */
const TORCH_DTYPE: Record<string, string> = { float32: 'float32', int64: 'int64', int32: 'int32', uint8: 'uint8' };
function expectChecksums(got: StateDict, sums: Record<string, Checksum>): void {
  expect(Object.keys(got)).toEqual(Object.keys(sums));
  for (const [k, c] of Object.entries(sums)) {
    const e = got[k] as TensorEntry;
    expect(TORCH_DTYPE[e.dtype], k).toBe(c.dtype);
    expect(e.shape, k).toEqual(c.shape);
    let s = 0;
    for (const v of e.data) s += Number(v);
    expect(s, k).toBeCloseTo(c.sum, 6);
  }
}

/** Offsets of each stored record's data in a zip (from the local headers). */
function dataOffsets(bytes: Uint8Array): Map<string, number> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, number>();
  let pos = 0;
  while (dv.getUint32(pos, true) === 0x04034b50) {
    expect(dv.getUint16(pos + 8, true)).toBe(0); // stored
    const size = dv.getUint32(pos + 18, true);
    const nameLen = dv.getUint16(pos + 26, true);
    const extraLen = dv.getUint16(pos + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(pos + 30, pos + 30 + nameLen));
    const data = pos + 30 + nameLen + extraLen;
    out.set(name, data);
    pos = data + size;
  }
  return out;
}

describe('encodeTorchCheckpoint', () => {
  it('writes the bytes torch.load read back exactly (small state dict of every dtype)', () => {
    const bytes = encodeTorchCheckpoint(smallStateDict());
    expect(sha256(bytes)).toBe(fixture.smallSha256);
    const back = parseTorchCheckpoint(bytes);
    expectSame(back, smallStateDict());
    expectChecksums(back, fixture.small);
  });

  it("writes torchvision r3d_18's full state dict as the file torchvision loaded with strict=True", { timeout: 120_000 }, () => {
    const sd = r3d18StateDict(fixture.r3d18Layout);
    const bytes = encodeTorchCheckpoint(sd);
    expect(sha256(bytes)).toBe(fixture.r3d18Sha256);
    const back = parseTorchCheckpoint(bytes);
    expectSame(back, sd);
    expectChecksums(back, fixture.r3d18);
  });

  it('lays the archive out as torch does: stored records, data 64-byte aligned, data.pkl first, version last', () => {
    const bytes = encodeTorchCheckpoint(smallStateDict());
    const offsets = dataOffsets(bytes);
    const names = [...offsets.keys()];
    expect(names[0]).toBe('archive/data.pkl');
    expect(names.at(-1)).toBe('archive/version');
    expect(names.slice(1, -1)).toEqual(Object.keys(smallStateDict()).map((_, i) => `archive/data/${i}`));
    for (const [name, off] of offsets) expect(off % 64, name).toBe(0);
    const files = unzipSync(bytes);
    expect(new TextDecoder().decode(files['archive/version'])).toBe('3\n');
    // Deterministic: the same input gives the same bytes.
    expect(sha256(encodeTorchCheckpoint(smallStateDict()))).toBe(sha256(bytes));
  });

  it('takes the archive name and half-precision storage', () => {
    const sd = smallStateDict();
    const bytes = encodeTorchCheckpoint(sd, { archiveName: 'encoder', floatDType: 'float16' });
    expect(Object.keys(unzipSync(bytes))[0]).toBe('encoder/data.pkl');
    const back = parseTorchCheckpoint(bytes);
    expect(back['scale']!.dtype).toBe('float16');
    expect(back['bn.num_batches_tracked']!.dtype).toBe('int64');
    expect(Array.from(back['conv.weight']!.data as Float32Array)).toEqual([1, -2, 3.5, 0, -0, 65504, 0.0999755859375, 0.199951171875, -0.300048828125, 4, 5, 6]);
    expect(parseTorchCheckpoint(encodeTorchCheckpoint(sd, { floatDType: 'bfloat16' }))['scale']!.dtype).toBe('bfloat16');
  });

  it('refuses a wrong element count or archive name with a WeightsError naming the tensor', () => {
    const bad = { 'a.weight': { shape: [2, 2], data: new Float32Array(3) } };
    expect(() => encodeTorchCheckpoint(bad, {}, 'out.pth')).toThrow(WeightsError);
    expect(() => encodeTorchCheckpoint(bad, {}, 'out.pth')).toThrow(/out\.pth: pth: tensor a\.weight: 3 elements for shape \[2, 2\]/);
    expect(() => encodeTorchCheckpoint({}, { archiveName: '../x' })).toThrow(/archiveName/);
  });

  it('writes an empty state dict torch-style, and writeTorchCheckpoint writes what readTorchCheckpoint reads', async () => {
    expect(() => parseTorchCheckpoint(encodeTorchCheckpoint({}))).toThrow(/no state dict of tensors/);
    const dir = mkdtempSync(join(tmpdir(), 'torch-writer-'));
    try {
      const path = join(dir, 'small.pth');
      await writeTorchCheckpoint(path, smallStateDict());
      expectSame(await readTorchCheckpoint(path), smallStateDict());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
