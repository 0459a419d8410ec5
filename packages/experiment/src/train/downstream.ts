import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW } from '@byolmed3d/grad-accum';
import type { VideoResNet } from '@byolmed3d/resnet3d';
import { knnClassify, linearProbe, rocAuc } from '@byolmed3d/metrics';
import type { ExperimentConfig } from '../config/schema.js';
import type { RunLogger } from '../run/logger.js';
import { Rng, deriveSeed } from '../util/rng.js';
import { ExamStore, evalClips, makeSplits, stackClips, subsamplePositives, trainClip, type Clip, type ExamRef } from './data.js';
import { buildEncoder, loadEncoder } from './models.js';
import { pretrainDir } from './pretrain.js';
import { readTorchCheckpoint, readSafetensors } from '@byolmed3d/resnet3d';

/** Downstream protocols. */
export type Protocol = 'finetune' | 'linear-probe' | 'knn';

/** Validation predictions of a method. */
export interface ValidationScores {
  /** Exam ids. */
  ids?: string[];
  /** Labels (0/1). */
  labels: number[];
  /** Probabilities. */
  scores: number[];
}

/** Test predictions of one method, as written to `results/<method>.json`. */
export interface MethodResult {
  /** Label in the report, e.g. `BYOL+accum / fine-tune`. */
  method: string;
  /** Encoder start (`byol`, `random`, ...). */
  init: string;
  /** Downstream protocol. */
  protocol: Protocol;
  /** Task. */
  task: string;
  /** Plane. */
  plane: string;
  /** Test exam ids. */
  ids: string[];
  /** Test labels (0/1). */
  labels: number[];
  /** Test probabilities. */
  scores: number[];
  /** Validation exam ids, labels and probabilities (threshold choice, plane fusion). */
  val: ValidationScores;
  /** Training loss per epoch (fine-tuning). */
  losses?: number[];
  /** Validation AUC per epoch (fine-tuning) or per L2 (probe). */
  valAuc?: number[];
}

/** Results folder of a run. */
export function resultsDir(runDir: string): string {
  return join(runDir, 'results');
}

/** File-name-safe slug of a method label. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** An encoder ready for a downstream protocol. */
export interface InitializedEncoder {
  /** The encoder. */
  encoder: VideoResNet;
  /** How it was initialised (`byol`, `random`, `weights`...). */
  init: string;
}

/** Builds the downstream encoder from `init.kind`: this (or another) run's pretraining, random, or a weights file. */
export async function initEncoder(cfg: ExperimentConfig, runDir: string, log: RunLogger): Promise<InitializedEncoder> {
  const encoder = buildEncoder(cfg, deriveSeed(cfg.seed, 'encoder'));
  const kind = cfg.init.kind;
  if (kind === 'random') return { encoder, init: 'random' };
  if (kind === 'weights') {
    const file = cfg.init.weights;
    if (!file) throw new Error('init.kind=weights needs init.weights (a .pth or .safetensors file)');
    const entries = file.endsWith('.safetensors') ? await readSafetensors(file) : await readTorchCheckpoint(file);
    const res = encoder.loadStateDict(entries as Parameters<VideoResNet['loadStateDict']>[0], { strict: false });
    log.info(`loaded ${file}: ${res.missingKeys.length} missing, ${res.unexpectedKeys.length} unexpected keys`);
    return { encoder, init: 'weights' };
  }
  const from = cfg.init.from ?? runDir;
  const path = join(pretrainDir(from), 'encoder.ckpt');
  if (!existsSync(path)) throw new Error(`${path}: no pretrained encoder (run 'byolmed3d pretrain' first, or set init.kind=random)`);
  const state = loadEncoder(path, encoder);
  return { encoder, init: String(state.method ?? 'pretrained') };
}

async function loadClips(store: ExamStore, exams: ExamRef[], cfg: ExperimentConfig, count: number): Promise<{ exams: ExamRef[]; clips: Clip[][] }> {
  const keep: ExamRef[] = [];
  const clips: Clip[][] = [];
  for (const e of exams) {
    const vol = await store.get(e);
    if (!vol) continue;
    keep.push(e);
    clips.push(evalClips(vol, cfg.data.frames, cfg.data.crop, cfg.data.channels, count));
  }
  return { exams: keep, clips };
}

/** Mean-pooled encoder features of each exam (evaluation mode, clips averaged), `[exams][featureDim]`. */
export function embedExams(encoder: VideoResNet, clips: Clip[][], batch: number): Float32Array[] {
  const flat = clips.flat();
  const per = clips[0]?.length ?? 1;
  const feats: Float32Array[] = [];
  for (let i = 0; i < flat.length; i += batch) {
    const s = stackClips(flat.slice(i, i + batch));
    const f = tf.tidy(() => encoder.apply(tf.tensor5d(s.data, s.shape), { training: false }).features);
    const d = f.dataSync() as Float32Array;
    const dim = f.shape[1];
    for (let k = 0; k < f.shape[0]; k++) feats.push(d.slice(k * dim, (k + 1) * dim));
    f.dispose();
  }
  const out: Float32Array[] = [];
  for (let e = 0; e < clips.length; e++) {
    const dim = feats[0]?.length ?? 0;
    const m = new Float32Array(dim);
    for (let c = 0; c < per; c++) {
      const f = feats[e * per + c] as Float32Array;
      for (let j = 0; j < dim; j++) m[j] = (m[j] as number) + (f[j] as number) / per;
    }
    out.push(m);
  }
  return out;
}

/** Rows of per-exam features as a metrics `FeatureMatrix`. */
function toMatrix(rows: Float32Array[]): { data: Float32Array; shape: [number, number] } {
  const d = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => data.set(r, i * d));
  return { data, shape: [rows.length, d] };
}

/** Positive-class probabilities of a binary metrics evaluation (`proba` is `[n, 2]`). */
function positiveProba(proba: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < proba.length; i += 2) out.push(proba[i] as number);
  return out;
}

function safeAuc(labels: number[], scores: number[]): number {
  try {
    return rocAuc(labels, scores);
  } catch {
    return NaN;
  }
}

/** Options of {@link runDownstream}. */
export interface DownstreamOptions {
  /** Protocol to run. */
  protocol: Protocol;
  /** Report label; default from init and protocol. */
  label?: string;
}

/**
 * Runs one downstream protocol on the configured task and plane: fine-tuning
 * (encoder + linear head, AdamW, class-balanced BCE, best epoch on validation
 * AUC), linear probe (frozen features, metrics' `linearProbe`, C chosen on
 * validation AUC) or kNN (metrics' cosine `knnClassify`) — and writes the test predictions
 * (several clips per exam averaged) to `results/<method>.json`.
 */
export async function runDownstream(cfg: ExperimentConfig, runDir: string, log: RunLogger, opts: DownstreamOptions): Promise<MethodResult> {
  const root = cfg.data.root;
  if (!root) throw new Error(`${opts.protocol}: data.root is not set (--data DIR)`);
  const splits = makeSplits(root, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const trainExams = subsamplePositives(splits.train, cfg.data.positiveFraction, cfg.seed);
  const store = new ExamStore(root, cfg.data.plane, cfg.data.resize, cfg.data.cacheMB, cfg.strict, (m) => log.warn(m));
  const { encoder, init } = await initEncoder(cfg, runDir, log);
  const label = opts.label ?? cfg.init.label ?? `${init} / ${opts.protocol}`;
  const phase = `${opts.protocol}:${init}`;
  const test = await loadClips(store, splits.test, cfg, cfg.data.testClips);
  const val = await loadClips(store, splits.val, cfg, cfg.data.testClips);
  const batch = cfg.finetune.batch;
  let result: MethodResult;
  const base = { method: label, init, protocol: opts.protocol, task: cfg.data.task, plane: cfg.data.plane, ids: test.exams.map((e) => e.id), labels: test.exams.map((e) => e.label) };
  if (opts.protocol === 'finetune') {
    result = { ...base, ...(await finetune(cfg, encoder, store, trainExams, val, test, log, phase)) };
  } else {
    const tr = await loadClips(store, trainExams, cfg, cfg.data.testClips);
    const fTr = embedExams(encoder, tr.clips, batch);
    const fVal = embedExams(encoder, val.clips, batch);
    const fTe = embedExams(encoder, test.clips, batch);
    const yTr = tr.exams.map((e) => e.label), yVal = val.exams.map((e) => e.label);
    const train = { ...toMatrix(fTr), labels: yTr };
    const mVal = toMatrix(fVal), mTe = toMatrix(fTe);
    if (opts.protocol === 'knn') {
      const k = { k: cfg.probe.k, numClasses: 2 };
      result = { ...base, scores: positiveProba(knnClassify(train, mTe, k).proba), val: { labels: yVal, scores: positiveProba(knnClassify(train, mVal, k).proba) } };
    } else {
      // Inverse L2 strength C chosen on validation AUC (metrics' linearProbe standardises features).
      const aucs: number[] = [];
      let best = -Infinity, bestC = cfg.probe.C[0] as number;
      for (const C of cfg.probe.C) {
        const a = safeAuc(yVal, positiveProba(linearProbe(train, mVal, { C, numClasses: 2 }).proba));
        aucs.push(a);
        if (a > best) [best, bestC] = [a, C];
      }
      log.log('probe', { C: bestC, valAuc: best });
      result = {
        ...base,
        scores: positiveProba(linearProbe(train, mTe, { C: bestC, numClasses: 2 }).proba),
        val: { labels: yVal, scores: positiveProba(linearProbe(train, mVal, { C: bestC, numClasses: 2 }).proba) },
        valAuc: aucs,
      };
    }
  }
  result.val.ids = val.exams.map((e) => e.id);
  encoder.dispose();
  const dir = resultsDir(runDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${slug(label)}.json`), JSON.stringify(result));
  log.log('result', { method: label, testAuc: safeAuc(result.labels, result.scores) });
  log.info(`${label}: test AUC ${safeAuc(result.labels, result.scores).toFixed(3)} (${result.labels.length} exams)`);
  return result;
}

let headCounter = 0;

async function finetune(
  cfg: ExperimentConfig,
  encoder: VideoResNet,
  store: ExamStore,
  trainExams: ExamRef[],
  val: { exams: ExamRef[]; clips: Clip[][] },
  test: { exams: ExamRef[]; clips: Clip[][] },
  log: RunLogger,
  phase: string,
): Promise<Pick<MethodResult, 'scores' | 'val' | 'losses' | 'valAuc'>> {
  const f = cfg.finetune;
  const dim = encoder.featureDim;
  const hrng = new Rng(deriveSeed(cfg.seed, 'head'));
  const bound = 1 / Math.sqrt(dim);
  const headName = `finetune_head_${++headCounter}`;
  const hw = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: dim }, () => hrng.uniform(-bound, bound)), [dim, 1]), true, `${headName}/weight`));
  const hb = tf.tidy(() => tf.variable(tf.zeros([1]), true, `${headName}/bias`));
  const encVars = f.encoderLrScale > 0 ? encoder.trainableVariables : [];
  const headOpt = new AdamW({ learningRate: f.lr, weightDecay: f.weightDecay });
  const encOpt = f.encoderLrScale > 0 ? new AdamW({ learningRate: f.lr * f.encoderLrScale, weightDecay: f.weightDecay }) : null;
  const nPos = trainExams.filter((e) => e.label === 1).length, nNeg = trainExams.length - nPos;
  const wPos = f.balanced ? trainExams.length / (2 * Math.max(1, nPos)) : 1;
  const wNeg = f.balanced ? trainExams.length / (2 * Math.max(1, nNeg)) : 1;
  const predict = (clips: Clip[][]): number[] => {
    const flat = clips.flat();
    const per = clips[0]?.length ?? 1;
    const probs: number[] = [];
    for (let i = 0; i < flat.length; i += f.batch) {
      const s = stackClips(flat.slice(i, i + f.batch));
      const p = tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(encoder.apply(tf.tensor5d(s.data, s.shape), { training: false }).features, hw), hb)));
      probs.push(...(p.dataSync() as Float32Array));
      p.dispose();
    }
    // Exam score: mean of its clips' probabilities.
    return clips.map((_, e) => probs.slice(e * per, (e + 1) * per).reduce((a, b) => a + b, 0) / per);
  };
  const snapshot = (): tf.Tensor[] => [...encoder.trainableVariables, ...encoder.nonTrainableVariables, hw, hb].map((v) => tf.clone(v));
  const restore = (snap: tf.Tensor[]): void => {
    [...encoder.trainableVariables, ...encoder.nonTrainableVariables, hw, hb].forEach((v, i) => v.assign(snap[i] as tf.Tensor));
  };
  const losses: number[] = [];
  const valAuc: number[] = [];
  let best = -Infinity;
  let bestSnap: tf.Tensor[] | null = null;
  const stepsPerEpoch = Math.max(1, Math.ceil(trainExams.length / f.batch));
  const total = f.epochs * stepsPerEpoch;
  let step = 0;
  for (let epoch = 0; epoch < f.epochs; epoch++) {
    const rng = new Rng(deriveSeed(cfg.seed, `finetune/${epoch}`));
    const order = rng.shuffle([...trainExams]);
    let sum = 0, n = 0;
    for (let i = 0; i < order.length; i += f.batch) {
      const clips: Clip[] = [];
      const ys: number[] = [];
      for (const e of order.slice(i, i + f.batch)) {
        const vol = await store.get(e);
        if (!vol) continue;
        clips.push(trainClip(vol, cfg.data.frames, cfg.data.crop, cfg.data.channels, rng));
        ys.push(e.label);
      }
      step++;
      if (clips.length < 2) continue;
      const s = stackClips(clips);
      const x = tf.tensor5d(s.data, s.shape);
      const y = tf.tensor2d(ys, [ys.length, 1]);
      const wt = tf.tensor2d(ys.map((t) => (t === 1 ? wPos : wNeg)), [ys.length, 1]);
      const vars = [...encVars, hw, hb];
      const { value, grads } = tf.variableGrads(() => {
        const logits = tf.add(tf.matMul(encoder.apply(x, { training: true }).features, hw), hb);
        // Numerically stable BCE with logits.
        const l = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
        return tf.mean(tf.mul(l, wt)) as tf.Scalar;
      }, vars);
      const headGrads: tf.NamedTensorMap = { [hw.name]: grads[hw.name] as tf.Tensor, [hb.name]: grads[hb.name] as tf.Tensor };
      headOpt.applyGradients(headGrads);
      if (encOpt) {
        const eg: tf.NamedTensorMap = {};
        for (const v of encVars) if (grads[v.name]) eg[v.name] = grads[v.name] as tf.Tensor;
        encOpt.applyGradients(eg);
      }
      const lv = (await value.data())[0] as number;
      tf.dispose([x, y, wt, value, ...Object.values(grads)]);
      sum += lv;
      n++;
      log.progress({ phase, step, total, loss: lv, epoch }, clips.length);
    }
    losses.push(n > 0 ? sum / n : NaN);
    const va = safeAuc(val.exams.map((e) => e.label), predict(val.clips));
    valAuc.push(va);
    log.log('epoch', { phase, epoch, loss: losses[losses.length - 1], valAuc: va });
    if (!(va <= best)) {
      best = Number.isNaN(va) ? best : va;
      if (bestSnap) tf.dispose(bestSnap);
      bestSnap = snapshot();
    }
  }
  if (bestSnap) {
    restore(bestSnap);
    tf.dispose(bestSnap);
  }
  const out = { scores: predict(test.clips), val: { labels: val.exams.map((e) => e.label), scores: predict(val.clips) }, losses, valAuc };
  headOpt.dispose();
  encOpt?.dispose();
  hw.dispose();
  hb.dispose();
  return out;
}
