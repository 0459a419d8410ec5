// Per-kernel profile of one r3d_18 forward+backward (training batch norm) on
// the onednn backend: every kernel of the backend is wrapped in a timer
// (wall and process CPU time), after warm-up steps, in each precision.
// `npx tsx bench/profile.ts` (env: BENCH_SHAPE default 2,16,112,112,
// BENCH_THREADS default 2, BENCH_PRECISIONS default fp32,bf16,
// BENCH_BN_ACT=separate for the ReLU / add as separate ops, BENCH_EARLY_RELEASE=0
// for plain tf.variableGrads, PROFILE_STEPS
// default 2 (averaged), PROFILE_BY_SHAPE=1 to split conv kernels by shape).
// Compare with PyTorch's: /usr/bin/python3 bench/torch_profile.py.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { registerOneDnnBackend, releaseDuringBackprop, setOneDnnPrecision } from '@byolmed3d/tfjs-onednn';
import { R3d18, fusedBn, fusedBnPlain, separateAct, type BatchNormFn } from './r3d18.js';
import { wrapKernels } from './kernel_hooks.js';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const [N, T, H, W] = (process.env.BENCH_SHAPE ?? '2,16,112,112').split(',').map(Number) as [number, number, number, number];
const precisions = (process.env.BENCH_PRECISIONS ?? 'fp32,bf16').split(',') as ('fp32' | 'bf16')[];
const steps = Number(process.env.PROFILE_STEPS ?? 2);
const byShape = process.env.PROFILE_BY_SHAPE === '1';

interface Acc {
  calls: number;
  wall: number;
  cpu: number;
}
const acc = new Map<string, Acc>();
let on = false;

const name = await registerOneDnnBackend({ threads, precision: 'fp32' });
await tf.setBackend(name);
wrapKernels(name, (kernelName, inner): KernelFunc => (args) => {
  if (!on) return inner(args);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = inner(args);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const shapes = byShape ? ' ' + Object.values(args.inputs).map((t) => (t as TensorInfo | undefined)?.shape.join('x') ?? '-').join(',') : '';
  const key = kernelName + shapes;
  const a = acc.get(key) ?? { calls: 0, wall: 0, cpu: 0 };
  a.calls++;
  a.wall += wall;
  a.cpu += (c.user + c.system) / 1000;
  acc.set(key, a);
  return out;
});

const bn: BatchNormFn = process.env.BENCH_BN_ACT === 'separate' ? separateAct(fusedBnPlain) : fusedBn;
const model = new R3d18(1, 'r3d', bn);
const x = tf.randomNormal([N, T, H, W, 3], 0, 1, 'float32', 7) as tf.Tensor5D;
const step = (): void => {
  const loss = (): tf.Scalar => tf.sum(model.apply(x)) as tf.Scalar;
  const { value, grads } = tf.variableGrads(process.env.BENCH_EARLY_RELEASE === '0' ? loss : releaseDuringBackprop(loss), model.trainableVariables);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};
console.log(`r3d_18 fwd+bwd ${N}x${T}x${H}x${W}, ${threads} threads, bn ${process.env.BENCH_BN_ACT ?? 'fused'}; load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
for (const p of precisions) {
  setOneDnnPrecision(p);
  step();
  step();
  acc.clear();
  on = true;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const wall = (performance.now() - t0) / steps;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1000 / steps;
  on = false;
  const rows = [...acc].sort((a, b) => b[1].cpu - a[1].cpu);
  const kWall = rows.reduce((s, [, a]) => s + a.wall, 0) / steps, kCpu = rows.reduce((s, [, a]) => s + a.cpu, 0) / steps;
  console.log(`\n${p}: step ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU; in kernels ${kWall.toFixed(0)} ms wall, ${kCpu.toFixed(0)} ms CPU; load ${loadavg()[0]?.toFixed(1)}`);
  console.log('| kernel | calls/step | wall ms/step | CPU ms/step | % of kernel CPU |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [k, a] of rows) {
    if (a.cpu / steps < 0.5 && !byShape) continue;
    console.log(`| ${k} | ${(a.calls / steps).toFixed(0)} | ${(a.wall / steps).toFixed(1)} | ${(a.cpu / steps).toFixed(1)} | ${((100 * a.cpu) / steps / kCpu).toFixed(1)} |`);
  }
}
setOneDnnPrecision('fp32');
tf.dispose(x);
model.dispose();
