// npm run bench: r3d_18 training steps (forward + backward, train-mode batch
// norm) on the portable backend against the stock tfjs cpu backend, in the
// same process, interleaved round by round (order alternating), at the
// issue's small shape (2x4x32x32, full width) and at the quickstart's
// (micro-batch 8, 8x24x24, one channel, width 1/16). The comparison with
// oneDNN and PyTorch at 2x16x112x112 is in packages/tfjs-onednn/bench.
// Environment: BENCH_ROUNDS (default 3), BENCH_WARMUP (default 1).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { loadavg } from 'node:os';
import { writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';
import { createVideoResNet } from '@byolmed3d/resnet3d';
import { registerPortableBackend } from '@byolmed3d/tfjs-portable';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const warmup = Number(process.env.BENCH_WARMUP ?? 1);
const meta: Record<string, unknown> = { rounds, warmup, loadavgStart: loadavg() };
const rows: BenchRow[] = [];
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

interface Step {
  backend: string;
  run: () => void;
  dispose: () => void;
}

async function makeStep(backend: string, shape: [number, number, number, number, number], width: number): Promise<Step> {
  await tf.setBackend(backend);
  const model = createVideoResNet('r3d_18', { widthMultiplier: width, inChannels: shape[4], seed: 1 });
  const x = tf.randomNormal(shape, 0, 1, 'float32', 7) as tf.Tensor5D;
  return {
    backend,
    run: () => {
      const { value, grads } = tf.variableGrads(() => {
        const out = model.apply(x, { training: true });
        const s = tf.sum(out.features) as tf.Scalar;
        tf.dispose(out as unknown as tf.TensorContainer);
        return s;
      }, model.trainableVariables);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    },
    dispose: () => {
      x.dispose();
      model.dispose();
    },
  };
}

/** Wall and CPU seconds of each contender's steps, `rounds` interleaved rounds after `warmup` untimed steps each. */
async function interleaved(steps: Step[]): Promise<{ wall: number[]; cpu: number[] }[]> {
  const res = steps.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (const s of steps) {
    await tf.setBackend(s.backend);
    for (let i = 0; i < warmup; i++) s.run();
  }
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < steps.length; j++) {
      const i = (j + r) % steps.length;
      const s = steps[i] as Step;
      await tf.setBackend(s.backend);
      const c0 = process.cpuUsage(), t0 = performance.now();
      s.run();
      const c = process.cpuUsage(c0);
      (res[i] as { wall: number[] }).wall.push((performance.now() - t0) / 1000);
      (res[i] as { cpu: number[] }).cpu.push((c.user + c.system) / 1e6);
    }
  }
  return res;
}

const portable = await registerPortableBackend();
for (const [label, shape, width] of [
  ['2x4x32x32, 3 channels, full width', [2, 4, 32, 32, 3], 1],
  ['quickstart shape: 8x8x24x24, 1 channel, width 1/16', [8, 8, 24, 24, 1], 0.0625],
] as [string, [number, number, number, number, number], number][]) {
  const steps = [await makeStep(portable, shape, width), await makeStep('cpu', shape, width)];
  const [ours, cpu] = (await interleaved(steps)) as [{ wall: number[]; cpu: number[] }, { wall: number[]; cpu: number[] }];
  for (const s of steps) {
    await tf.setBackend(s.backend);
    s.dispose();
  }
  const ratios = ours.wall.map((w, i) => ((cpu.wall[i] as number) / w).toFixed(1)).join(', ');
  rows.push({
    case: `r3d_18 fwd+bwd ${label}, portable vs the stock tfjs cpu backend, median of ${rounds}`,
    unit: 'clips/s',
    value: shape[0] / median(ours.wall),
    peer: { name: 'tfjs-backend-cpu 4.22', value: shape[0] / median(cpu.wall) },
    notes: `portable ${median(ours.wall).toFixed(2)} s/step (CPU ${median(ours.cpu).toFixed(2)} s), cpu ${median(cpu.wall).toFixed(2)} s/step (CPU ${median(cpu.cpu).toFixed(2)} s); per-round cpu/portable ${ratios}; one thread each`,
  });
}
meta.loadavgEnd = loadavg();
writeBenchResult('tfjs-portable', rows, meta);
