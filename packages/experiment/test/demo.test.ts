import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { MRNetDataset, readVideo } from '@byolmed3d/video-io';
import { Random } from '@byolmed3d/util';
import { generateDemoDataset } from '@byolmed3d/experiment';
import { drawLabels, makeSplits } from '@byolmed3d/experiment/internal';

function hashTree(root: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const f of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, f.name);
      if (f.isDirectory()) walk(p);
      else h.update(f.name).update(readFileSync(p));
    }
  };
  walk(root);
  return h.digest('hex');
}

describe('demo dataset', () => {
  const gen = (seed: number): string => {
    const out = mkdtempSync(join(tmpdir(), 'byolmed3d-demo-'));
    generateDemoDataset({ out, trainExams: 8, validExams: 4, seed, size: 24, slices: [4, 6] });
    return out;
  };

  it('is deterministic for a seed and differs between seeds', () => {
    const a = gen(3), b = gen(3), c = gen(4);
    expect(hashTree(a)).toBe(hashTree(b));
    expect(hashTree(a)).not.toBe(hashTree(c));
  });

  it('has the exact MRNet layout, read by video-io as uint8 (slices, H, W) stacks', async () => {
    const root = gen(1);
    expect(readdirSync(root).sort()).toEqual(['train', 'train-abnormal.csv', 'train-acl.csv', 'train-meniscus.csv', 'valid', 'valid-abnormal.csv', 'valid-acl.csv', 'valid-meniscus.csv']);
    for (const split of ['train', 'valid']) expect(readdirSync(join(root, split)).sort()).toEqual(['axial', 'coronal', 'sagittal']);
    expect(readdirSync(join(root, 'train', 'sagittal')).sort()).toEqual(['0000.npy', '0001.npy', '0002.npy', '0003.npy', '0004.npy', '0005.npy', '0006.npy', '0007.npy']);
    expect(readdirSync(join(root, 'valid', 'axial')).sort()).toEqual(['0008.npy', '0009.npy', '0010.npy', '0011.npy']);
    // Label files: no header, "id,label" per line.
    const acl = readFileSync(join(root, 'train-acl.csv'), 'utf8').trim().split('\n');
    expect(acl).toHaveLength(8);
    for (const line of acl) expect(line).toMatch(/^\d{4},[01]$/);
    for (const plane of ['axial', 'coronal', 'sagittal']) {
      const v = await readVideo(join(root, 'valid', plane, '0009.npy'));
      expect(v.format).toBe('npy');
      expect(v.dtype).toBe('uint8');
      expect(v.shape.slice(1)).toEqual([24, 24, 1]);
      expect(v.shape[0]).toBeGreaterThanOrEqual(4);
      expect(v.shape[0]).toBeLessThanOrEqual(6);
      let max = 0;
      for (const x of v.data as Uint8Array) max = Math.max(max, x);
      expect(max).toBeGreaterThan(100);
    }
    // video-io's MRNetDataset reads it as it reads MRNet.
    for (const task of ['abnormal', 'acl', 'meniscus'] as const) {
      const ds = new MRNetDataset(root, { split: 'train', task, planes: ['axial', 'coronal', 'sagittal'] });
      expect(ds.length).toBe(8);
      const labels = readFileSync(join(root, `train-${task}.csv`), 'utf8').trim().split('\n').map((l) => Number(l.split(',')[1]));
      expect(ds.labels).toEqual(labels);
    }
    const sample = await new MRNetDataset(root, { split: 'valid', task: 'acl' }).get(1);
    expect(sample.id).toBe('0009');
    expect(Object.keys(sample.views).sort()).toEqual(['axial', 'coronal', 'sagittal']);
    for (const v of Object.values(sample.views)) expect(v.shape.slice(1)).toEqual([24, 24, 1]);
    const splits = makeSplits(root, 'acl', 0.25, 0);
    expect(splits.train.length + splits.val.length).toBe(8);
    expect(splits.test.map((e) => e.id)).toEqual(['0008', '0009', '0010', '0011']);
    // Every split holds both classes of the ACL task.
    for (const s of [[...splits.train, ...splits.val], splits.test]) expect(new Set(s.map((e) => e.label))).toEqual(new Set([0, 1]));
  });

  it('draws labels at MRNet prevalences (ACL ~23%, meniscus ~37%, abnormal ~80%)', () => {
    const rng = new Random(0);
    const n = 20000;
    let acl = 0, men = 0, abn = 0;
    for (let i = 0; i < n; i++) {
      const l = drawLabels(rng);
      acl += +l.acl;
      men += +l.meniscus;
      abn += +l.abnormal;
      if (l.acl || l.meniscus) expect(l.abnormal).toBe(true);
    }
    expect(acl / n).toBeCloseTo(0.23, 1);
    expect(men / n).toBeCloseTo(0.37, 1);
    expect(abn / n).toBeCloseTo(0.8, 1);
  });
});
