import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@byolmed3d/test-utils';
import { readVideo, describeVideo, type MedicalVideo, type ReadVideoOptions } from '@byolmed3d/video-io';

/** Reference values written by tools/fixtures/video_io.py (numpy, nibabel, pydicom). */
interface Entry {
  path: string;
  format: string;
  dtype: string;
  shape: number[];
  options?: ReadVideoOptions;
  spacing?: number[];
  frameTime?: number;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  samples?: { index: number[]; values: number[] };
  frameMeans?: number[];
  affine?: number[];
  axcodes?: string;
  files?: string[];
  crc32?: number;
  tolerance: 'exact' | 'jpeg' | 'crc32';
}

const ref = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'reference.json'), 'utf8')) as { entries: Entry[] };

function frameMeans(v: MedicalVideo): number[] {
  const [T] = v.shape;
  const per = v.data.length / T;
  const d = v.data as unknown as ArrayLike<number>;
  const out: number[] = [];
  for (let t = 0; t < T; t++) {
    let s = 0;
    for (let i = t * per; i < (t + 1) * per; i++) s += d[i] as number;
    out.push(s / per);
  }
  return out;
}

function label(e: Entry): string {
  return `${e.path}${e.options ? ' ' + JSON.stringify(e.options) : ''}`;
}

describe('readVideo matches numpy / nibabel / pydicom on every test file', () => {
  it('covers every file in testdata/{dicom,nifti,npy}', () => {
    const { readdirSync, statSync } = require_fs();
    const listed = new Set(ref.entries.map((e) => e.path));
    for (const sub of ['dicom/brain-series', 'dicom/cine', 'nifti', 'npy']) {
      const dir = join(repoRoot, 'testdata', sub);
      for (const f of readdirSync(dir)) {
        if (!statSync(join(dir, f)).isFile()) continue;
        expect(listed.has(`testdata/${sub}/${f}`), `testdata/${sub}/${f} has a reference entry`).toBe(true);
      }
    }
  });

  for (const e of ref.entries) {
    it(label(e), async () => {
      const v = await readVideo(join(repoRoot, e.path), e.options ?? {});
      expect(v.format).toBe(e.format);
      expect(v.shape).toEqual(e.shape);
      expect(v.dtype).toBe(e.dtype);
      expect(v.data.length).toBe(e.shape.reduce((a, b) => a * b, 1));
      if (e.spacing) {
        expect(v.spacing).toBeDefined();
        v.spacing!.forEach((s, i) => expect(s).toBeCloseTo(e.spacing![i]!, 4));
      }
      if (e.frameTime !== undefined) expect(v.frameTime).toBeCloseTo(e.frameTime, 5);
      if (e.files) expect((v.meta.files as string[]).map((f) => f.slice(repoRoot.length + 1))).toEqual(e.files);
      if (e.affine) {
        const a = e.format === 'nifti' ? (v.meta.fileAffine as number[]) : v.orientation!.affine;
        a.forEach((x, i) => expect(x).toBeCloseTo(e.affine![i]!, 3));
      }
      if (e.axcodes) expect(v.orientation!.axcodes).toBe(e.axcodes);
      if (e.tolerance === 'crc32') {
        const bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
        expect(crc32(bytes)).toBe(e.crc32);
        return;
      }
      const d = describeVideo(v);
      const fm = frameMeans(v);
      if (e.tolerance === 'exact') {
        expect(d.min).toBeCloseTo(e.min!, 4);
        expect(d.max).toBeCloseTo(e.max!, 4);
        expect(d.mean).toBeCloseTo(e.mean!, 6);
        expect(d.std).toBeCloseTo(e.std!, 4);
        const vals = e.samples!.index.map((i) => Number((v.data as unknown as ArrayLike<number>)[i]));
        if (v.dtype === 'float32' || v.dtype === 'float64') {
          vals.forEach((x, k) => expect(x).toBeCloseTo(e.samples!.values[k]!, 4));
        } else {
          expect(vals).toEqual(e.samples!.values);
        }
        fm.forEach((m, t) => expect(m).toBeCloseTo(e.frameMeans![t]!, 4));
      } else {
        // Lossy JPEG: libjpeg (pydicom/Pillow) and jpeg-js differ by rounding in the IDCT.
        expect(Math.abs(d.mean - e.mean!)).toBeLessThan(0.5);
        expect(Math.abs(d.std - e.std!)).toBeLessThan(0.5);
        expect(Math.abs(d.min - e.min!)).toBeLessThanOrEqual(4);
        expect(Math.abs(d.max - e.max!)).toBeLessThanOrEqual(4);
        const vals = e.samples!.index.map((i) => Number((v.data as unknown as ArrayLike<number>)[i]));
        vals.forEach((x, k) => expect(Math.abs(x - e.samples!.values[k]!)).toBeLessThanOrEqual(4));
        fm.forEach((m, t) => expect(Math.abs(m - e.frameMeans![t]!)).toBeLessThan(0.5));
      }
    });
  }
});

function require_fs(): typeof import('node:fs') {
  return { readdirSync: readdirSyncImpl, statSync: statSyncImpl } as unknown as typeof import('node:fs');
}
import { readdirSync as readdirSyncImpl, statSync as statSyncImpl } from 'node:fs';
