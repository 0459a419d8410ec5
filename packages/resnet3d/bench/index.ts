// Throughput of r3d_18 on the active tfjs backend next to PyTorch 1.13
// (Debian's /usr/bin/python3, 2 threads, NCDHW and channels_last_3d) on the
// same shapes in the same run:
// - forward (eval-mode batch norm, no gradient tape), clips/s;
// - forward + backward (training-mode batch norm with the custom gradient,
//   gradients of every trainable variable), clips/s.
// The shape is 16x112x112, batch 2. tfjs's pure-JS cpu backend runs
// Conv3D at ~0.5 GFLOP/s, so one such step takes minutes there: on the cpu
// backend the default shape is 8x32x32 (the golden tests' clip, 1/24.5 of the
// work; 8x56x56 took 136 s for one forward on the shared 2-core machine). Override with
// BENCH_SHAPE=16x112x112 BENCH_BATCH=2; BENCH_BACKEND picks the backend,
// BENCH_REPEATS the timed steps (default 1 on cpu, 3 otherwise).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createVideoResNet } from '@byolmed3d/resnet3d';
import { useBackend, writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';

const here = dirname(fileURLToPath(import.meta.url));
const PY = '/usr/bin/python3';

function torchPeer(shape: [number, number, number], batch: number, mode: 'fwd' | 'fwdbwd', format: 'ncdhw' | 'channels_last_3d', repeats: number): number | undefined {
  if (!existsSync(PY)) return undefined;
  const r = spawnSync(PY, [join(here, 'torch_peer.py'), ...shape.map(String), String(batch), mode, format, '2', String(repeats)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`PyTorch peer skipped (${mode} ${format}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return undefined;
  }
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { ms: number }).ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function main(): Promise<void> {
  await useBackend(process.env.BENCH_BACKEND ?? 'cpu');
  const backend = tf.getBackend();
  const cpu = backend === 'cpu';
  const shape = (process.env.BENCH_SHAPE ?? (cpu ? '8x32x32' : '16x112x112')).split('x').map(Number) as [number, number, number];
  const batch = Number(process.env.BENCH_BATCH ?? 2);
  const repeats = Number(process.env.BENCH_REPEATS ?? (cpu ? 1 : 3));
  const label = `batch ${batch} x 3x${shape.join('x')}`;
  console.log(`r3d_18 on tfjs '${backend}', ${label}, ${repeats} timed step(s) after one warm-up forward`);

  const model = createVideoResNet('r3d_18');
  const x = tf.randomNormal([batch, ...shape, 3], 0, 1, 'float32', 1) as tf.Tensor5D;
  const r = tf.randomNormal([batch, 400], 0, 1, 'float32', 2);
  const forward = (): void => {
    const out = model.apply(x, { training: false });
    out.logits!.dataSync();
    tf.dispose([out.features, out.logits!]);
  };
  const trainStep = (): void => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }).logits!, r)), model.trainableVariables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  // Wall time (reported) and this process's CPU time (noted: the machine may be shared).
  const cpuMs: Record<string, number> = {};
  const time = (fn: () => void, n: number, key: string): number => {
    const ts: number[] = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      fn();
      ts.push(performance.now() - t0);
    }
    const c = process.cpuUsage(c0);
    cpuMs[key] = (c.user + c.system) / 1000 / n;
    return median(ts);
  };
  forward(); // warm-up (memory growth, kernel setup)
  const fwdMs = time(forward, repeats, 'forward');
  console.log(`tfjs forward ${fwdMs.toFixed(0)} ms (cpu ${cpuMs.forward?.toFixed(0)} ms)`);
  const trainMs = time(trainStep, repeats, 'forward+backward');
  console.log(`tfjs forward+backward ${trainMs.toFixed(0)} ms (cpu ${cpuMs['forward+backward']?.toFixed(0)} ms)`);
  tf.dispose([x, r]);
  model.dispose();

  const rows: BenchRow[] = [];
  const clipsPerSecond = (ms: number): number => (batch * 1000) / ms;
  const notes = `tfjs ${backend} backend; r3d_18 at ${label}; PyTorch 1.13 with 2 threads; process CPU ms/step: forward ${cpuMs.forward?.toFixed(0)}, forward+backward ${cpuMs['forward+backward']?.toFixed(0)}`;
  for (const [mode, ms, what] of [
    ['fwd', fwdMs, 'forward (eval)'],
    ['fwdbwd', trainMs, 'forward+backward (train BN)'],
  ] as const) {
    for (const format of ['ncdhw', 'channels_last_3d'] as const) {
      const peer = torchPeer(shape, batch, mode, format, 3);
      rows.push({
        case: `r3d_18 ${what}, ${label}, vs PyTorch ${format}`,
        unit: 'clips/s',
        value: clipsPerSecond(ms),
        ...(peer === undefined ? {} : { peer: { name: `PyTorch 1.13 ${format} 2 threads`, value: clipsPerSecond(peer) } }),
        notes,
      });
    }
  }
  // PyTorch at the full shape, for reference (our number at that shape
  // needs BENCH_SHAPE=16x112x112 on the cpu backend: minutes per step).
  const full: Record<string, number | undefined> = {};
  if (shape.join('x') !== '16x112x112') {
    for (const mode of ['fwd', 'fwdbwd'] as const) full[`pytorch_ncdhw_${mode}_16x112x112_batch2_clips_per_s`] = ((ms) => (ms === undefined ? undefined : 2000 / ms))(torchPeer([16, 112, 112], 2, mode, 'ncdhw', 2));
  }
  writeBenchResult('resnet3d', rows, { backend, shape, batch, repeats, wallMs: { forward: fwdMs, forwardBackward: trainMs }, cpuMs, ...full });
}

await main();
