import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { knnClassify, rocAuc } from '@byolmed3d/metrics';
import type { VideoResNet } from '@byolmed3d/resnet3d';
import { appendRecordSync } from '@byolmed3d/util/node';
import type { StepStats } from '@byolmed3d/byol';
import type { RunLogger } from '../run/logger.js';
import { embed, type ExamClips } from './steps.js';

/** One optimizer step of a pretraining cell's training curves. */
export interface CurvePoint {
  /** Optimizer step (1-based). */
  step: number;
  /** Loss of the step's last micro-batch. */
  loss: number;
  /** Learning rate of the step. */
  lr: number;
  /** BYOL's target decay (null without a target). */
  tau: number | null;
  /** Projection spread (see byol's `StepStats.projectionStd`) times sqrt(D): about 1 when healthy, 0 when collapsed. */
  spread: number;
  /** Mean cosine between the two views' projections. */
  viewCosine: number;
  /** Validation AUC of the online kNN monitor at this step (absent when not measured). */
  knnAuc?: number;
}

/** Relative projection spread below which a collapse warning is given. */
export const COLLAPSE_SPREAD = 0.1;

/** Options of {@link KnnMonitor}. */
export interface KnnMonitorOptions {
  /** Evaluate every this many optimizer steps (0: never; the last step is always evaluated when > 0). */
  every: number;
  /** Neighbours. */
  k: number;
  /** Batch of the feature extraction. */
  batch: number;
  /** The bank (train exams) and the validation exams. */
  data: { bank: ExamClips; val: ExamClips } | null;
  /** JSONL file the points are appended to (survives a kill; read back with {@link readCurves}). */
  file: string;
  /** Logger (warnings). */
  log: RunLogger;
}

/**
 * solo-learn-style online monitor of a pretraining run: at every optimizer
 * step it records loss, lr, tau and the learner's collapse statistics; every
 * `every` steps also the validation AUC of a cosine kNN classifier (metrics'
 * `knnClassify`) on the current online encoder's features, the bank being
 * train exams. Warns once when the projections collapse. It only reads the
 * encoder (evaluation mode), so it does not change what pretraining does.
 */
export class KnnMonitor {
  private warned = false;
  /** Collapse warnings given. */
  warnings: string[] = [];

  constructor(private readonly opts: KnnMonitorOptions) {
    // A line cut by a kill must not swallow the next record.
    if (existsSync(opts.file)) {
      const text = readFileSync(opts.file, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) appendFileSync(opts.file, '\n');
    }
  }

  /** The pretraining hook: records step `step`. */
  async onStep(info: { step: number; totalSteps: number; encoder: VideoResNet; stats: StepStats; lr: number }): Promise<void> {
    const { step, totalSteps, encoder, stats, lr } = info;
    const spread = stats.projectionStd * Math.sqrt(stats.projectionDim);
    const point: CurvePoint = { step, loss: stats.loss, lr, tau: stats.tau, spread, viewCosine: stats.viewCosine };
    const { every, data } = this.opts;
    if (every > 0 && data && (step % every === 0 || step === totalSteps)) {
      const auc = await this.knnAuc(encoder, data);
      if (auc !== null) point.knnAuc = auc;
      this.opts.log.log('monitor', { step, knnAuc: auc });
    }
    if (!this.warned && !(spread >= COLLAPSE_SPREAD)) {
      this.warned = true;
      const msg = `collapse warning at optimizer step ${step}: projection spread ${spread.toFixed(3)} (healthy about 1, collapsed 0), view cosine ${stats.viewCosine.toFixed(3)}`;
      this.warnings.push(msg);
      this.opts.log.warn(msg);
    }
    appendRecordSync(this.opts.file, `${JSON.stringify(point)}\n`);
  }

  private async knnAuc(encoder: VideoResNet, data: { bank: ExamClips; val: ExamClips }): Promise<number | null> {
    const { bank, val } = data;
    const bankLabels = bank.exams.map((e) => e.label), valLabels = val.exams.map((e) => e.label);
    if (bank.exams.length < 2 || new Set(valLabels).size < 2) return null;
    const fb = await embed(encoder, bank, this.opts.batch, 'kNN monitor');
    const fv = await embed(encoder, val, this.opts.batch, 'kNN monitor');
    const d = fb[0]?.length ?? 0;
    const mat = (rows: Float32Array[]): { data: Float32Array; shape: [number, number] } => {
      const out = new Float32Array(rows.length * d);
      rows.forEach((r, i) => out.set(r, i * d));
      return { data: out, shape: [rows.length, d] };
    };
    try {
      const proba = knnClassify({ ...mat(fb), labels: bankLabels }, mat(fv), { k: Math.min(this.opts.k, bank.exams.length), numClasses: 2 }).proba;
      const pos: number[] = [];
      for (let i = 1; i < proba.length; i += 2) pos.push(proba[i] as number);
      const auc = rocAuc(valLabels, pos);
      return Number.isFinite(auc) ? auc : null;
    } catch {
      // Degenerate features (e.g. all equal after a collapse): no AUC this time.
      return null;
    }
  }
}

/** Reads a monitor's JSONL file: one point per step (a step recorded twice, after a resume, keeps its last record), in step order. */
export function readCurves(file: string): CurvePoint[] {
  if (!existsSync(file)) return [];
  const byStep = new Map<number, CurvePoint>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const p = JSON.parse(line) as CurvePoint;
      byStep.set(p.step, p);
    } catch {
      // A line cut by a kill: the step is recorded again after the resume.
    }
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
