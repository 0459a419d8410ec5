import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejection, testdataPath } from '@byolmed3d/test-utils';
import {
  readVideo,
  describeVideo,
  formatDescription,
  toFloat32Clip,
  detectFormat,
  sniffFormat,
  encodeNpy,
  MissingProgramError,
  VideoReadError,
} from '@byolmed3d/video-io';

const fx = (...p: string[]): string => join(import.meta.dirname, 'fixtures', ...p);

const readError = (p: Promise<unknown>): Promise<VideoReadError> => rejection(p, VideoReadError);

describe('format detection from content', () => {
  it('detects by magic bytes, not by name', async () => {
    const npy = readFileSync(fx('npy', 'i2-le-C.npy'));
    expect(detectFormat(npy, 'misleading.nii')).toBe('npy');
    const v = await readVideo(new Uint8Array(npy), { name: 'misleading.nii' });
    expect(v.format).toBe('npy');
    const gz = readFileSync(testdataPath('nifti', 'example4d.nii.gz'));
    expect(sniffFormat(gz, 'x.bin')).toEqual({ format: 'nifti', gzipped: true });
    expect(detectFormat(readFileSync(fx('dicom', 'MR_small_implicit.dcm')))).toBe('dicom');
  });
  it('reads a gzipped NIfTI given as bytes', async () => {
    const v = await readVideo(new Uint8Array(readFileSync(testdataPath('nifti', 'example_nifti2.nii.gz'))));
    expect(v.format).toBe('nifti');
    expect(v.meta.niftiVersion).toBe(2);
    expect(v.meta.gzipped).toBe(true);
  });
});

describe('NIfTI options', () => {
  it("frameAxis 'auto' reads a single-slice 4D file along time", async () => {
    // Build a 2D+time NIfTI-1 (x=4, y=3, z=1, t=5) by hand.
    const hdr = new Uint8Array(352 + 4 * 3 * 5 * 2);
    const dv = new DataView(hdr.buffer);
    dv.setInt32(0, 348, true);
    [4, 4, 3, 1, 5, 1, 1, 1].forEach((d, i) => dv.setInt16(40 + 2 * i, d, true));
    dv.setInt16(70, 4, true); // int16
    dv.setInt16(72, 16, true);
    [1, 0.5, 0.5, 2, 25, 1, 1, 1].forEach((p, i) => dv.setFloat32(76 + 4 * i, p, true));
    dv.setFloat32(108, 352, true);
    hdr[123] = 2 | 16; // mm, msec
    hdr.set([0x6e, 0x2b, 0x31, 0], 344);
    for (let i = 0; i < 60; i++) dv.setInt16(352 + 2 * i, i, true);
    const v = await readVideo(hdr, { name: 'cine.nii' });
    expect(v.shape).toEqual([5, 3, 4, 1]);
    expect(v.frameTime).toBe(25);
    expect(v.spacing).toEqual([2, 0.5, 0.5]);
    // frame t holds file values t*12 .. t*12+11 (x fastest)
    expect(Array.from(v.data as Int16Array).slice(12, 24)).toEqual(Array.from({ length: 12 }, (_, i) => 12 + i));
    const e = await readError(readVideo(hdr, { name: 'cine.nii', volume: 7 }));
    expect(e.reason).toMatch(/volume 7 out of range/);
  });
});

describe('bad input raises VideoReadError naming file, format and reason', () => {
  it('truncated npy', async () => {
    const b = readFileSync(fx('npy', 'f8-le-C.npy'));
    const e = await readError(readVideo(new Uint8Array(b.subarray(0, b.length - 5)), { name: 'cut.npy' }));
    expect(e.file).toBe('cut.npy');
    expect(e.format).toBe('npy');
    expect(e.reason).toMatch(/truncated/);
  });
  it('headers claiming huge sizes are rejected before allocating', async () => {
    const npy = encodeNpy({ data: new Uint8Array(8), shape: [1, 2, 4, 1], dtype: 'uint8' }, [1, 2, 4]);
    const text = new TextDecoder().decode(npy.subarray(10, 10 + npy[8]!));
    const huge = text.replace('(1, 2, 4)', '(99999, 99999, 99)').padEnd(text.length - 1, ' ').slice(0, text.length - 1) + '\n';
    const bogus = new Uint8Array(npy);
    bogus.set(new TextEncoder().encode(huge), 10);
    const e = await readError(readVideo(bogus, { name: 'huge.npy' }));
    expect(e.reason).toMatch(/exceeds maxBytes|truncated/);
    const nii = new Uint8Array(readFileSync(testdataPath('nifti', 'anatomical.nii')));
    new DataView(nii.buffer).setInt16(42, 30000, false); // dim[1], big-endian file
    const e2 = await readError(readVideo(nii, { name: 'huge.nii' }));
    expect(e2.format).toBe('nifti');
    expect(e2.reason).toMatch(/truncated: dims/);
  });
  it('truncated DICOM and unsupported transfer syntax', async () => {
    const e = await readError(readVideo(fx('dicom', 'MR_truncated.dcm')));
    expect(e.format).toBe('dicom');
    expect(e.reason).toMatch(/truncated/);
    const j = await readError(readVideo(fx('dicom', 'JPGExtended.dcm')));
    expect(j.reason).toMatch(/12-bit extended JPEG\) is not supported: no 12-bit JPEG decoder/);
  });
  it('truncated gzip, unknown bytes, missing file, maxBytes', async () => {
    const gz = readFileSync(testdataPath('nifti', 'example4d.nii.gz'));
    const e = await readError(readVideo(new Uint8Array(gz.subarray(0, 5000)), { name: 'cut.nii.gz' }));
    expect(e.reason).toMatch(/gzip/);
    const u = await readError(readVideo(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), { name: 'junk.bin' }));
    expect(u.format).toBe('unknown');
    const m = await readError(readVideo('/nonexistent/file.npy'));
    expect(m.reason).toMatch(/cannot open/);
    const big = await readError(readVideo(testdataPath('nifti', 'colin27-ch2.nii.gz'), { maxBytes: 1 << 20 }));
    expect(big.reason).toMatch(/maxBytes/);
  });
});

describe('DICOM series', () => {
  it('a shuffled list of files is sorted by position along the slice normal, like the folder', async () => {
    const dir = testdataPath('dicom', 'brain-series');
    const names = Array.from({ length: 20 }, (_, i) => join(dir, `brain_${String(i + 1).padStart(3, '0')}.dcm`));
    const shuffled = [...names].reverse();
    [shuffled[3], shuffled[11]] = [shuffled[11]!, shuffled[3]!];
    const a = await readVideo(shuffled);
    const b = await readVideo(dir);
    expect(a.meta.files).toEqual(b.meta.files);
    expect(a.meta.sortedBy).toBe('ImagePositionPatient');
    expect(Buffer.from((a.data as Int16Array).buffer).equals(Buffer.from((b.data as Int16Array).buffer))).toBe(true);
    // positions increase monotonically along the normal
    const pos = a.meta.slicePositions as number[][];
    const iop = a.meta.imageOrientationPatient as number[];
    const n = [iop[1]! * iop[5]! - iop[2]! * iop[4]!, iop[2]! * iop[3]! - iop[0]! * iop[5]!, iop[0]! * iop[4]! - iop[1]! * iop[3]!];
    const d = pos.map((p) => p[0]! * n[0]! + p[1]! * n[1]! + p[2]! * n[2]!);
    for (let i = 1; i < d.length; i++) expect(d[i]!).toBeGreaterThan(d[i - 1]!);
  });
  it('unknown seriesUid is an error naming the series found', async () => {
    const e = await readError(readVideo(testdataPath('dicom', 'brain-series'), { seriesUid: '1.2.3' }));
    expect(e.reason).toMatch(/no series 1\.2\.3; found/);
  });
});

describe('describeVideo and toFloat32Clip', () => {
  it('summarise a volume', async () => {
    const v = await readVideo(testdataPath('dicom', 'cine', 'mr-16f-explicit-little.dcm'));
    const d = describeVideo(v);
    expect(d.format).toBe('dicom');
    expect(d.shape).toEqual([16, 256, 256, 1]);
    expect(d.frameTime).toBeCloseTo(69.47, 5);
    expect(d.min).toBeLessThanOrEqual(d.mean);
    expect(formatDescription(d)).toMatch(/frame time: 69\.47 ms/);
    expect(JSON.parse(JSON.stringify(d)).dtype).toBe('uint8');
    const c = toFloat32Clip(v);
    expect(c.shape).toEqual([16, 256, 256, 1]);
    expect(c.data).toBeInstanceOf(Float32Array);
    expect(c.data[1000]).toBe((v.data as Uint8Array)[1000]);
    const z = toFloat32Clip(v, { normalize: 'zscore' });
    const mean = z.data.reduce((a, b) => a + b, 0) / z.data.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    const mm = toFloat32Clip(v, { normalize: 'minmax' });
    expect(mm.data.reduce((a, b) => Math.max(a, b), -Infinity)).toBe(1);
  });
});

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

describe('video files through ffmpeg', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'video-io-ffmpeg-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!hasFfmpeg)('decodes a generated test video (gray and rgb24)', async () => {
    const file = join(dir, 'clip.avi');
    // 12 frames of 32x24 at 10 fps, lossless (ffv1) so values are exact.
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=32x24:rate=10:duration=1.2', '-c:v', 'ffv1', '-pix_fmt', 'yuv420p', '-y', file]);
    const v = await readVideo(file);
    expect(v.format).toBe('video');
    expect(v.shape).toEqual([12, 24, 32, 1]);
    expect(v.dtype).toBe('uint8');
    expect(v.frameTime).toBeCloseTo(100, 5);
    const rgb = await readVideo(file, { pixelFormat: 'rgb24', maxFrames: 3 });
    expect(rgb.shape).toEqual([3, 24, 32, 3]);
    // Same bytes as ffmpeg's own rawvideo output.
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '3', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    expect(Buffer.from(rgb.data as Uint8Array).equals(raw)).toBe(true);
    // Bytes in memory go through a temporary file.
    const mem = await readVideo(new Uint8Array(readFileSync(file)), { name: 'mem.avi', maxFrames: 2 });
    expect(mem.shape).toEqual([2, 24, 32, 1]);
  });

  it('names the missing program', async () => {
    const file = join(dir, 'fake.mp4');
    writeFileSync(file, new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]));
    const e = await readError(readVideo(file, { ffmpegPath: '/nonexistent/bin/ffmpeg' }));
    expect(e).toBeInstanceOf(MissingProgramError);
    expect((e as MissingProgramError).program).toBe('/nonexistent/bin/ffprobe');
    expect(e.message).toMatch(/not installed/);
  });

  it.skipIf(!hasFfmpeg)('a corrupt video raises VideoReadError', async () => {
    const file = join(dir, 'corrupt.mp4');
    writeFileSync(file, new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 1, 2, 3]));
    const e = await readError(readVideo(file));
    expect(e.format).toBe('video');
  });
});
