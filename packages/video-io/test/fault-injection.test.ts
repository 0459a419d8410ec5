// Fault injection for the dataset path: hostile files (symlinks out of the
// dataset, gzip and zip bombs, secrets in unreadable files), numerically bad
// volumes (NaN, Inf, empty, 2-D, slivers) and bad label files. Each case is
// refused with a VideoReadError naming the file; the loader skips and counts
// bad items (filling the batch from the next ones) or, strict, stops on the
// first, naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { Random } from '@byolmed3d/util';
import {
  CsvManifestDataset,
  FolderDataset,
  MRNetDataset,
  VideoLoader,
  VideoReadError,
  encodeNpy,
  readVideo,
  type MedicalVideo,
  type VideoDType,
} from '@byolmed3d/video-io';

let dir = '';
const SECRET = 'ZQXJ-SECRET-TOKEN-4411';

function npy(data: Float32Array | Uint8Array, shape: number[]): Uint8Array {
  const dtype: VideoDType = data instanceof Float32Array ? 'float32' : 'uint8';
  return encodeNpy({ data, shape: [1, 1, 1, 1], dtype } as Pick<MedicalVideo, 'data' | 'shape' | 'dtype'>, shape);
}

/** A good exam: `s` slices of 8x8 float32. */
function good(s = 4, v = 1): Uint8Array {
  return npy(new Float32Array(s * 64).fill(v), [s, 8, 8]);
}

/** A NIfTI-1 header (348 bytes + 4 extension bytes) declaring `dims` float32 voxels. */
function niftiHeader(dims: number[]): Uint8Array {
  const b = new Uint8Array(352);
  const v = new DataView(b.buffer);
  v.setInt32(0, 348, true);
  v.setInt16(40, dims.length, true);
  dims.forEach((d, i) => v.setInt16(42 + 2 * i, d, true));
  v.setInt16(70, 16, true); // float32
  v.setInt16(72, 32, true);
  for (let i = 0; i < 8; i++) v.setFloat32(76 + 4 * i, 1, true);
  v.setFloat32(108, 352, true);
  b.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  return b;
}

/** A minimal zip with one member (`method` 8: deflated), declaring `declared` uncompressed bytes. */
function zip(name: string, content: Uint8Array, declared = content.length): Uint8Array {
  const data = deflateRawSync(content, { level: 9 });
  const nb = new TextEncoder().encode(name);
  const local = new Uint8Array(30 + nb.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(8, 8, true);
  lv.setUint32(18, data.length, true);
  lv.setUint32(22, declared, true);
  lv.setUint16(26, nb.length, true);
  local.set(nb, 30);
  const cd = new Uint8Array(46 + nb.length);
  const cv = new DataView(cd.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(10, 8, true);
  cv.setUint32(20, data.length, true);
  cv.setUint32(24, declared, true);
  cv.setUint16(28, nb.length, true);
  cv.setUint32(42, 0, true);
  cd.set(nb, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, cd.length, true);
  ev.setUint32(16, local.length + data.length, true);
  const out = new Uint8Array(local.length + data.length + cd.length + end.length);
  out.set(local, 0);
  out.set(data, local.length);
  out.set(cd, local.length + data.length);
  out.set(end, local.length + data.length + cd.length);
  return out;
}

async function refusal(p: Promise<unknown>): Promise<VideoReadError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected a VideoReadError').toBeInstanceOf(VideoReadError);
  return e as VideoReadError;
}

/** An MRNet tree with `n` good sagittal exams, exam `bad` replaced by `badBytes`. */
function mrnet(name: string, n: number, bad: Record<number, Uint8Array> = {}, csv?: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'train', 'sagittal'), { recursive: true });
  for (let k = 0; k < n; k++) writeFileSync(join(root, 'train', 'sagittal', `${String(k).padStart(4, '0')}.npy`), bad[k] ?? good(4, k));
  writeFileSync(join(root, 'train-abnormal.csv'), csv ?? Array.from({ length: n }, (_, k) => `${String(k).padStart(4, '0')},${k % 2}`).join('\n') + '\n');
  return root;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-io-fault-'));
  writeFileSync(join(dir, 'secret.txt'), `${SECRET}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fault injection: escapes and secrets', () => {
  it('a symlink inside the dataset pointing outside it is refused (realpath containment), naming the file', async () => {
    const root = mrnet('escape', 3);
    const outside = join(dir, 'outside.npy');
    writeFileSync(outside, good());
    const link = join(root, 'train', 'sagittal', '0001.npy');
    rmSync(link);
    symlinkSync(outside, link);
    const ds = new MRNetDataset(root, { planes: ['sagittal'] });
    const e = await refusal(ds.get(1));
    expect(e.file).toBe(link);
    expect(e.reason).toMatch(/outside the dataset root/);
    await expect(ds.get(0)).resolves.toBeDefined();
    // a symlink that stays inside the root is fine
    const inside = join(root, 'train', 'sagittal', '0002.npy');
    rmSync(inside);
    symlinkSync(join(root, 'train', 'sagittal', '0000.npy'), inside);
    await expect(ds.get(2)).resolves.toBeDefined();
    // the manifest dataset and the loader (through its own read path) refuse it too
    writeFileSync(join(root, 'm.csv'), 'path,label\ntrain/sagittal/0000.npy,0\ntrain/sagittal/0001.npy,1\n');
    await refusal(new CsvManifestDataset(join(root, 'm.csv')).get(1));
    const loader = new VideoLoader(ds, { batchSize: 3, shuffle: false, skipBadItems: true, onWarning: () => undefined });
    const batches = [];
    for await (const b of loader.batches(0)) batches.push(b);
    expect(loader.skipped.map((s) => s.id)).toEqual(['0001']);
  });

  it('the unreadable-file error never quotes the file: a symlinked secret, or secrets in headers', async () => {
    const root = join(dir, 'secrets');
    mkdirSync(root);
    symlinkSync(join(dir, 'secret.txt'), join(root, 'exam.npy'));
    const messages: string[] = [];
    messages.push((await refusal(readVideo(join(root, 'exam.npy')))).message);
    messages.push((await refusal(new FolderDataset(root, { extensions: ['.npy'] }).length === 0 ? readVideo(join(dir, 'secret.txt')) : Promise.resolve())).message);
    const header = (dict: string): Uint8Array => {
      const d = new TextEncoder().encode(dict + '\n');
      const b = new Uint8Array(10 + d.length);
      b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, d.length & 0xff, d.length >> 8]);
      b.set(d, 10);
      return b;
    };
    messages.push((await refusal(readVideo(header(`{'descr': '${SECRET}', 'fortran_order': False, 'shape': (2, 2), }`)))).message);
    messages.push((await refusal(readVideo(header(`{'descr': '<f4', 'fortran_order': False, 'shape': (${SECRET}, 2), }`)))).message);
    messages.push((await refusal(readVideo(header(`{'${SECRET}': 1}`)))).message);
    for (const m of messages) {
      expect(m).not.toContain(SECRET);
      expect(m).not.toContain('ZQXJ');
      expect(m).not.toMatch(/5a 51 58 4a/i); // the secret's first bytes in hex
    }
  });

  it('hostile-file fuzz: a secret planted anywhere in npy/npz/NIfTI/unknown files never appears in an error', async () => {
    const r = new Random(21);
    const seeds = [good(3), zip('a.npy', good(3)), new Uint8Array([...niftiHeader([8, 8, 3]), ...new Uint8Array(8 * 8 * 3 * 4)]), new TextEncoder().encode('plain text file\n'.repeat(8))];
    const marker = new TextEncoder().encode(SECRET);
    let errors = 0;
    for (let i = 0; i < 400; i++) {
      const b = (seeds[i % seeds.length] as Uint8Array).slice();
      const at = r.int(0, Math.max(1, b.length - marker.length));
      b.set(marker.subarray(0, Math.min(marker.length, b.length - at)), at);
      const bytes = r.bernoulli(0.3) ? new Uint8Array(gzipSync(b)) : b;
      try {
        await readVideo(bytes, { name: `fuzz-${i}`, maxBytes: 1 << 20 });
      } catch (e) {
        expect(e).toBeInstanceOf(VideoReadError);
        expect((e as Error).message).not.toContain('ZQXJ');
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(50);
  });
});

describe('fault injection: size limits from headers, before inflating', () => {
  it('bomb.nii.gz whose header says 3 GiB is refused from the header, not after inflating', async () => {
    // 1024 x 1024 x 768 float32 = 3 GiB declared; the stream holds 16 MiB of zeros.
    const body = new Uint8Array(352 + (16 << 20));
    body.set(niftiHeader([1024, 1024, 768]));
    const p = join(dir, 'bomb.nii.gz');
    writeFileSync(p, gzipSync(body, { level: 1 }));
    const e = await refusal(readVideo(p, { maxBytes: 4 << 20 }));
    expect(e.file).toBe(p);
    expect(e.reason).toMatch(/declares 3221225824 bytes, more than maxBytes=4194304; not inflated/);
    const e2 = await refusal(readVideo(p));
    expect(e2.reason).toMatch(/declares 3221225824 bytes, more than maxBytes=2147483648/);
  });

  it('a gzip stream longer than its header declares is inflated only as far as declared', async () => {
    const body = new Uint8Array(352 + 8 * 8 * 3 * 4 + (32 << 20));
    body.set(niftiHeader([8, 8, 3]));
    const v = await readVideo(new Uint8Array(gzipSync(body, { level: 1 })), { name: 'long.nii.gz', maxBytes: 1 << 20 });
    expect(v.shape).toEqual([3, 8, 8, 1]);
  });

  it('an .npy inside an .npz whose header declares 3 GiB is refused before inflating, naming the member', async () => {
    const hdr = encodeNpy({ data: new Float32Array(0), shape: [1, 1, 1, 1], dtype: 'float32' }, [768, 1024, 1024]);
    const member = new Uint8Array(hdr.length + (8 << 20));
    member.set(hdr);
    const p = join(dir, 'bomb.npz');
    writeFileSync(p, zip('arr_0.npy', member));
    const e = await refusal(readVideo(p, { maxBytes: 16 << 20 }));
    expect(e.file).toBe(`${p}:arr_0.npy`);
    expect(e.reason).toMatch(/\.npy header declares 3221225\d+ bytes, more than maxBytes=16777216; not inflated/);
    // the archive's declared member size is checked first (here it is also more than deflate can expand to)
    writeFileSync(p, zip('arr_0.npy', member, 3 * 2 ** 30));
    expect((await refusal(readVideo(p, { maxBytes: 16 << 20 }))).reason).toMatch(/member arr_0\.npy claims 3221225472 bytes from \d+ compressed bytes/);
    writeFileSync(p, zip('arr_0.npy', member));
    expect((await refusal(readVideo(p, { maxBytes: 4 << 20 }))).reason).toMatch(new RegExp(`member declares ${member.length} bytes, more than maxBytes=4194304; not inflated`));
  });

  it('a lying archive (its stream inflates far past what it and the .npy declare) is inflated only to the .npy size', async () => {
    const head = good(2);
    const member = new Uint8Array(head.length + (16 << 20));
    member.set(head);
    const v = await readVideo(zip('x.npy', member, head.length), { name: 'lying.npz', maxBytes: 1 << 20 });
    expect(v.shape).toEqual([2, 8, 8, 1]);
  });
});

describe('fault injection: bad volumes are unreadable exams', () => {
  it('NaN, Inf, empty, 2-D and sliver volumes are refused in the dataset path, each naming the file', async () => {
    const nan = new Float32Array(4 * 64).fill(1);
    nan[70] = NaN;
    const inf = new Float32Array(4 * 64).fill(1);
    inf[3] = Infinity;
    const root = mrnet('badvol', 6, {
      1: npy(nan, [4, 8, 8]),
      2: npy(inf, [4, 8, 8]),
      3: npy(new Uint8Array(0), [0, 24, 24]),
      4: npy(new Uint8Array(64), [8, 8]),
      5: npy(new Uint8Array(6), [6, 1, 1]),
    });
    const ds = new MRNetDataset(root, { planes: ['sagittal'] });
    const reasons: string[] = [];
    for (let k = 1; k <= 5; k++) {
      const e = await refusal(ds.get(k));
      expect(e.file).toBe(join(root, 'train', 'sagittal', `000${k}.npy`));
      reasons.push(e.reason);
    }
    expect(reasons[0]).toMatch(/non-finite values \(1 NaN, 0 infinite/);
    expect(reasons[1]).toMatch(/non-finite values \(0 NaN, 1 infinite/);
    expect(reasons[2]).toMatch(/empty volume/);
    expect(reasons[3]).toMatch(/smaller than the minimum \[2, 2, 2\].*2-D array/);
    expect(reasons[4]).toMatch(/smaller than the minimum/);
    await expect(ds.get(0)).resolves.toBeDefined();
    // readVideo itself still reads a NaN volume (inspect), but never an empty one
    await expect(readVideo(join(root, 'train', 'sagittal', '0001.npy'))).resolves.toBeDefined();
    await refusal(readVideo(join(root, 'train', 'sagittal', '0003.npy')));
    // the checks are options: a folder dataset can ask for a minimum clip size
    const fd = new FolderDataset(join(root, 'train'), { readOptions: { minShape: [5, 8, 8] } });
    await refusal(fd.get(0));
  });

  it('the loader skips and counts bad exams and fills the batch from the next items; strict mode stops naming the file', async () => {
    const nan = new Float32Array(4 * 64).fill(NaN);
    const root = mrnet('loader', 9, { 1: npy(nan, [4, 8, 8]), 6: npy(new Uint8Array(0), [0, 24, 24]) });
    const ds = new MRNetDataset(root, { planes: ['sagittal'] });
    const warnings: string[] = [];
    const loader = new VideoLoader(ds, { batchSize: 4, shuffle: false, skipBadItems: true, onWarning: (m) => warnings.push(m) });
    const batches = [];
    for await (const b of loader.batches(0)) batches.push(b);
    expect(batches.map((b) => b.ids)).toEqual([
      ['0000', '0002', '0003', '0004'],
      ['0005', '0007', '0008'],
    ]);
    expect(batches.map((b) => b.skipped.map((s) => s.id))).toEqual([['0001'], ['0006']]);
    expect(loader.skippedCount).toBe(2);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(join(root, 'train', 'sagittal', '0001.npy'));
    const strict = new VideoLoader(ds, { batchSize: 4, shuffle: false });
    const e = await refusal((async () => {
      for await (const b of strict.batches(0)) void b;
    })());
    expect(e.file).toBe(join(root, 'train', 'sagittal', '0001.npy'));
    expect(e.reason).toMatch(/non-finite/);
    // seeds that cannot be represented exactly are refused, not silently collided
    expect(() => new VideoLoader(ds, { seed: 2 ** 53 + 2 })).toThrow(/seed must be a safe integer/);
  });
});

describe('fault injection: label files', () => {
  it('MRNet: a duplicate exam id with conflicting labels, a repeat, or an extra column is refused naming the file, id and line', () => {
    const dup = mrnet('dup', 3, {}, '0000,0\n0001,1\n0001,0\n');
    expect(() => new MRNetDataset(dup, { planes: ['sagittal'] })).toThrow(VideoReadError);
    expect(() => new MRNetDataset(dup, { planes: ['sagittal'] })).toThrow(/train-abnormal\.csv: unknown: exam id 0001 is listed with conflicting labels 1 \(line 2\) and 0 \(line 3\)/);
    const rep = mrnet('rep', 3, {}, '0000,0\n0001,1\n1,1\n');
    expect(() => new MRNetDataset(rep, { planes: ['sagittal'] })).toThrow(/exam id 0001 is listed twice \(lines 2 and 3\)/);
    const extra = mrnet('extra', 3, {}, '0000,0\n0001,1,left\n0002,0\n');
    expect(() => new MRNetDataset(extra, { planes: ['sagittal'] })).toThrow(/train-abnormal\.csv: unknown: line 2: expected 2 columns/);
  });

  it('CSV manifest: an extra column, or an id listed twice with conflicting labels, is refused', () => {
    const root = mrnet('manifest', 3);
    writeFileSync(join(root, 'extra.csv'), 'path,label\ntrain/sagittal/0000.npy,0\ntrain/sagittal/0001.npy,1,oops\n');
    expect(() => new CsvManifestDataset(join(root, 'extra.csv'))).toThrow(/extra\.csv: unknown: line 3: 3 cells, expected 2/);
    writeFileSync(join(root, 'dup.csv'), 'path,label\ntrain/sagittal/0000.npy,0\ntrain/sagittal/0000.npy,1\n');
    expect(() => new CsvManifestDataset(join(root, 'dup.csv'))).toThrow(/exam id train\/sagittal\/0000\.npy is listed with conflicting labels/);
  });
});
