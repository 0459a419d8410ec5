// A BYOL step through the public packages (@byolmed3d/resnet3d r3d_18 +
// @byolmed3d/byol BYOL, SGD), micro-batch 2, 2x3x16x112x112, on the onednn
// backend in fp32: what `byolmed3d pretrain` runs per micro-batch.
//   npx tsx bench/packages_step.ts after|before [steps]
// `before` hides the fused OneDnnBatchNormActTrain kernels from resnet3d's
// lookup and passes no lossWrapper (the packages as they were); `after` uses
// both (fused bn+act, releaseDuringBackprop). Prints seconds per step, the
// process's CPU seconds per step and its peak RSS: run each mode in its own
// process, alternating, for a same-run A/B.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers every gradient (tfjs-core's Node bundle registers none)
import { createVideoResNet, FUSED_BATCH_NORM_ACT_TRAIN, FUSED_BATCH_NORM_ACT_TRAIN_GRAD } from '@byolmed3d/resnet3d';
import { BYOL } from '@byolmed3d/byol';
import { registerOneDnnBackend, releaseDuringBackprop } from '@byolmed3d/tfjs-onednn';

const mode = process.argv[2] === 'before' ? 'before' : 'after';
const steps = Number(process.argv[3] ?? 3);
const name = await registerOneDnnBackend({ threads: 2, precision: 'fp32' });
await tf.setBackend(name);
if (mode === 'before') for (const k of [FUSED_BATCH_NORM_ACT_TRAIN, FUSED_BATCH_NORM_ACT_TRAIN_GRAD]) tf.unregisterKernel(k, name);
const encoder = createVideoResNet('r3d_18');
const byol = new BYOL(encoder, { optimizer: tf.train.momentum(0.01, 0.9), totalSteps: 100, seed: 1, ...(mode === 'after' ? { lossWrapper: releaseDuringBackprop } : {}) });
const shape: [number, number, number, number, number] = [2, 16, 112, 112, 3];
const a = tf.randomNormal(shape, 0, 1, 'float32', 1), b = tf.randomNormal(shape, 0, 1, 'float32', 2);
byol.step(a, b); // warm-up (primitive creation, first allocations)
const c0 = process.cpuUsage();
const t0 = performance.now();
let loss = 0;
for (let i = 0; i < steps; i++) loss = byol.step(a, b).loss;
const wall = (performance.now() - t0) / 1000 / steps;
const cu = process.cpuUsage(c0);
const cpu = (cu.user + cu.system) / 1e6 / steps;
const rss = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ mode, steps, secPerStep: +wall.toFixed(3), cpuSecPerStep: +cpu.toFixed(3), peakRssMB: Math.round(rss), loss, tensors: tf.memory().numTensors }));
