import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from '@byolmed3d/grad-accum';
import { rocAuc } from '@byolmed3d/metrics';
import type { VideoResNet } from '@byolmed3d/resnet3d';
import { Random } from '@byolmed3d/util';
import type { ExperimentConfig } from '../../config/schema.js';
import type { RunLogger } from '../../run/logger.js';
import { stackClips, trainTransform, type Clip, type ExamRef } from '../data.js';
import { TrainingError } from '../errors.js';
import { examLoader, perClip, type ExamClips } from './clips.js';
import type { MethodResult } from './results.js';

/** AUC, or NaN when it is undefined (one class only). */
export function safeAuc(labels: number[], scores: number[]): number {
  try {
    return rocAuc(labels, scores);
  } catch {
    return NaN;
  }
}

/** Class weights of the balanced loss: `n / (2 n_pos)` and `n / (2 n_neg)` (1 and 1 when not balanced). */
export function classWeights(labels: readonly number[], balanced: boolean): { pos: number; neg: number } {
  if (!balanced) return { pos: 1, neg: 1 };
  const nPos = labels.filter((y) => y === 1).length;
  const nNeg = labels.length - nPos;
  return { pos: labels.length / (2 * Math.max(1, nPos)), neg: labels.length / (2 * Math.max(1, nNeg)) };
}

/** Numerically stable weighted binary cross-entropy with logits (mean over the batch). */
export function weightedBceWithLogits(logits: tf.Tensor, y: tf.Tensor, w: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const l = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.mean(tf.mul(l, w)) as tf.Scalar;
  });
}

/** Mean of each exam's per-clip values (rows of `per` consecutive clips). */
export function examMeans(values: readonly number[], per: number): number[] {
  const n = Math.floor(values.length / per);
  return Array.from({ length: n }, (_, e) => values.slice(e * per, (e + 1) * per).reduce((a, b) => a + b, 0) / per);
}

let headCounter = 0;

/**
 * Fine-tunes `encoder` plus a linear head (AdamW, class-balanced BCE, the
 * best epoch on validation AUC kept) on `trainExams`, read through video-io
 * with augment3d's training transform; returns test and validation scores.
 * A non-finite loss stops it with a {@link TrainingError}.
 */
export async function finetune(cfg: ExperimentConfig, encoder: VideoResNet, trainExams: ExamRef[], val: ExamClips, test: ExamClips, log: RunLogger, phase: string): Promise<Pick<MethodResult, 'scores' | 'val' | 'losses' | 'valAuc'>> {
  const f = cfg.finetune;
  const dim = encoder.featureDim;
  const seeds = new Random(cfg.seed);
  const hrng = seeds.fork('head');
  const bound = 1 / Math.sqrt(dim);
  const headName = `finetune_head_${++headCounter}`;
  const hw = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: dim }, () => hrng.uniform(-bound, bound)), [dim, 1]), true, `${headName}/weight`));
  const hb = tf.tidy(() => tf.variable(tf.zeros([1]), true, `${headName}/bias`));
  const encVars = f.encoderLrScale > 0 ? encoder.trainableVariables : [];
  const headOpt = new AdamW({ learningRate: f.lr, weightDecay: f.weightDecay });
  const encOpt = f.encoderLrScale > 0 ? new AdamW({ learningRate: f.lr * f.encoderLrScale, weightDecay: f.weightDecay }) : null;
  const w = classWeights(trainExams.map((e) => e.label), f.balanced);
  const predict = async (set: ExamClips): Promise<number[]> => {
    const probs = await perClip(encoder, set, f.batch, phase, (feat) => tf.sigmoid(tf.add(tf.matMul(feat, hw), hb)) as tf.Tensor2D);
    return examMeans(probs.map((r) => r[0] as number), set.clips[0]?.length ?? 1);
  };
  const all = (): tf.Variable[] => [...encoder.trainableVariables, ...encoder.nonTrainableVariables, hw, hb];
  const losses: number[] = [];
  const valAuc: number[] = [];
  let best = -Infinity;
  let bestSnap: tf.Tensor[] | null = null;
  const loader = examLoader(cfg, trainExams, log, { batchSize: f.batch, shuffle: true, seed: seeds.fork('finetune-order').uint32() });
  const aug = trainTransform(cfg);
  const total = f.epochs * loader.batchesPerEpoch;
  let step = 0;
  try {
    for (let epoch = 0; epoch < f.epochs; epoch++) {
      let sum = 0, n = 0;
      for await (const b of loader.batches(epoch)) {
        step++;
        if (b.clips.length < 2) continue;
        const clips = b.clips.map((c, k) => aug.setSeed(seeds.fork(`finetune/${epoch}/${b.indices[k]}`).uint32()).call(c as Clip));
        const ys = Array.from(b.labels);
        const x = stackClips(clips);
        const y = tf.tensor2d(ys, [ys.length, 1]);
        const wt = tf.tensor2d(ys.map((t) => (t === 1 ? w.pos : w.neg)), [ys.length, 1]);
        const { value, grads } = tf.variableGrads(() => weightedBceWithLogits(tf.add(tf.matMul(encoder.apply(x, { training: true }).features, hw), hb), y, wt), [...encVars, hw, hb]);
        headOpt.applyGradients({ [hw.name]: grads[hw.name] as tf.Tensor, [hb.name]: grads[hb.name] as tf.Tensor });
        if (encOpt) encOpt.applyGradients(Object.fromEntries(encVars.filter((v) => grads[v.name]).map((v) => [v.name, grads[v.name] as tf.Tensor])));
        const lv = (await value.data())[0] as number;
        tf.dispose([x, y, wt, value, ...Object.values(grads)]);
        if (!Number.isFinite(lv)) throw new TrainingError(phase, `loss became ${lv} at epoch ${epoch} (exams ${b.ids.join(', ')}); lower finetune.lr?`);
        sum += lv;
        n++;
        log.progress({ phase, step, total, loss: lv, epoch }, clips.length);
      }
      losses.push(n > 0 ? sum / n : NaN);
      const va = safeAuc(val.exams.map((e) => e.label), await predict(val));
      valAuc.push(va);
      log.log('epoch', { phase, epoch, loss: losses.at(-1), valAuc: va });
      if (!(va <= best)) {
        best = Number.isNaN(va) ? best : va;
        if (bestSnap) tf.dispose(bestSnap);
        bestSnap = all().map((v) => tf.clone(v));
      }
    }
    if (bestSnap) all().forEach((v, i) => v.assign((bestSnap as tf.Tensor[])[i] as tf.Tensor));
    return { scores: await predict(test), val: { labels: val.exams.map((e) => e.label), scores: await predict(val) }, losses, valAuc };
  } finally {
    if (bestSnap) tf.dispose(bestSnap);
    await loader.close();
    headOpt.dispose();
    encOpt?.dispose();
    hw.dispose();
    hb.dispose();
  }
}
