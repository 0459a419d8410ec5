import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { rejection, repoRoot } from '@byolmed3d/test-utils';
import { MissingCodecError, MissingProgramError, readVideo, registerDicomCodec, VideoReadError, type MedicalVideo } from '@byolmed3d/video-io';

/** Reference values written by tools/fixtures/video_io_codecs.py (pydicom, the uncompressed originals, ffmpeg). */
interface Entry {
  path: string;
  transferSyntax: string;
  reference: 'pydicom' | 'original' | 'ffmpeg' | 'error' | 'none';
  original?: string;
  error?: string;
  shape?: number[];
  dtype?: string;
  min?: number;
  max?: number;
  mean?: number;
  samples?: { index: number[]; values: number[] };
  frameMeans?: number[];
  crc32?: number;
  frameTime?: number;
}

const ref = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'codecs.json'), 'utf8')) as { entries: Entry[] };
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
const abs = (p: string): string => join(repoRoot, p);

function leBytes(v: MedicalVideo): Uint8Array {
  return new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
}

const readError = (p: Promise<unknown>): Promise<VideoReadError> => rejection(p, VideoReadError);

function check(v: MedicalVideo, e: Entry): void {
  expect(v.shape).toEqual(e.shape);
  expect(v.dtype).toBe(e.dtype);
  const d = v.data as unknown as ArrayLike<number>;
  expect(e.samples!.index.map((i) => d[i])).toEqual(e.samples!.values);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    lo = Math.min(lo, d[i]!);
    hi = Math.max(hi, d[i]!);
  }
  expect([lo, hi]).toEqual([e.min, e.max]);
  // Every value: the CRC32 of the little-endian bytes.
  expect(crc32(leBytes(v))).toBe(e.crc32);
}

describe('compressed DICOM transfer syntaxes through the WebAssembly codecs', () => {
  for (const e of ref.entries.filter((x) => x.reference === 'original' || x.reference === 'pydicom')) {
    it(`${e.path.split('/').pop()} (${e.transferSyntax}) matches ${e.reference === 'original' ? `its uncompressed original ${e.original?.split('/').pop()} bit for bit` : 'pydicom'}`, async () => {
      const v = await readVideo(abs(e.path), { applyRescale: false });
      expect(v.meta.transferSyntax).toBe(e.transferSyntax);
      check(v, e);
      if (e.original) {
        const o = await readVideo(abs(e.original), { applyRescale: false });
        expect(Buffer.from(leBytes(v)).equals(Buffer.from(leBytes(o)))).toBe(true);
      }
    });
  }

  it('YBR_RCT colour JPEG 2000 (pydicom fails on it) decodes to RGB text on grey', async () => {
    const e = ref.entries.find((x) => x.path.endsWith('GDCMJ2K_TextGBR.dcm'))!;
    const v = await readVideo(abs(e.path));
    expect(v.shape).toEqual(e.shape);
    expect(v.meta.photometric).toBe('RGB');
    // The reversible colour transform is undone: the grey background has R = G = B.
    const d = v.data as Uint8Array;
    expect([d[0], d[1], d[2]]).toEqual([d[0], d[0], d[0]]);
    expect(new Set(d).size).toBeGreaterThan(2);
  });

  it('openjpeg prints nothing to stdout (its [INFO] lines would corrupt --json output)', async () => {
    const writes: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string | Uint8Array) => {
      writes.push(String(s));
      return true;
    }) as typeof process.stdout.write;
    try {
      registerDicomCodec('openjpeg', { load: () => import('@cornerstonejs/codec-openjpeg/decodewasmjs' as string) });
      await readVideo(abs('packages/video-io/test/fixtures/dicom/693_J2KI.dcm'));
    } finally {
      process.stdout.write = orig;
    }
    expect(writes.join('')).toBe('');
  });

  it('a codec package that cannot be loaded gives MissingCodecError naming it', async () => {
    registerDicomCodec('charls', { load: () => Promise.reject(new Error("Cannot find package '@cornerstonejs/codec-charls'")) });
    try {
      const e = await readError(readVideo(abs('packages/video-io/test/fixtures/dicom/MR_small_jpeg_ls_lossless.dcm')));
      expect(e).toBeInstanceOf(MissingCodecError);
      expect((e as MissingCodecError).package).toBe('@cornerstonejs/codec-charls');
      expect(e.reason).toMatch(/JPEG-LS needs the optional package @cornerstonejs\/codec-charls.*npm install @cornerstonejs\/codec-charls/);
    } finally {
      registerDicomCodec('charls', { load: () => import('@cornerstonejs/codec-charls/decodewasmjs' as string) });
    }
    // And loading it again works.
    const v = await readVideo(abs('packages/video-io/test/fixtures/dicom/MR_small_jpeg_ls_lossless.dcm'));
    expect(v.shape).toEqual([1, 64, 64, 1]);
  });

  it('a codestream whose size disagrees with the header is refused before decoding', async () => {
    const b = new Uint8Array(readFileSync(abs('packages/video-io/test/fixtures/dicom/MR_small_htj2k.dcm')));
    // The SIZ marker's Xsiz (64) follows FF4F FF51 Lsiz Rsiz: make it 65000.
    let p = -1;
    for (let i = 0; i + 4 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) p = i;
    expect(p).toBeGreaterThan(0);
    new DataView(b.buffer).setUint32(p + 8, 65000);
    const e = await readError(readVideo(b, { name: 'bad-siz.dcm' }));
    expect(e.reason).toMatch(/HTJ2K frame 0 is 65000x64x1, header says 64x64x1/);
  });

  it('a corrupt codestream is a VideoReadError, and the codec works afterwards', async () => {
    const b = new Uint8Array(readFileSync(abs('packages/video-io/test/fixtures/dicom/MR_small_jp2klossless.dcm')));
    // Break the COD marker segment that follows SIZ.
    let p = -1;
    for (let i = 0; i + 4 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) p = i;
    const cod = p + 4 + ((b[p + 4]! << 8) | b[p + 5]!);
    expect([b[cod], b[cod + 1]]).toEqual([0xff, 0x52]);
    b[cod + 1] = 0xee;
    const e = await readError(readVideo(b, { name: 'corrupt.dcm', applyRescale: false }));
    expect(e.file).toBe('corrupt.dcm');
    expect(e.reason).toMatch(/JPEG 2000 frame 0 could not be decoded/);
    const v = await readVideo(abs('packages/video-io/test/fixtures/dicom/MR_small_jp2klossless.dcm'));
    expect(v.shape).toEqual([1, 64, 64, 1]);
  });

  it('12-bit extended JPEG keeps its clear error, with the reason', async () => {
    const e = ref.entries.find((x) => x.reference === 'error')!;
    const err = await readError(readVideo(abs(e.path)));
    expect(err.reason).toContain(e.error);
    expect(err.reason).toMatch(/no 12-bit JPEG decoder is published on npm/);
  });
});

describe('DICOM video transfer syntaxes through ffmpeg', () => {
  for (const e of ref.entries.filter((x) => x.reference === 'ffmpeg')) {
    it.skipIf(!hasFfmpeg)(`${e.path.split('/').pop()} (${e.transferSyntax}) equals ffmpeg's decoding of its stream`, async () => {
      const v = await readVideo(abs(e.path));
      check(v, e);
      expect(v.format).toBe('dicom');
      expect(v.frameTime).toBe(e.frameTime);
      expect(v.meta.photometric).toBe('RGB');
    });
  }

  it('without ffmpeg: MissingProgramError naming the DICOM file', async () => {
    const file = abs('packages/video-io/test/fixtures/dicom/video_h264.dcm');
    const e = await readError(readVideo(file, { ffmpegPath: '/nonexistent/bin/ffmpeg' }));
    expect(e).toBeInstanceOf(MissingProgramError);
    expect(e.file).toBe(file);
  });
});
