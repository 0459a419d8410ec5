#!/usr/bin/env node
// BYOL pretraining of a ResNet3D on a folder of medical videos or volumes:
// @byolmed3d/video-io streams the files, @byolmed3d/augment3d's
// byolMed3dViews makes the two views, @byolmed3d/byol runs the objective,
// @byolmed3d/grad-accum turns micro-batches into one large-batch LARS step
// (warmup + cosine learning rate), and the encoder is saved as safetensors.
//
//   node index.mjs DATA_FOLDER [--out encoder.safetensors] [--epochs 100] [--micro-batch 4] [--accum 16]
//                  [--arch r3d_18] [--width 1] [--norm batch] [--frames 16] [--size 112]
//                  [--base-lr 0.2] [--warmup-epochs 10] [--tau 0.99] [--workers 2] [--seed 0]
//   node index.mjs --tiny   # the repo's testdata/ (DICOM, NIfTI, .npz) for a few steps
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the gradients tfjs-core's Node build lacks
import { FolderDataset, VideoLoader, toFloat32Clip } from '@byolmed3d/video-io';
import { byolMed3dViews } from '@byolmed3d/augment3d';
import { createVideoResNet, readSafetensors, writeSafetensors } from '@byolmed3d/resnet3d';
import { BYOL } from '@byolmed3d/byol';
import { Checklist, startScript } from '@byolmed3d/util/node';
import { GradientAccumulator, LARS, attachSchedule, getLearningRate, scaledLearningRate, warmupCosine } from '@byolmed3d/grad-accum';

const { values: cfg, positionals } = startScript({
  positional: 'DATA_FOLDER',
  flags: {
    out: null, epochs: 100, microBatch: 4, accum: 16,
    arch: /** @type {import('@byolmed3d/resnet3d').VideoResNetArch} */ ('r3d_18'), width: 1,
    norm: /** @type {'batch' | 'group'} */ ('batch'), frames: 16, size: 112,
    baseLr: 0.2, warmupEpochs: 10, tau: 0.99, hiddenDim: 2048, projDim: 128, workers: 2, seed: 0,
  },
  tiny: { epochs: 2, microBatch: 2, accum: 2, width: 0.0625, frames: 8, size: 32, warmupEpochs: 1, hiddenDim: 64, projDim: 32, workers: 0 },
});
const { check, finish } = new Checklist();

tf.env().set('PROD', true); // no "install tfjs-node" banner; see README for faster backends
await tf.setBackend('cpu');

const tiny = cfg.tiny;
const here = fileURLToPath(new URL('.', import.meta.url));
const data = tiny ? resolve(here, '../../testdata') : resolve(/** @type {string} */ (positionals[0]));
const tmp = tiny ? mkdtempSync(join(tmpdir(), 'byolmed3d-pretrain-')) : undefined;
const outPath = cfg.out ? resolve(cfg.out) : tmp ? join(tmp, 'encoder.safetensors') : resolve('encoder.safetensors');
if (!existsSync(data)) throw new Error(`${data}: no such folder`);

// 1. Every video or volume under the folder (recursively, any readVideo format), unlabelled.
const dataset = new FolderDataset(data);
if (dataset.length < cfg.microBatch) throw new Error(`${data}: ${dataset.length} items, fewer than one micro-batch of ${cfg.microBatch}`);
const loader = new VideoLoader(dataset, {
  batchSize: cfg.microBatch,
  dropLast: true, // batch norm wants full micro-batches
  seed: cfg.seed,
  workers: cfg.workers,
  collate: 'list', // volumes differ in shape until the views crop them
  skipBadItems: true,
  // Intensities to [0, 1], one channel (the views repeat it to RGB).
  transform: (s) => toGrey(toFloat32Clip(s.video, { normalize: 'minmax' })),
});
console.log(`data: ${data}: ${dataset.length} items, ${loader.batchesPerEpoch} micro-batches of ${cfg.microBatch} per epoch`);

// 2. Two views per clip (the BYOLMed3D preset, scaled to the chosen clip size).
const views = byolMed3dViews({ size: cfg.size, frames: cfg.frames, seed: cfg.seed, ...(cfg.size !== 224 ? { blur: { kernelSize: /** @type {const} */ ('auto') } } : {}) });

// 3. Encoder, LARS with warmup + cosine over OPTIMIZER steps, accumulation, BYOL.
const effectiveBatch = cfg.microBatch * cfg.accum;
const stepsPerEpoch = loader.batchesPerEpoch / cfg.accum; // windows may straddle epochs
const totalSteps = Math.ceil(cfg.epochs * stepsPerEpoch);
const peakLr = scaledLearningRate(cfg.baseLr, effectiveBatch);
const schedule = warmupCosine({ base: peakLr, totalSteps, warmupSteps: Math.min(totalSteps, Math.round(cfg.warmupEpochs * stepsPerEpoch)) });
const lars = new LARS({ learningRate: peakLr });
attachSchedule(lars, schedule);
const accumulator = new GradientAccumulator(lars, { steps: cfg.accum });
const encoder = createVideoResNet(cfg.arch, { numClasses: 0, widthMultiplier: cfg.width, norm: cfg.norm, seed: cfg.seed });
const head = { hiddenDim: cfg.hiddenDim, outputDim: cfg.projDim };
const byol = new BYOL(encoder, { optimizer: accumulator, projector: head, predictor: head, tauBase: cfg.tau, totalSteps, seed: cfg.seed });
console.log(
  `model: ${cfg.arch} width x${cfg.width} (${encoder.parameterCount.toLocaleString('en')} parameters, ${encoder.featureDim}-d), heads ${cfg.hiddenDim}/${cfg.projDim}; ` +
    `clips ${cfg.frames}x${cfg.size}x${cfg.size}x3; effective batch ${effectiveBatch} = ${cfg.microBatch} x ${cfg.accum}; ` +
    `${totalSteps} optimizer steps, LARS peak lr ${peakLr.toPrecision(3)}, tau ${cfg.tau} -> 1`,
);

const initial = encoder.stateDict();
/** @type {{ step: number, loss: number, lr: number }[]} */
const log = [];
/** @type {number[]} */
const losses = [];
/** @type {number[]} */
const tensorCounts = [];
let clipsSinceLog = 0;
let tLog = performance.now();
let micro = 0;

/**
 * One progress line per optimizer step.
 * @param {{ step: number, tau: number | null }} s
 * @param {number} loss
 */
function progress(s, loss) {
  const now = performance.now();
  const lr = /** @type {number} */ (schedule(s.step - 1));
  log.push({ step: s.step, loss, lr });
  console.log(
    `step ${String(s.step).padStart(String(totalSteps).length)}/${totalSteps}  loss ${loss.toFixed(4)}  lr ${lr.toExponential(3)}  tau ${s.tau?.toFixed(5)}  ` +
      `${(clipsSinceLog / ((now - tLog) / 1000)).toFixed(2)} clips/s`,
  );
  clipsSinceLog = 0;
  tLog = now;
}

const t0 = performance.now();
let windowLoss = 0;
let windowN = 0;
for (let epoch = 0; epoch < cfg.epochs && accumulator.step < totalSteps; epoch++) {
  for await (const batch of loader.batches(epoch)) {
    const pairs = batch.clips.map((c) => views.sample(c));
    const [a, b] = tf.tidy(() => [0, 1].map((v) => tf.stack(pairs.map((p) => tf.tensor4d(/** @type {any} */ (p[v]).data, /** @type {any} */ (p[v]).shape)))));
    const s = byol.step(/** @type {tf.Tensor5D} */ (a), /** @type {tf.Tensor5D} */ (b));
    tf.dispose([a, b]);
    micro++;
    losses.push(s.loss);
    windowLoss += s.loss;
    windowN++;
    clipsSinceLog += batch.clips.length;
    tensorCounts.push(tf.memory().numTensors);
    if (s.stepped) {
      progress(s, windowLoss / windowN);
      windowLoss = 0;
      windowN = 0;
    }
    if (accumulator.step >= totalSteps) break;
  }
}
// A last partial window: flush() steps the optimizer AND the target (never accumulator.apply() alone).
const f = byol.flush();
if (f.stepped) progress(f, windowLoss / windowN);
const seconds = (performance.now() - t0) / 1000;
console.log(`done: ${accumulator.step} optimizer steps, ${micro} micro-batches, ${(micro * cfg.microBatch / seconds).toFixed(2)} clips/s overall, ${seconds.toFixed(1)} s`);
if (loader.skipped.length) console.log(`skipped ${loader.skipped.length} unreadable item(s): ${loader.skipped.map((s) => s.id).join(', ')}`);
await loader.close();

// 4. Save the online encoder (torchvision names, PyTorch layout) for fine-tuning or embedding.
const final = encoder.stateDict();
await writeSafetensors(outPath, final, {
  metadata: { arch: cfg.arch, widthMultiplier: String(cfg.width), norm: cfg.norm, method: 'byol', steps: String(accumulator.step) },
});
console.log(`saved the encoder to ${outPath}`);

if (tiny) {
  console.log('\nchecks:');
  const expectedSteps = Math.ceil((cfg.epochs * loader.batchesPerEpoch) / cfg.accum);
  check(accumulator.step === totalSteps && totalSteps === expectedSteps, `${accumulator.step} optimizer steps for ${micro} micro-batches with accumulation ${cfg.accum}`);
  check(losses.every((l) => Number.isFinite(l) && l >= 0 && l <= 8), `every BYOL loss is finite and in [0, 8] (${losses.map((l) => l.toFixed(3)).join(', ')})`);
  check(getLearningRate(lars) === schedule(accumulator.step - 1) && log.every((r, i) => r.lr === schedule(i)), 'LARS used warmupCosine(k) at optimizer step k');
  check(log.length > 1 && (log[0]?.lr ?? 0) < peakLr + 1e-12 && (log.at(-1)?.lr ?? 1) < peakLr, 'learning rate warmed up then decayed below the peak');
  let changed = 0;
  for (const k of Object.keys(final)) {
    const x = /** @type {any} */ (final[k]).data;
    const y = /** @type {any} */ (initial[k]).data;
    if (x.some((/** @type {any} */ v, /** @type {number} */ i) => v !== y[i])) changed++;
  }
  check(changed > Object.keys(final).length / 2, `training changed ${changed}/${Object.keys(final).length} encoder tensors`);
  const steady = tensorCounts.slice(1);
  check(steady.every((n) => n === steady[0]), `no tensor leak across steps (${tensorCounts.join(', ')} live tensors)`);
  const fresh = createVideoResNet(cfg.arch, { numClasses: 0, widthMultiplier: cfg.width, norm: cfg.norm, seed: cfg.seed + 7 });
  const r = fresh.loadStateDict(await readSafetensors(outPath), { strict: true });
  const reloaded = fresh.stateDict();
  const exact = Object.keys(final).every((k) => {
    const x = /** @type {any} */ (final[k]).data;
    const y = /** @type {any} */ (reloaded[k]).data;
    return x.length === y.length && x.every((/** @type {any} */ v, /** @type {number} */ i) => v === y[i]);
  });
  check(r.missingKeys.length === 0 && exact, 'the saved .safetensors loads strictly into a fresh encoder, bit-exact');
  fresh.dispose();
}

byol.dispose();
accumulator.dispose();
encoder.dispose();
if (tiny) {
  check(tf.memory().numTensors === 0, `no tensors left after dispose (${tf.memory().numTensors})`);
  finish('pretrain-on-folder', { cleanup: () => rmSync(/** @type {string} */ (tmp), { recursive: true, force: true }) });
}

/**
 * One channel: RGB videos become their channel mean; other multi-channel
 * volumes (e.g. a 4D NIfTI read with time as channels) keep their first channel.
 * @param {{ data: Float32Array, shape: [number, number, number, number] }} clip
 * @returns {{ data: Float32Array, shape: [number, number, number, number] }}
 */
function toGrey(clip) {
  const [T, H, W, C] = clip.shape;
  if (C === 1) return clip;
  const out = new Float32Array(T * H * W);
  const d = clip.data;
  if (C === 3) for (let i = 0; i < out.length; i++) out[i] = ((d[3 * i] ?? 0) + (d[3 * i + 1] ?? 0) + (d[3 * i + 2] ?? 0)) / 3;
  else for (let i = 0; i < out.length; i++) out[i] = d[i * C] ?? 0;
  return { data: out, shape: [T, H, W, 1] };
}
