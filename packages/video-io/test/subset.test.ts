import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MRNetDataset, SubsetDataset, VideoLoader, encodeNpy } from '@byolmed3d/video-io';

let root = '';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'video-io-subset-'));
  mkdirSync(join(root, 'train', 'sagittal'), { recursive: true });
  const lines: string[] = [];
  for (let k = 0; k < 6; k++) {
    const id = String(k).padStart(4, '0');
    const data = new Uint8Array(2 * 4 * 4).fill(k);
    writeFileSync(join(root, 'train', 'sagittal', `${id}.npy`), encodeNpy({ data, shape: [2, 4, 4, 1], dtype: 'uint8' }, [2, 4, 4]));
    lines.push(`${id},${k % 2}`);
  }
  writeFileSync(join(root, 'train-acl.csv'), `${lines.join('\n')}\n`);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SubsetDataset', () => {
  it('re-indexes some items of a parent dataset, in the given order', async () => {
    const parent = new MRNetDataset(root, { planes: ['sagittal'], task: 'acl' });
    const sub = new SubsetDataset(parent, [4, 1, 2]);
    expect(sub.length).toBe(3);
    expect(sub.item(0).id).toBe('0004');
    expect(sub.readOptions).toBe(parent.readOptions);
    const s = await sub.get(1);
    expect(s.index).toBe(1);
    expect(s.id).toBe('0001');
    expect(s.label).toBe(1);
    expect((s.video.data as Uint8Array)[0]).toBe(1);
    const loader = new VideoLoader(sub, { batchSize: 3, shuffle: false });
    const batches = [];
    for await (const b of loader.batches(0)) batches.push(b);
    expect(batches.map((b) => b.ids)).toEqual([['0004', '0001', '0002']]);
  });

  it('refuses indices outside the parent or the subset', () => {
    const parent = new MRNetDataset(root, { planes: ['sagittal'], task: 'acl' });
    expect(() => new SubsetDataset(parent, [0, 6])).toThrow(/index 6 out of range: the parent has 6 items/);
    expect(() => new SubsetDataset(parent, [1.5])).toThrow(RangeError);
    expect(() => new SubsetDataset(parent, [0]).item(1)).toThrow(/the subset has 1 items/);
  });
});
