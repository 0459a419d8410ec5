/**
 * Read throughput of @byolmed3d/video-io: MRNet-shaped .npy exams
 * (32x256x256 uint8) and the same volumes as .nii.gz, side by side with
 * numpy.load and nibabel (Debian's /usr/bin/python3) on the same files.
 * Run: npm run bench (root) or `npx tsx bench/index.ts` here (after a build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { timeIt, writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';
import { Random } from '@byolmed3d/util';
import { encodeNpy, readVideo, MRNetDataset, VideoLoader } from '@byolmed3d/video-io';

const EXAMS = 12;
const [S, H, W] = [32, 256, 256];
const MB = 1e6;

/** A seeded MRI-like volume: smooth blobs plus noise, uint8. */
function volume(seed: number): Uint8Array {
  const out = new Uint8Array(S * H * W);
  const r = new Random(seed);
  const rnd = (): number => r.next();
  for (let z = 0; z < S; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const r = Math.hypot(x - 128, y - 128, (z - 16) * 4);
        const base = r < 100 ? 120 + 60 * Math.sin(x / 9 + seed) * Math.cos(y / 11) : 5;
        out[(z * H + y) * W + x] = Math.max(0, Math.min(255, Math.round(base + (rnd() - 0.5) * 20)));
      }
  return out;
}

/** A NIfTI-1 file (x=W, y=H, z=S, uint8, 1 mm) holding `data` in [S, H, W] C order. */
function nifti(data: Uint8Array): Uint8Array {
  const hdr = new Uint8Array(352);
  const dv = new DataView(hdr.buffer);
  dv.setInt32(0, 348, true);
  [3, W, H, S, 1, 1, 1, 1].forEach((d, i) => dv.setInt16(40 + 2 * i, d, true));
  dv.setInt16(70, 2, true);
  dv.setInt16(72, 8, true);
  [1, 1, 1, 1, 1, 1, 1, 1].forEach((p, i) => dv.setFloat32(76 + 4 * i, p, true));
  dv.setFloat32(108, 352, true);
  hdr[123] = 2;
  hdr.set([0x6e, 0x2b, 0x31, 0], 344);
  const out = new Uint8Array(352 + data.length);
  out.set(hdr);
  out.set(data, 352);
  return out;
}

function python(): string | undefined {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return undefined;
  const ok = spawnSync(py, ['-c', 'import numpy, nibabel'], { encoding: 'utf8' });
  return ok.status === 0 ? py : undefined;
}

const PEER = `
import sys, json, time, glob
import numpy as np, nibabel as nib
kind, d, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(glob.glob(d + ('/*.npy' if kind == 'npy' else '/*.nii.gz')))
def once():
    n = 0
    for f in files:
        a = np.load(f) if kind == 'npy' else np.asanyarray(nib.load(f).dataobj)
        n += a.nbytes
    return n
once()
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); n = once(); ts.append(time.perf_counter() - t0)
ts.sort()
print(json.dumps({'seconds': ts[len(ts) // 2], 'bytes': n, 'files': len(files)}))
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'video-io-bench-'));
  try {
    const npyDir = join(dir, 'train', 'sagittal');
    const niiDir = join(dir, 'nii');
    spawnSync('mkdir', ['-p', npyDir, niiDir]);
    const labels: string[] = [];
    let gzBytes = 0;
    for (let k = 0; k < EXAMS; k++) {
      const v = volume(k + 1);
      const id = String(k).padStart(4, '0');
      writeFileSync(join(npyDir, `${id}.npy`), encodeNpy({ data: v, shape: [S, H, W, 1], dtype: 'uint8' }, [S, H, W]));
      const gz = gzipSync(nifti(v), { level: 6 });
      gzBytes += gz.length;
      writeFileSync(join(niiDir, `${id}.nii.gz`), gz);
      labels.push(`${id},${k % 2}`);
    }
    writeFileSync(join(dir, 'train-abnormal.csv'), labels.join('\n') + '\n');
    const decoded = EXAMS * S * H * W;
    const py = python();
    const rows: BenchRow[] = [];
    const peer = (kind: string): { seconds: number } | undefined => {
      if (!py) return undefined;
      const r = spawnSync(py, ['-c', PEER, kind, kind === 'npy' ? npyDir : niiDir, '5'], { encoding: 'utf8' });
      if (r.status !== 0) {
        console.warn(`peer ${kind} failed: ${r.stderr}`);
        return undefined;
      }
      return JSON.parse(r.stdout) as { seconds: number };
    };
    for (const kind of ['npy', 'nii.gz'] as const) {
      const files = Array.from({ length: EXAMS }, (_, k) => (kind === 'npy' ? join(npyDir, `${String(k).padStart(4, '0')}.npy`) : join(niiDir, `${String(k).padStart(4, '0')}.nii.gz`)));
      const ms = await timeIt(async () => {
        for (const f of files) await readVideo(f);
      }, { repeats: 5, warmup: 1 });
      const s = ms / 1000;
      const p = peer(kind === 'npy' ? 'npy' : 'nii');
      const peerName = kind === 'npy' ? 'numpy.load' : 'nibabel';
      const notes = `${EXAMS} files of ${S}x${H}x${W} uint8; MB = decoded MB (10^6 bytes)${kind === 'nii.gz' ? `; ${(gzBytes / EXAMS / MB).toFixed(2)} MB gzipped per file` : ''}; one thread, sequential`;
      rows.push({ case: `read .${kind} (${S}x${H}x${W} uint8)`, unit: 'MB/s', value: decoded / MB / s, ...(p ? { peer: { name: peerName, value: decoded / MB / p.seconds } } : {}), notes });
      rows.push({ case: `read .${kind} (${S}x${H}x${W} uint8)`, unit: 'clips/s', value: EXAMS / s, ...(p ? { peer: { name: peerName, value: EXAMS / p.seconds } } : {}), notes });
    }
    // The loader end to end (read + float32 clip + stack), 2 decode workers.
    const ds = new MRNetDataset(dir, { split: 'train', planes: ['sagittal'] });
    for (const workers of [0, 2]) {
      const loader = new VideoLoader(ds, { batchSize: 4, seed: 0, workers });
      const ms = await timeIt(async () => {
        for await (const b of loader.batches(0)) void b;
      }, { repeats: 3, warmup: 1 });
      await loader.close();
      rows.push({ case: `VideoLoader .npy batches of 4, workers=${workers}`, unit: 'clips/s', value: EXAMS / (ms / 1000), notes: 'read + toFloat32Clip + stack into [4,32,256,256,1]' });
    }
    writeBenchResult('video-io', rows, { exams: EXAMS, shape: [S, H, W], python: py ?? 'absent' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
