/**
 * Fuzz cases for readVideo, run inside a worker thread by fuzz.test.ts so
 * that a hang can be detected and killed. Everything is seeded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import { readVideo, VideoReadError } from '@byolmed3d/video-io';
import { Random } from '@byolmed3d/util';

/** A uniform [0, 1) function from the shared seeded generator. */
function uniform01(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next();
}

interface Seed {
  name: string;
  bytes: Uint8Array;
  gz: boolean;
}

const fx = join(workerData.pkgDir as string, 'test', 'fixtures');
const seedFiles = [
  'npy/i2-le-C.npy', 'npy/f2-be-F.npy', 'npy/u8-be-C.npy', 'npy/4d-i2-F.npy', 'npy/stored.npz', 'npy/deflated.npz',
  'nifti/scaled-int16.nii', 'nifti/qform-float32.nii', 'nifti/nifti2-int16.nii', 'nifti/cine-4d-be.nii.gz',
  'dicom/MR_small.dcm', 'dicom/MR_small_RLE.dcm', 'dicom/MR_small_implicit.dcm', 'dicom/MR_small_bigendian.dcm',
  'dicom/image_dfl.dcm', 'dicom/SC_rgb_rle.dcm', 'dicom/SC_rgb_jpeg_dcmtk.dcm', 'dicom/SC_rgb_rle_16bit_2frame.dcm',
  'dicom/jpeg_lossless_sel1.dcm',
];
const seeds: Seed[] = seedFiles.map((f) => {
  const raw = new Uint8Array(readFileSync(join(fx, f)));
  const gz = f.endsWith('.gz');
  return { name: f, bytes: gz ? new Uint8Array(gunzipSync(raw)) : raw, gz };
});

const EXTREMES = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 348, 540, 132];

/** Mutates a copy of `b` (truncations, flipped bytes, bogus header sizes, inserts/deletes, splices). */
export function mutate(b: Uint8Array, r: () => number, other: Uint8Array): { bytes: Uint8Array; kind: string } {
  const pick = (n: number): number => Math.floor(r() * n);
  const headerPos = (): number => (r() < 0.7 ? pick(Math.min(b.length, 1024)) : pick(b.length));
  const kind = pick(6);
  let out = b.slice();
  switch (kind) {
    case 0: // truncation
      return { bytes: out.subarray(0, pick(b.length)), kind: 'truncate' };
    case 1: {
      // flipped bytes
      const n = 1 + pick(8);
      for (let i = 0; i < n; i++) { const p = headerPos(); out[p] = (out[p] as number) ^ (1 << pick(8)); }
      return { bytes: out, kind: 'flip' };
    }
    case 2: {
      // bogus header sizes: a 2- or 4-byte field set to an extreme value (either byte order)
      const v = EXTREMES[pick(EXTREMES.length)]! + (r() < 0.2 ? pick(1000) : 0);
      const p = headerPos() & ~1;
      const dv = new DataView(out.buffer);
      const le = r() < 0.5;
      if (r() < 0.5 && p + 4 <= out.length) dv.setUint32(p, v >>> 0, le);
      else if (p + 2 <= out.length) dv.setUint16(p, v & 0xffff, le);
      return { bytes: out, kind: 'size' };
    }
    case 3: {
      // random bytes overwritten in a run
      const p = headerPos();
      const n = 1 + pick(64);
      for (let i = p; i < Math.min(out.length, p + n); i++) out[i] = pick(256);
      return { bytes: out, kind: 'smash' };
    }
    case 4: {
      // insert or delete a run
      const p = headerPos();
      const n = 1 + pick(32);
      if (r() < 0.5) {
        const ins = new Uint8Array(out.length + n);
        ins.set(out.subarray(0, p));
        for (let i = 0; i < n; i++) ins[p + i] = pick(256);
        ins.set(out.subarray(p), p + n);
        out = ins;
      } else {
        const q = Math.min(p, Math.max(0, out.length - n));
        const del = new Uint8Array(Math.max(0, out.length - n));
        del.set(out.subarray(0, q));
        del.set(out.subarray(q + n, q + n + del.length - q), q);
        out = del;
      }
      return { bytes: out, kind: 'indel' };
    }
    default: {
      // splice: head of this seed, tail of another
      const p = headerPos();
      const q = pick(other.length);
      const s = new Uint8Array(p + other.length - q);
      s.set(out.subarray(0, p));
      s.set(other.subarray(q), p);
      return { bytes: s, kind: 'splice' };
    }
  }
}

interface Task {
  start: number;
  count: number;
  seed: number;
}

parentPort?.on('message', async (t: Task) => {
  const outcomes: Record<string, number> = { ok: 0, VideoReadError: 0 };
  const crashes: string[] = [];
  const wrapped: Record<string, number> = {};
  for (let i = t.start; i < t.start + t.count; i++) {
    const r = uniform01(t.seed * 1000003 + i);
    const s = seeds[Math.floor(r() * seeds.length)]!;
    const o = seeds[Math.floor(r() * seeds.length)]!;
    const m = mutate(s.bytes, r, o.bytes);
    const bytes = s.gz && r() < 0.8 ? new Uint8Array(gzipSync(m.bytes, { level: 1 })) : m.bytes;
    parentPort?.postMessage({ type: 'case', i, seed: s.name, kind: m.kind });
    try {
      const v = await readVideo(bytes, { name: `fuzz-${i}`, maxBytes: 64 << 20 });
      // Whatever decodes must be self-consistent.
      if (v.data.length !== v.shape[0] * v.shape[1] * v.shape[2] * v.shape[3]) crashes.push(`case ${i} (${s.name}, ${m.kind}): data length ${v.data.length} != shape ${v.shape.join('x')}`);
      outcomes.ok!++;
    } catch (e) {
      if (e instanceof VideoReadError) {
        outcomes.VideoReadError!++;
        // Errors of our own parsers that only the last-resort wrapper caught (RangeError of a DataView, a TypeError).
        if (e.reason.startsWith('cannot decode:')) {
          const c = e.cause as Error | undefined;
          const key = `wrapped ${c?.name ?? '?'}: ${(c?.message ?? '').slice(0, 60)} @ ${String(c?.stack?.split('\n')[1] ?? '').trim().slice(0, 90)}`;
          wrapped[key] = (wrapped[key] ?? 0) + 1;
        }
      }
      else crashes.push(`case ${i} (${s.name}, ${m.kind}): ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
  }
  parentPort?.postMessage({ type: 'done', outcomes, crashes, wrapped });
});
