// Training demo: a few BYOL steps of a small r3d_18 on WebGPU in the page,
// then the same steps from the same initialisation on tfjs's cpu backend, so
// the page shows (and the test checks) that the two agree. Statistics are read
// back with stepAsync: one asynchronous download per step, never dataSync.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { BYOL } from '@byolmed3d/byol';
import { createVideoResNet } from '@byolmed3d/resnet3d';
import { byolMed3dViews, type Clip } from '@byolmed3d/augment3d';
import { registerWebGpuBackend, type WebGpuBackendInfo } from '@byolmed3d/tfjs-webgpu';

/** What the demo measured. */
export interface TrainReport {
  adapter: WebGpuBackendInfo['adapter'];
  steps: number;
  webgpu: { losses: number[]; msPerStep: number[] };
  cpu: { losses: number[]; msPerStep: number[] } | null;
  /** Largest |webgpu - cpu| / |cpu| over the steps' losses (null without the cpu run). */
  maxLossRelDiff: number | null;
}

/** A smooth seeded phantom clip [T, H, W, 1] in [0, 1] (a drifting blob over a gradient). */
function phantom(seed: number, t = 8, h = 48, w = 48): Clip {
  const data = new Float32Array(t * h * w);
  const cx = 0.3 + 0.4 * ((seed * 7919) % 97) / 97;
  for (let f = 0; f < t; f++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const dx = x / w - cx - 0.02 * f;
        const dy = y / h - 0.5;
        data[(f * h + y) * w + x] = 0.3 * (y / h) + 0.7 * Math.exp(-(dx * dx + dy * dy) / 0.02);
      }
    }
  }
  return { data, shape: [t, h, w, 1] };
}

/** Two batches of views per step: [2, 4, 32, 32, 3] each, seeded. */
function makeViews(steps: number): [Float32Array, Float32Array][] {
  const pipeline = byolMed3dViews({ size: 32, frames: 4, seed: 1, toRgb: true, normalize: 'zscore' });
  const out: [Float32Array, Float32Array][] = [];
  for (let s = 0; s < steps; s++) {
    const a: Float32Array[] = [];
    const b: Float32Array[] = [];
    for (let i = 0; i < 2; i++) {
      const [va, vb] = pipeline.sample(phantom(s * 2 + i));
      a.push(va.data);
      b.push(vb.data);
    }
    const join = (parts: Float32Array[]) => {
      const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      return all;
    };
    out.push([join(a), join(b)]);
  }
  return out;
}

async function run(backend: string, views: [Float32Array, Float32Array][], log: (s: string) => void) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to start`);
  const shape: [number, number, number, number, number] = [2, 4, 32, 32, 3];
  const encoder = createVideoResNet('r3d_18', { numClasses: 0, widthMultiplier: 0.125, seed: 3 });
  const optimizer = tf.train.sgd(0.05);
  const byol = new BYOL(encoder, { optimizer, projector: { hiddenDim: 64, outputDim: 32 }, predictor: { hiddenDim: 64, outputDim: 32 }, seed: 4, totalSteps: views.length });
  const losses: number[] = [];
  const msPerStep: number[] = [];
  try {
    for (const [av, bv] of views) {
      const a = tf.tensor5d(av, shape);
      const b = tf.tensor5d(bv, shape);
      const t0 = performance.now();
      const s = await byol.stepAsync(a, b);
      msPerStep.push(performance.now() - t0);
      tf.dispose([a, b]);
      if (!Number.isFinite(s.loss)) throw new Error(`non-finite loss on ${backend} at step ${s.step}`);
      losses.push(s.loss);
      log(`${backend} step ${losses.length}/${views.length}: loss ${s.loss.toFixed(5)} (${msPerStep.at(-1)!.toFixed(0)} ms)`);
    }
  } finally {
    byol.dispose({ encoder: true });
    optimizer.dispose();
  }
  return { losses, msPerStep };
}

/**
 * Runs `steps` BYOL steps on webgpu (and, with `compareCpu`, on cpu) and
 * restores the previously active backend.
 */
export async function trainDemo(steps: number, compareCpu: boolean, log: (s: string) => void): Promise<TrainReport> {
  const previous = tf.getBackend();
  const info = await registerWebGpuBackend({ setBackend: false });
  log(`webgpu adapter: ${info.adapter.name}${info.adapter.isSoftware ? ' (software)' : ''}`);
  const views = makeViews(steps);
  try {
    const webgpu = await run('webgpu', views, log);
    const cpu = compareCpu ? await run('cpu', views, log) : null;
    const maxLossRelDiff = cpu == null ? null : Math.max(...webgpu.losses.map((l, i) => Math.abs(l - cpu.losses[i]!) / Math.abs(cpu.losses[i]!)));
    return { adapter: info.adapter, steps, webgpu, cpu, maxLossRelDiff };
  } finally {
    if (previous) await tf.setBackend(previous);
  }
}
