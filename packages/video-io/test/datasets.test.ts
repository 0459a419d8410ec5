import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testdataPath } from '@byolmed3d/test-utils';
import {
  CsvManifestDataset,
  FolderDataset,
  MRNetDataset,
  VideoLoader,
  VideoReadError,
  encodeNpy,
  epochOrder,
  resolveInRoot,
  type Batch,
  type Clip,
  type DatasetItem,
} from '@byolmed3d/video-io';

let root = '';
const N = 10;

/** Exam k: (3 + k % 3) slices of 8x8 uint8, value = k*10 + slice. */
function exam(k: number, plane: number): Uint8Array {
  const s = 3 + (k % 3);
  const data = new Uint8Array(s * 64);
  for (let z = 0; z < s; z++) data.fill(k * 10 + z + plane, z * 64, (z + 1) * 64);
  return encodeNpy({ data, shape: [s, 8, 8, 1], dtype: 'uint8' }, [s, 8, 8]);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'video-io-ds-'));
  const planes = ['axial', 'coronal', 'sagittal'];
  for (const split of ['train', 'valid']) {
    for (const [pi, p] of planes.entries()) {
      mkdirSync(join(root, 'mrnet', split, p), { recursive: true });
      for (let k = 0; k < N; k++) writeFileSync(join(root, 'mrnet', split, p, `${String(k).padStart(4, '0')}.npy`), exam(k, pi));
    }
    for (const task of ['abnormal', 'acl', 'meniscus']) {
      const lines = Array.from({ length: N }, (_, k) => `${String(k).padStart(4, '0')},${(k + task.length) % 2}`);
      writeFileSync(join(root, 'mrnet', `${split}-${task}.csv`), lines.join('\n') + '\n');
    }
  }
  // A broken exam for skip tests.
  writeFileSync(join(root, 'mrnet', 'valid', 'sagittal', '0004.npy'), exam(4, 2).subarray(0, 100));
  // A folder dataset: two classes, one holding a DICOM series folder.
  mkdirSync(join(root, 'folder', 'cats'), { recursive: true });
  mkdirSync(join(root, 'folder', 'dogs', 'series'), { recursive: true });
  writeFileSync(join(root, 'folder', 'cats', 'a.npy'), exam(1, 0));
  writeFileSync(join(root, 'folder', 'cats', 'b.npy'), exam(2, 0));
  cpSync(testdataPath('nifti', 'anatomical.nii'), join(root, 'folder', 'dogs', 'c.nii'));
  for (const f of readdirSync(testdataPath('dicom', 'brain-series')).slice(0, 4)) {
    cpSync(testdataPath('dicom', 'brain-series', f), join(root, 'folder', 'dogs', 'series', f));
  }
  writeFileSync(join(root, 'folder', 'manifest.csv'), 'path,label,id\ncats/a.npy,cat,A\ndogs/c.nii,dog,C\n');
  writeFileSync(join(root, 'folder', 'evil.csv'), 'path,label\n../mrnet/train/axial/0000.npy,1\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('MRNetDataset', () => {
  it('reads the MRNet layout with all three tasks', async () => {
    for (const task of ['abnormal', 'acl', 'meniscus'] as const) {
      const ds = new MRNetDataset(join(root, 'mrnet'), { split: 'train', planes: ['sagittal', 'axial'], task });
      expect(ds.length).toBe(N);
      expect(ds.ids[3]).toBe('0003');
      expect(ds.labels[3]).toBe((3 + task.length) % 2);
      const s = await ds.get(3);
      expect(s.id).toBe('0003');
      expect(s.label).toBe((3 + task.length) % 2);
      expect(s.video.shape).toEqual([3, 8, 8, 1]);
      expect((s.video.data as Uint8Array)[64]).toBe(30 + 1 + 2); // sagittal (plane 2), slice 1
      expect(Object.keys(s.views)).toEqual(['sagittal', 'axial']);
      expect((s.views.axial!.data as Uint8Array)[0]).toBe(30);
    }
  });
  it('can list unlabelled exams and rejects unknown options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'video-io-mrnet-'));
    cpSync(join(root, 'mrnet', 'train'), join(dir, 'train'), { recursive: true });
    expect(() => new MRNetDataset(dir)).toThrow(/label file not found/);
    const ds = new MRNetDataset(dir, { requireLabels: false, planes: ['coronal'] });
    expect(ds.length).toBe(N);
    expect(ds.item(0).label).toBeUndefined();
    expect(() => new MRNetDataset(dir, { planes: ['oblique' as 'axial'] })).toThrow(VideoReadError);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('FolderDataset and CsvManifestDataset', () => {
  it('finds every format, labels by subfolder, treats a .dcm folder as one series', async () => {
    const ds = new FolderDataset(join(root, 'folder'), { labels: 'subfolder' });
    expect(ds.classNames).toEqual(['cats', 'dogs']);
    expect(Array.from({ length: ds.length }, (_, i) => ds.item(i).id)).toEqual(['cats/a.npy', 'cats/b.npy', 'dogs/c.nii', 'dogs/series']);
    expect(ds.item(3).label).toBe(1);
    const series = await ds.get(3);
    expect(series.video.format).toBe('dicom');
    expect(series.video.shape).toEqual([4, 256, 256, 1]);
  });
  it('reads a CSV manifest with class-name labels and ids', async () => {
    const ds = new CsvManifestDataset(join(root, 'folder', 'manifest.csv'));
    expect(ds.length).toBe(2);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.item(1)).toMatchObject({ id: 'C', label: 1 });
    expect((await ds.get(1)).video.format).toBe('nifti');
  });
  it('rejects ids escaping the root', () => {
    expect(() => new CsvManifestDataset(join(root, 'folder', 'evil.csv'))).toThrow(/escapes the dataset root/);
    expect(() => resolveInRoot('/data/root', '../../etc/passwd')).toThrow(VideoReadError);
    expect(() => resolveInRoot('/data/root', '/etc/passwd')).toThrow(/escapes/);
    expect(resolveInRoot('/data/root', 'a/../b.npy')).toBe('/data/root/b.npy');
  });
});

function firstValues(b: Batch): number[] {
  return b.clips.map((c) => c.data[0] as number);
}

async function collect(loader: VideoLoader, epoch: number, start = 0): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader.batches(epoch, { start })) out.push(b);
  return out;
}

describe('VideoLoader', () => {
  const fixed = (s: { video: { data: unknown } }): Clip => {
    // First 3 slices as float: a fixed [3, 8, 8, 1] shape.
    const d = s.video.data as Uint8Array;
    return { data: Float32Array.from(d.subarray(0, 192)), shape: [3, 8, 8, 1] };
  };

  it('seeded order: every item once per epoch, same for the same seed, new each epoch', async () => {
    const ds = new MRNetDataset(join(root, 'mrnet'), { planes: ['axial'] });
    const loader = new VideoLoader(ds, { batchSize: 3, seed: 7, transform: fixed });
    const e0 = await collect(loader, 0);
    expect(e0.map((b) => b.indices.length)).toEqual([3, 3, 3, 1]);
    const seen = e0.flatMap((b) => b.indices);
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(N).keys()]);
    expect(seen).toEqual(Array.from(epochOrder(N, 7, 0)));
    expect(e0[0]!.shape).toEqual([3, 3, 8, 8, 1]);
    expect(firstValues(e0[0]!)).toEqual(e0[0]!.indices.map((k) => k * 10));
    expect(Array.from(e0[0]!.labels)).toEqual(e0[0]!.indices.map((k) => ds.labels[k]!));
    const again = await collect(new VideoLoader(ds, { batchSize: 3, seed: 7, transform: fixed }), 0);
    expect(again.map((b) => b.indices)).toEqual(e0.map((b) => b.indices));
    const e1 = await collect(loader, 1);
    expect(e1.flatMap((b) => b.indices)).not.toEqual(seen);
    const other = await collect(new VideoLoader(ds, { batchSize: 3, seed: 8, transform: fixed }), 0);
    expect(other.flatMap((b) => b.indices)).not.toEqual(seen);
    const unshuffled = await collect(new VideoLoader(ds, { batchSize: 4, shuffle: false, dropLast: true, transform: fixed }), 0);
    expect(unshuffled.map((b) => b.indices)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('resumes from a position with the same order', async () => {
    const ds = new MRNetDataset(join(root, 'mrnet'), { planes: ['coronal'] });
    const full = await collect(new VideoLoader(ds, { batchSize: 2, seed: 3, transform: fixed }), 2);
    const loader = new VideoLoader(ds, { batchSize: 2, seed: 3, transform: fixed });
    const it = loader.batches(2);
    await it.next();
    await it.next();
    const state = loader.state;
    expect(state).toEqual({ epoch: 2, position: 4 });
    await it.return(undefined);
    const resumed = await collect(new VideoLoader(ds, { batchSize: 2, seed: 3, transform: fixed }), state.epoch, state.position);
    expect(resumed.map((b) => b.indices)).toEqual(full.slice(2).map((b) => b.indices));
    expect(resumed.map((b) => Array.from(b.data!))).toEqual(full.slice(2).map((b) => Array.from(b.data!)));
  });

  it('keeps at most prefetch * batchSize items in flight', async () => {
    const ds = new MRNetDataset(join(root, 'mrnet'), { planes: ['axial'] });
    let started = 0;
    const counting = Object.create(ds) as MRNetDataset;
    counting.item = (i: number): DatasetItem => {
      started++;
      return ds.item(i);
    };
    const loader = new VideoLoader(counting, { batchSize: 2, prefetch: 2, transform: fixed });
    const it = loader.batches(0);
    await it.next();
    // item() is also called for nothing else: started counts loads begun.
    expect(started).toBeLessThanOrEqual(2 * 2 + 2);
    await it.return(undefined);
  });

  it('worker pool and on-disk cache give the same batches', async () => {
    const ds = new MRNetDataset(join(root, 'mrnet'), { planes: ['sagittal', 'axial'], split: 'train' });
    const plain = await collect(new VideoLoader(ds, { batchSize: 4, seed: 1, transform: fixed }), 0);
    const cacheDir = join(root, 'cache');
    const pooled = new VideoLoader(ds, { batchSize: 4, seed: 1, transform: fixed, workers: 2, cacheDir });
    const first = await collect(pooled, 0);
    expect(pooled.cacheStats).toEqual({ hits: 0, misses: 2 * N });
    const second = await collect(pooled, 0);
    expect(pooled.cacheStats.hits).toBe(2 * N);
    await pooled.close();
    for (const run of [first, second]) {
      expect(run.map((b) => b.indices)).toEqual(plain.map((b) => b.indices));
      expect(run.map((b) => Array.from(b.data!))).toEqual(plain.map((b) => Array.from(b.data!)));
    }
  });

  it('skips bad items with a warning and a count, or throws', async () => {
    const ds = new MRNetDataset(join(root, 'mrnet'), { split: 'valid', planes: ['sagittal'] });
    const warnings: string[] = [];
    const loader = new VideoLoader(ds, { batchSize: 3, shuffle: false, skipBadItems: true, transform: fixed, onWarning: (m) => warnings.push(m) });
    const batches = await collect(loader, 0);
    expect(batches.flatMap((b) => b.indices)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(batches[1]!.position).toBe(7); // item 4 consumed a slot of the order
    expect(loader.skippedCount).toBe(1);
    expect(loader.skipped[0]!.id).toBe('0004');
    expect(warnings[0]).toMatch(/0004.*truncated/);
    const strict = new VideoLoader(ds, { batchSize: 3, shuffle: false, transform: fixed });
    await expect(collect(strict, 0)).rejects.toBeInstanceOf(VideoReadError);
    const withWorkers = new VideoLoader(ds, { batchSize: 3, shuffle: false, skipBadItems: true, transform: fixed, workers: 1, onWarning: () => undefined });
    expect((await collect(withWorkers, 0)).flatMap((b) => b.indices)).toHaveLength(9);
    expect(withWorkers.skipped[0]!.error.reason).toMatch(/truncated/);
    await withWorkers.close();
  });

  it('asks for a transform when clip shapes differ', async () => {
    const ds = new MRNetDataset(join(root, 'mrnet'), { planes: ['axial'] });
    const loader = new VideoLoader(ds, { batchSize: 3, shuffle: false });
    await expect(collect(loader, 0)).rejects.toThrow(/differ in shape/);
    const list = await collect(new VideoLoader(ds, { batchSize: 3, shuffle: false, collate: 'list' }), 0);
    expect(list[0]!.clips.map((c) => c.shape[0])).toEqual([3, 4, 5]);
    expect(list[0]!.data).toBeUndefined();
  });
});
