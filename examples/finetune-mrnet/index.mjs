#!/usr/bin/env node
// Fine-tunes a ResNet3D (random init, or an encoder from a .safetensors file
// such as pretrain-on-folder's output) for ACL-tear detection on MRNet's
// sagittal plane, then reports the validation AUROC with DeLong's CI.
// @byolmed3d/video-io reads the exams (MRNetDataset, VideoLoader),
// @byolmed3d/augment3d makes the clips, @byolmed3d/grad-accum accumulates
// micro-batches for SGD with momentum and step decay, @byolmed3d/metrics scores.
//
//   node index.mjs /data/MRNet-v1.0 [--weights encoder.safetensors] [--epochs 20] [--micro-batch 4] [--accum 4]
//                  [--lr 0.01] [--arch r3d_18] [--width 1] [--norm batch] [--frames 16] [--size 112] [--workers 2] [--seed 0]
//   node index.mjs --tiny   # a tiny MRNet-layout phantom dataset (experiment's generateDemoDataset) in a temp folder
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the gradients tfjs-core's Node build lacks
import { MRNetDataset, VideoLoader, toFloat32Clip } from '@byolmed3d/video-io';
import { Compose, RandRotate, evalTransform } from '@byolmed3d/augment3d';
import { fnv1a32 } from '@byolmed3d/util';
import { Checklist, startScript } from '@byolmed3d/util/node';
import { createVideoResNet, readSafetensors, writeSafetensors } from '@byolmed3d/resnet3d';
import { GradientAccumulator, attachSchedule, getLearningRate, stepDecay } from '@byolmed3d/grad-accum';
import { delong, rocAuc, sigmoid, thresholdMetrics } from '@byolmed3d/metrics';
import { generateDemoDataset } from '@byolmed3d/experiment';

const { values: cfg, positionals } = startScript({
  positional: 'MRNET_ROOT',
  flags: {
    weights: null, out: null, epochs: 20, microBatch: 4, accum: 4, lr: 0.01,
    arch: /** @type {import('@byolmed3d/resnet3d').VideoResNetArch} */ ('r3d_18'), width: 1,
    norm: /** @type {'batch' | 'group'} */ ('batch'), frames: 16, size: 112, workers: 2, seed: 0,
  },
  tiny: { epochs: 2, microBatch: 2, accum: 2, width: 0.0625, frames: 8, size: 32, workers: 0 },
});
const { check, finish } = new Checklist();

tf.env().set('PROD', true); // no "install tfjs-node" banner; see README for faster backends
await tf.setBackend('cpu');

const tiny = cfg.tiny;
const tmp = tiny ? mkdtempSync(join(tmpdir(), 'byolmed3d-finetune-')) : undefined;
let root;
let weightsPath = cfg.weights ? resolve(cfg.weights) : undefined;
if (tiny) {
  root = join(/** @type {string} */ (tmp), 'MRNet-v1.0');
  const demo = generateDemoDataset({ out: root, trainExams: 16, validExams: 10, size: 32, slices: [10, 14], seed: cfg.seed });
  console.log(`tiny: wrote a phantom MRNet-v1.0 layout (${demo.splits.train.length} train, ${demo.splits.valid.length} valid exams, 32x32 slices) to ${root}`);
  // Stand-in for a pretrained encoder: a seeded encoder saved as safetensors (no fc), loaded below.
  const stand = createVideoResNet(cfg.arch, { numClasses: 0, widthMultiplier: cfg.width, norm: cfg.norm, seed: 1234 });
  weightsPath = join(/** @type {string} */ (tmp), 'encoder.safetensors');
  await writeSafetensors(weightsPath, stand.stateDict());
  stand.dispose();
} else root = resolve(/** @type {string} */ (positionals[0]));

// 1. MRNet exams: sagittal plane, ACL labels (train-acl.csv / valid-acl.csv).
const train = new MRNetDataset(root, { split: 'train', planes: ['sagittal'], task: 'acl' });
const valid = new MRNetDataset(root, { split: 'valid', planes: ['sagittal'], task: 'acl' });
const trainPos = train.labels.filter((l) => l === 1).length;
const validLabels = valid.labels.map((l) => /** @type {number} */ (l));
console.log(`MRNet ${root}: train ${train.length} exams (${trainPos} ACL tears), valid ${valid.length} exams (${validLabels.filter((l) => l === 1).length} ACL tears)`);

// 2. Clips: slices in [0, 1] (uint8 / 255), a random window of frames plus a small
//    in-plane rotation for training, the centred window for evaluation; grey -> RGB, z-score.
const trainT = new Compose([evalTransform({ frames: cfg.frames, size: cfg.size, temporalMode: 'contiguous' }), new RandRotate({ degrees: [-10, 10], prob: 0.5 })], { seed: cfg.seed });
const evalT = evalTransform({ frames: cfg.frames, size: cfg.size });
let epoch = 0;
// The loader reads items concurrently, so the augmentation is seeded per (epoch, exam), not by call order: runs repeat exactly.
const trainLoader = new VideoLoader(train, {
  batchSize: cfg.microBatch,
  seed: cfg.seed,
  dropLast: true,
  workers: cfg.workers,
  transform: (s) => trainT.setSeed(fnv1a32(`${cfg.seed}:${epoch}:${s.index}`)).call(toFloat32Clip(s.video, { normalize: 'uint8' })),
});
const validLoader = new VideoLoader(valid, { batchSize: cfg.microBatch, shuffle: false, workers: cfg.workers, transform: (s) => evalT.call(toFloat32Clip(s.video, { normalize: 'uint8' })) });

// 3. The model: encoder + a 1-logit fc; encoder weights from the .safetensors when given.
const model = createVideoResNet(cfg.arch, { numClasses: 1, widthMultiplier: cfg.width, norm: cfg.norm, seed: cfg.seed });
/** @type {import('@byolmed3d/resnet3d').LoadStateDictResult | undefined} */
let loaded;
if (weightsPath) {
  // A classifier head from another task (e.g. Kinetics-400's 400-way fc) is dropped: this task gets a fresh 1-logit fc.
  const entries = await readSafetensors(weightsPath);
  const dropped = Object.keys(entries).filter((k) => k.startsWith('fc.'));
  for (const k of dropped) delete entries[k];
  if (dropped.length) console.log(`dropped the checkpoint's own head: ${dropped.join(', ')}`);
  loaded = model.loadStateDict(entries, { strict: false });
  const missingEncoder = loaded.missingKeys.filter((k) => !k.startsWith('fc.'));
  console.log(`weights ${weightsPath}: missing ${loaded.missingKeys.join(', ') || 'none'}; unexpected ${loaded.unexpectedKeys.length}`);
  if (missingEncoder.length) throw new Error(`${weightsPath} lacks encoder parameters (${missingEncoder.slice(0, 3).join(', ')}, ...): wrong --arch/--width/--norm?`);
} else console.log('weights: none (training from a random initialisation)');
const fromFile = weightsPath ? model.stateDict() : undefined;

// 4. SGD with momentum 0.9, lr x0.1 at 60 % and 80 % of the optimizer steps, over accumulated micro-batches.
const stepsPerEpoch = trainLoader.batchesPerEpoch / cfg.accum;
const totalSteps = Math.ceil(cfg.epochs * stepsPerEpoch);
const schedule = stepDecay({ base: cfg.lr, fractions: [0.6, 0.8], totalSteps });
const sgd = tf.train.momentum(cfg.lr, 0.9);
attachSchedule(sgd, schedule);
const accumulator = new GradientAccumulator(sgd, { steps: cfg.accum });
// ACL tears are rare (about 23 % in MRNet): weight positive cases by negatives / positives.
const posWeight = (train.length - trainPos) / Math.max(1, trainPos);
console.log(`model: ${cfg.arch} width x${cfg.width}, ${model.parameterCount.toLocaleString('en')} parameters; clips ${cfg.frames}x${cfg.size}x${cfg.size}x3; effective batch ${cfg.microBatch * cfg.accum}; ${totalSteps} SGD steps; positive weight ${posWeight.toFixed(2)}`);

/**
 * Weighted binary cross-entropy on logits, mean over the batch.
 * @param {tf.Tensor} logits `[N, 1]`
 * @param {tf.Tensor} y `[N, 1]` 0/1
 * @returns {tf.Scalar}
 */
function bceLoss(logits, y) {
  const w = tf.add(1, tf.mul(posWeight - 1, y));
  return /** @type {tf.Scalar} */ (tf.mean(tf.mul(w, tf.sub(tf.softplus(logits), tf.mul(y, logits)))));
}

/**
 * Validation probabilities in dataset order.
 * @returns {Promise<Float64Array>}
 */
async function predictValid() {
  const probs = new Float64Array(valid.length);
  for await (const b of validLoader.batches(0)) {
    const logits = tf.tidy(() => /** @type {tf.Tensor} */ (model.apply(tf.tensor5d(/** @type {Float32Array} */ (b.data), /** @type {any} */ (b.shape)), { training: false }).logits));
    const p = sigmoid(await logits.data());
    logits.dispose();
    b.indices.forEach((idx, r) => (probs[idx] = /** @type {number} */ (p[r])));
  }
  return probs;
}

/** @type {number[]} */
const losses = [];
/** @type {number[]} */
const lrs = [];
/** @type {number[]} */
const tensorCounts = [];
const t0 = performance.now();
for (epoch = 0; epoch < cfg.epochs; epoch++) {
  let sum = 0;
  let n = 0;
  const te = performance.now();
  for await (const b of trainLoader.batches(epoch)) {
    const x = tf.tensor5d(/** @type {Float32Array} */ (b.data), /** @type {any} */ (b.shape));
    const y = tf.tensor2d(b.labels, [b.labels.length, 1]);
    const { value, grads } = tf.variableGrads(() => bceLoss(/** @type {tf.Tensor} */ (model.apply(/** @type {tf.Tensor5D} */ (x), { training: true }).logits), y), model.trainableVariables);
    const r = accumulator.accumulate(grads);
    const loss = (await value.data())[0] ?? NaN;
    tf.dispose([x, y, value, ...Object.values(grads)]);
    if (r.stepped) lrs.push(getLearningRate(sgd));
    losses.push(loss);
    tensorCounts.push(tf.memory().numTensors);
    sum += loss;
    n++;
  }
  const s = (performance.now() - te) / 1000;
  console.log(`epoch ${epoch + 1}/${cfg.epochs}  loss ${(sum / n).toFixed(4)}  step ${accumulator.step}  lr ${getLearningRate(sgd).toExponential(2)}  ${((n * cfg.microBatch) / s).toFixed(2)} clips/s`);
}
if (accumulator.apply().stepped) lrs.push(getLearningRate(sgd)); // a last partial window
console.log(`trained ${accumulator.step} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// 5. Validation AUROC with DeLong's 95 % CI, and the confusion at probability 0.5.
const probs = await predictValid();
const d = delong(validLabels, probs);
const m = thresholdMetrics(validLabels, probs, { threshold: 0.5 });
console.log(`\nvalid ACL (sagittal): AUROC ${d.auc.toFixed(3)}  95% CI [${d.ci[0].toFixed(3)}, ${d.ci[1].toFixed(3)}]  (p = ${d.pValue.toPrecision(2)} vs 0.5)`);
console.log(`at 0.5: sensitivity ${m.sensitivity.toFixed(3)}  specificity ${m.specificity.toFixed(3)}  accuracy ${m.accuracy.toFixed(3)}  (tp ${m.tp}, fp ${m.fp}, tn ${m.tn}, fn ${m.fn})`);
if (cfg.out) {
  await writeSafetensors(resolve(cfg.out), model.stateDict(), { metadata: { arch: cfg.arch, task: 'mrnet-acl-sagittal', auc: d.auc.toFixed(4) } });
  console.log(`saved the fine-tuned model to ${resolve(cfg.out)}`);
}

if (tiny) {
  console.log('\nchecks:');
  check(train.length === 16 && valid.length === 10 && trainPos > 0 && validLabels.includes(1) && validLabels.includes(0), 'MRNetDataset lists 16 train / 10 valid exams, both classes present');
  const l = /** @type {import('@byolmed3d/resnet3d').LoadStateDictResult} */ (loaded);
  check(l.unexpectedKeys.length === 0 && l.missingKeys.join() === 'fc.weight,fc.bias', 'the encoder .safetensors loads everything except the new fc layer');
  const expectedSteps = Math.ceil((cfg.epochs * trainLoader.batchesPerEpoch) / cfg.accum);
  check(accumulator.step === expectedSteps && totalSteps === expectedSteps, `${accumulator.step} SGD steps for ${losses.length} micro-batches with accumulation ${cfg.accum}`);
  check(lrs.length === totalSteps && lrs.every((v, k) => v === schedule(k)) && Math.abs((lrs.at(-1) ?? 0) - cfg.lr * 0.01) < 1e-12, `step decay applied (${lrs.map((v) => v.toExponential(0)).join(', ')})`);
  check(losses.every(Number.isFinite), `training losses are finite (${losses.map((v) => v.toFixed(3)).join(', ')})`);
  const now = model.stateDict();
  const moved = Object.keys(now).filter((k) => !k.endsWith('num_batches_tracked') && /** @type {any} */ (now[k]).data.some((/** @type {number} */ v, /** @type {number} */ i) => v !== /** @type {any} */ (fromFile)[k].data[i]));
  check(moved.length > Object.keys(now).length / 2, `fine-tuning changed ${moved.length} tensors (weights and running statistics)`);
  check(probs.every((p) => p > 0 && p < 1), 'validation outputs are probabilities in (0, 1)');
  check(Math.abs(d.auc - rocAuc(validLabels, probs)) < 1e-12 && d.ci[0] <= d.auc && d.auc <= d.ci[1], `AUROC ${d.auc.toFixed(3)} (DeLong = rocAuc) inside its CI`);
  const again = await predictValid();
  check(again.every((p, i) => p === probs[i]), 'evaluation is deterministic (centred frames, running statistics)');
  const steady = tensorCounts.slice(2);
  check(steady.every((c) => c === steady[0]), `no tensor leak across micro-batches (${tensorCounts.join(', ')})`);
}

await trainLoader.close();
await validLoader.close();
accumulator.dispose();
model.dispose();
if (tiny) {
  check(tf.memory().numTensors === 0, `no tensors left after dispose (${tf.memory().numTensors})`);
  finish('finetune-mrnet', {
    keep: tmp,
    cleanup: () => rmSync(/** @type {string} */ (tmp), { recursive: true, force: true }),
    note: '(the tiny run checks the mechanics, not accuracy: 8 steps on 16 phantom exams)',
  });
}
