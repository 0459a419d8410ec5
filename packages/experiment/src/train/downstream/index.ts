import * as tf from '@tensorflow/tfjs-core';
import { knnClassify, linearProbe } from '@byolmed3d/metrics';
import { selectedBackend } from '../../backend/select.js';
import { ConfigError, type ExperimentConfig } from '../../config/schema.js';
import type { RunLogger } from '../../run/logger.js';
import { makeSplits, subsamplePositives } from '../data.js';
import { embedExams, loadEvalClips } from './clips.js';
import { initEncoder } from './encoder.js';
import { finetune, safeAuc } from './finetune.js';
import { writeResult, type MethodResult, type Protocol } from './results.js';

/** Options of {@link runDownstream}. */
export interface DownstreamOptions {
  /** Log and terminal output. */
  log: RunLogger;
  /** Protocol to run. */
  protocol: Protocol;
  /** Report label; default `init.label`, else derived from init and protocol. */
  label?: string;
}

/** Rows of per-exam features as a metrics `FeatureMatrix`. */
export function toMatrix(rows: Float32Array[]): { data: Float32Array; shape: [number, number] } {
  const d = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => data.set(r, i * d));
  return { data, shape: [rows.length, d] };
}

/** Positive-class probabilities of a binary metrics evaluation (`proba` is `[n, 2]`). */
export function positiveProba(proba: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 1; i < proba.length; i += 2) out.push(proba[i] as number);
  return out;
}

/**
 * Runs one downstream protocol on the configured task and plane: fine-tuning
 * (encoder + linear head), linear probe (frozen features, metrics'
 * `linearProbe`, C chosen on validation AUC) or kNN (metrics' cosine
 * `knnClassify`), and writes the test predictions (several clips per exam
 * averaged) atomically to `results/<method>.json`. Non-finite features,
 * losses or scores stop it with an error; nothing non-finite is written.
 */
export async function runDownstream(cfg: ExperimentConfig, runDir: string, opts: DownstreamOptions): Promise<MethodResult> {
  const { log, protocol } = opts;
  if (!cfg.data.root) throw new ConfigError('data.root', 'not set (--data DIR)');
  const splits = makeSplits(cfg.data.root, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const trainExams = subsamplePositives(splits.train, cfg.data.positiveFraction, cfg.seed);
  const { encoder, init } = await initEncoder(cfg, runDir, log);
  try {
    const label = opts.label ?? cfg.init.label ?? `${init} / ${protocol}`;
    const phase = `${protocol}:${init}`;
    const test = await loadEvalClips(cfg, splits.test, log);
    const val = await loadEvalClips(cfg, splits.val, log);
    const base = { method: label, init, protocol, task: cfg.data.task, plane: cfg.data.plane, ids: test.exams.map((e) => e.id), labels: test.exams.map((e) => e.label) };
    const yVal = val.exams.map((e) => e.label);
    let result: MethodResult;
    if (protocol === 'finetune') {
      result = { ...base, ...(await finetune(cfg, encoder, trainExams, val, test, log, phase)) };
    } else {
      const tr = await loadEvalClips(cfg, trainExams, log);
      const b = cfg.finetune.batch;
      const train = { ...toMatrix(await embedExams(encoder, tr, b, phase)), labels: tr.exams.map((e) => e.label) };
      const mVal = toMatrix(await embedExams(encoder, val, b, phase)), mTe = toMatrix(await embedExams(encoder, test, b, phase));
      if (protocol === 'knn') {
        const k = { k: cfg.probe.k, numClasses: 2 };
        result = { ...base, scores: positiveProba(knnClassify(train, mTe, k).proba), val: { labels: yVal, scores: positiveProba(knnClassify(train, mVal, k).proba) } };
      } else {
        // Inverse L2 strength C chosen on validation AUC (metrics' linearProbe standardises features).
        const aucs = cfg.probe.C.map((C) => safeAuc(yVal, positiveProba(linearProbe(train, mVal, { C, numClasses: 2 }).proba)));
        const bestIdx = aucs.reduce((bi, a, i) => (a > (aucs[bi] as number) || Number.isNaN(aucs[bi] as number) ? i : bi), 0);
        const C = cfg.probe.C[bestIdx] as number;
        log.log('probe', { C, valAuc: aucs[bestIdx] });
        result = { ...base, scores: positiveProba(linearProbe(train, mTe, { C, numClasses: 2 }).proba), val: { labels: yVal, scores: positiveProba(linearProbe(train, mVal, { C, numClasses: 2 }).proba) }, valAuc: aucs };
      }
    }
    result.val.ids = val.exams.map((e) => e.id);
    const sel = selectedBackend();
    result.compute = { backend: sel?.choice ?? tf.getBackend(), precision: sel?.precision ?? 'fp32' };
    const file = writeResult(runDir, result);
    const auc = safeAuc(result.labels, result.scores);
    log.log('result', { method: label, file, testAuc: Number.isFinite(auc) ? auc : null });
    log.info(`${label}: test AUC ${Number.isFinite(auc) ? auc.toFixed(3) : 'undefined (one class)'} (${result.labels.length} exams)`);
    return result;
  } finally {
    encoder.dispose();
  }
}

export { initEncoder, type InitializedEncoder } from './encoder.js';
export { embedExams, loadEvalClips, type ExamClips } from './clips.js';
export { readResults, resultProblem, resultsDir, slug, writeResult, type ComputeInfo, type MethodResult, type Protocol, type ValidationScores } from './results.js';
