// Where the memory of a BYOL step goes (bench/byol.ts, the step the bench
// times): `npx tsx bench/memory.ts`. Runs MEM_STEPS (default 3) steps in
// MEM_PRECISION (default fp32) and prints the process peak RSS, and, sampled
// at every kernel call, the largest live tensor bytes (tf.memory), the idle
// bytes of the output pool, and the RSS. Env: BENCH_SHAPE (default
// 2,16,112,112), BENCH_THREADS (2), BENCH_BN_ACT=separate (ReLU / add as
// separate ops), BENCH_EARLY_RELEASE=0 (plain tf.variableGrads), MEM_REUSE_MB
// (the pool cap; default the backend's).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import type { KernelFunc } from '@tensorflow/tfjs-core';
// From the sources (not the package's dist) so that the pool read below is the one the kernels use.
import { registerOneDnnBackend } from '../src/index.js';
import { outputPool } from '../src/cpu_data.js';
import { ByolBench } from './byol.js';
import { fusedBn, fusedBnPlain, separateAct, type BatchNormFn } from './r3d18.js';
import { wrapKernels } from './kernel_hooks.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const [N, T, H, W] = (process.env.BENCH_SHAPE ?? '2,16,112,112').split(',').map(Number) as [number, number, number, number];
const steps = Number(process.env.MEM_STEPS ?? 3);
const precision = (process.env.MEM_PRECISION ?? 'fp32') as 'fp32' | 'bf16';
const reuse = process.env.MEM_REUSE_MB === undefined ? undefined : Number(process.env.MEM_REUSE_MB) * 2 ** 20;

const name = await registerOneDnnBackend({ threads, precision, ...(reuse !== undefined ? { reuseBytes: reuse } : {}) });
await tf.setBackend(name);
const MB = 2 ** 20;
const peak = { live: 0, idleAtLive: 0, rss: 0, liveAtRss: 0, idleAtRss: 0, idle: 0 };
wrapKernels(name, (_, inner): KernelFunc => (args) => {
  const out = inner(args);
  const live = tf.memory().numBytes, idle = outputPool.idleBytes, rss = process.memoryUsage.rss();
  if (live > peak.live) Object.assign(peak, { live, idleAtLive: idle });
  if (rss > peak.rss) Object.assign(peak, { rss, liveAtRss: live, idleAtRss: idle });
  peak.idle = Math.max(peak.idle, idle);
  return out;
});
const bn: BatchNormFn = process.env.BENCH_BN_ACT === 'separate' ? separateAct(fusedBnPlain) : fusedBn;
const early = process.env.BENCH_EARLY_RELEASE !== '0';
const b = new ByolBench(bn, early);
const v1 = tf.randomNormal([N, T, H, W, 3], 0, 1, 'float32', 8) as tf.Tensor5D;
const v2 = tf.randomNormal([N, T, H, W, 3], 0, 1, 'float32', 9) as tf.Tensor5D;
const weights = tf.memory().numBytes;
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  b.step(v1, v2);
  console.log(`step ${i + 1}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}
console.log(
  JSON.stringify({
    precision,
    bnAct: process.env.BENCH_BN_ACT ?? 'fused',
    earlyRelease: early,
    reuseMb: (reuse ?? outputPool.maxIdleBytes) / MB,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    tensorsBeforeStepMb: Math.round(weights / MB),
    peakLiveTensorMb: Math.round(peak.live / MB),
    idleAtPeakLiveMb: Math.round(peak.idleAtLive / MB),
    sampledPeakRssMb: Math.round(peak.rss / MB),
    liveAtPeakRssMb: Math.round(peak.liveAtRss / MB),
    idleAtPeakRssMb: Math.round(peak.idleAtRss / MB),
    maxIdleMb: Math.round(peak.idle / MB),
  }),
);
tf.dispose([v1, v2]);
b.dispose();
