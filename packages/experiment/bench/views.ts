// Pretraining views per second on each backend present: augment3d's tensor
// path (tfjs ops on the backend's device, what `pretrain` uses on webgpu /
// webgl) against the typed-array path on the CPU plus the upload of both
// views (what it uses elsewhere), interleaved round by round in one run.
// A view is one [T, H, W, C] augmented clip; every clip gives two.
// Not part of `npm run bench` (a software WebGPU adapter takes minutes):
//   npx tsx --conditions=@byolmed3d/source packages/experiment/bench/views.ts [backend ...]
// BENCH_SECONDS (default 4) per measurement, BENCH_ROUNDS (default 2).
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { RandomState, type Clip } from '@byolmed3d/augment3d';
import { defaultConfig, mergeConfig, selectBackend, type BackendChoice } from '@byolmed3d/experiment';
import { pretrainViews } from '@byolmed3d/experiment/internal';
import { makeViews } from '../src/train/pretrain.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const BATCH = 2;
// MRNet-like exam (resized to 128 in-plane), 16-frame views of a 112 crop, grey repeated to RGB.
const EXAM: [number, number, number, number] = [24, 128, 128, 1];
const cfg = mergeConfig(defaultConfig(), { data: { frames: 16, crop: 112, channels: 3 }, pretrain: { views: 'byolmed3d' } });

function exam(seed: number): Clip {
  const r = new RandomState(seed);
  const n = EXAM.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = 0.5 + 0.25 * Math.sin(i * 0.001) + 0.1 * r.next();
  return { data, shape: [...EXAM] };
}

/** Views per second of `tensor` (true: tensor path) over SECONDS, micro-batches of BATCH clips, each synchronised by a one-number read. */
async function viewsPerSecond(tensor: boolean, clips: Clip[]): Promise<number> {
  const views = makeViews(cfg);
  let k = 0;
  const once = async (): Promise<void> => {
    const [a, b] = pretrainViews(views, clips, clips.map(() => k++), tensor);
    const s = tf.add(tf.sum(a), tf.sum(b));
    await s.data();
    tf.dispose([a, b, s]);
  };
  await once(); // warm-up (shader compilation on GPU backends)
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    await once();
    n++;
  }
  return (2 * BATCH * n * 1000) / (performance.now() - t0);
}

async function main(): Promise<void> {
  const wanted = (process.argv.slice(2).length ? process.argv.slice(2) : ['cpu', 'portable', 'onednn', 'webgpu']) as BackendChoice[];
  const clips = Array.from({ length: BATCH }, (_, i) => exam(i + 1));
  console.log(`views of a [${EXAM.join(', ')}] exam -> 2 x [16, 112, 112, 3] (byolMed3dViews), micro-batch ${BATCH}, ${SECONDS} s x ${ROUNDS} rounds; ${cpus().length} cores (${cpus()[0]?.model}), load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const b of wanted) {
    let sel;
    try {
      sel = await selectBackend({ backend: b });
    } catch (e) {
      console.log(`${b}: not measured (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    const typed: number[] = [];
    const tens: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let r = 0; r < ROUNDS; r++) {
      typed.push(await viewsPerSecond(false, clips));
      tens.push(await viewsPerSecond(true, clips));
    }
    const u = process.cpuUsage(cpu0);
    const med = (xs: number[]): number => {
      const s = [...xs].sort((x, y) => x - y);
      const m = Math.floor(s.length / 2);
      return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
    };
    console.log(
      `${sel.message}\n  typed-array path + upload: ${med(typed).toFixed(2)} views/s [${typed.map((x) => x.toFixed(2)).join(', ')}]` +
        `\n  tensor path on ${tf.getBackend()}: ${med(tens).toFixed(2)} views/s [${tens.map((x) => x.toFixed(2)).join(', ')}]  tensor/typed ${(med(tens) / med(typed)).toFixed(2)}x` +
        `\n  process CPU ${((u.user + u.system) / 1e6).toFixed(1)} s for this backend; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    );
  }
  process.exit(0);
}

await main();
