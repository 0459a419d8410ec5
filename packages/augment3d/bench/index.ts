// Two-view pipeline throughput (clips/s, both views per clip) for a
// 16-frame clip -> two 16x224x224 views, typed-array path and tfjs cpu
// tensor path, next to torchvision 0.14 on the same pipeline (Debian's
// /usr/bin/python3, one thread) when it is present.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { byolMed3dViews, byolViews, RandomState, type Clip } from '@byolmed3d/augment3d';
import { timeIt, useBackend, writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';

const here = dirname(fileURLToPath(import.meta.url));
const FRAMES = 16;
const SIZE = 256;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);

function clip(channels: number): Clip {
  const r = new RandomState(1);
  const n = FRAMES * SIZE * SIZE * channels;
  // Smooth-ish content in [0, 1] (a blurred random field), like an MR slice stack.
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = 0.5 + 0.25 * Math.sin(i * 0.001) + 0.1 * r.next();
  return { data, shape: [FRAMES, SIZE, SIZE, channels] };
}

function clipsPerSecond(fn: () => void): { rate: number; clips: number } {
  fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    fn();
    n++;
  }
  return { rate: (n * 1000) / (performance.now() - t0), clips: n };
}

function torchvisionPeer(channels: number, repeat = false): number | undefined {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return undefined;
  const r = spawnSync(py, [join(here, 'torchvision_peer.py'), String(FRAMES), String(SIZE), String(SIZE), String(channels), String(SECONDS), ...(repeat ? ['repeat'] : [])], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`torchvision peer skipped: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return undefined;
  }
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { clips_per_s: number }).clips_per_s;
}

async function main(): Promise<void> {
  await useBackend('cpu');
  const rows: BenchRow[] = [];
  for (const channels of [1, 3]) {
    const x = clip(channels);
    const p = byolMed3dViews({ toRgb: false, seed: 1 });
    const ours = clipsPerSecond(() => p.sample(x));
    const peer = torchvisionPeer(channels);
    rows.push({
      case: `byolMed3dViews two views, 16x256x256x${channels} -> 2 x 16x224x224x${channels}, typed arrays`,
      unit: 'clips/s',
      value: ours.rate,
      ...(peer !== undefined ? { peer: { name: 'torchvision 0.14 (1 thread)', value: peer } } : {}),
      notes: `${ours.clips} clips in ${SECONDS}s; crop 0.5-1, jitter 0.4/0.4/0.2/0.1 p0.8, blur k23 p0.6/0.4, z-score`,
    });
  }
  {
    // The preset as the seed paper uses it: grey input repeated to RGB (ours repeats after the crop).
    const x = clip(1);
    const p = byolMed3dViews({ seed: 1 });
    const ours = clipsPerSecond(() => p.sample(x));
    const peer = torchvisionPeer(1, true);
    rows.push({
      case: 'byolMed3dViews defaults, grey 16x256x256x1 -> 2 x 16x224x224x3, typed arrays',
      unit: 'clips/s',
      value: ours.rate,
      ...(peer !== undefined ? { peer: { name: 'torchvision 0.14 (1 thread), grey repeated first', value: peer } } : {}),
      notes: `${ours.clips} clips in ${SECONDS}s`,
    });
  }
  {
    const x = clip(3);
    const p = byolViews({ seed: 1 });
    const ours = clipsPerSecond(() => p.sample(x));
    rows.push({ case: 'byolViews two views, 16x256x256x3, typed arrays', unit: 'clips/s', value: ours.rate, notes: `${ours.clips} clips in ${SECONDS}s` });
  }
  {
    // tfjs cpu backend tensor path, batch of 1 (kernels are pure JS).
    const x = clip(1);
    const t = tf.tensor5d(x.data, [1, ...x.shape]);
    const p = byolMed3dViews({ toRgb: false, seed: 1 });
    const ms = await timeIt(
      () => {
        const [a, b] = p.sampleBatch(t);
        a.dispose();
        b.dispose();
      },
      { repeats: 3, warmup: 1 },
    );
    t.dispose();
    rows.push({ case: 'byolMed3dViews two views, 16x256x256x1, tfjs cpu tensor path', unit: 'clips/s', value: 1000 / ms, notes: 'median of 3, @tensorflow/tfjs-backend-cpu' });
  }
  writeBenchResult('augment3d', rows, { frames: FRAMES, input: SIZE, output: 224, seconds: SECONDS });
}

await main();
