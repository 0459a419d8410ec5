/**
 * The one place where `reproduce` calls the experiment's training code
 * (pretraining, downstream protocols, data, encoders). Switching to another
 * implementation of those steps changes this file only.
 * @internal
 */
import type { Clip } from '@byolmed3d/augment3d';
import type { VideoResNet } from '@byolmed3d/resnet3d';
import { Random } from '@byolmed3d/util';
import type { ExperimentConfig } from '../config/schema.js';
import type { RunLogger } from '../run/logger.js';
import { examClip, examDataset, makeSplits, subsamplePositives } from '../train/data.js';
import { embedExams, initEncoder, loadEvalClips, runDownstream, type ExamClips, type MethodResult, type Protocol } from '../train/downstream/index.js';
import { buildEncoder } from '../train/models.js';
import { makeViews, runPretrain, type PretrainHooks, type PretrainResult } from '../train/pretrain.js';

export type { ExamClips, MethodResult, PretrainHooks, PretrainResult };

/**
 * Self-supervised pretraining of `cfg` into `<dir>/pretrain/` (continues its
 * own earlier attempt when `resume`, also after the data folder moved: the
 * cell's key fingerprints the data's contents, so the folder `dir` is only
 * reached with the same data).
 */
export function pretrainStep(cfg: ExperimentConfig, dir: string, log: RunLogger, resume: boolean, hooks: PretrainHooks): Promise<PretrainResult> {
  return runPretrain(cfg, dir, { log, resume, hooks, dataMayMove: true });
}

/** One downstream protocol of `cfg` (encoder start from `cfg.init`); writes `<dir>/results/<label>.json` and returns the result. */
export function downstreamStep(cfg: ExperimentConfig, dir: string, log: RunLogger, protocol: Protocol, label: string): Promise<MethodResult> {
  return runDownstream(cfg, dir, { log, protocol, label });
}

/** Exam counts of the splits of a config. */
export interface SplitCounts {
  /** Train part (pretraining). */
  train: number;
  /** Downstream training exams (after `data.positiveFraction`). */
  downstreamTrain: number;
  /** Positives among them. */
  downstreamPositives: number;
  /** Validation exams. */
  val: number;
  /** Test exams. */
  test: number;
}

/** Counts the exams of the splits of `cfg` (reads only the label files). */
export function splitCounts(cfg: ExperimentConfig): SplitCounts {
  const s = makeSplits(cfg.data.root as string, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const ds = subsamplePositives(s.train, cfg.data.positiveFraction, cfg.seed);
  return { train: s.train.length, downstreamTrain: ds.length, downstreamPositives: ds.filter((e) => e.label === 1).length, val: s.val.length, test: s.test.length };
}

/** The kNN monitor's data: a seeded subset of at most `bankSize` train exams (the bank) and the validation exams, one evaluation clip each. */
export async function monitorData(cfg: ExperimentConfig, bankSize: number, log: RunLogger): Promise<{ bank: ExamClips; val: ExamClips }> {
  const s = makeSplits(cfg.data.root as string, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const one = { ...cfg, data: { ...cfg.data, testClips: 1 } };
  const bankExams = new Random(cfg.seed).fork('monitor-bank').shuffle([...s.train]).slice(0, bankSize);
  return { bank: await loadEvalClips(one, bankExams, log), val: await loadEvalClips(one, s.val, log) };
}

/** The test exams' evaluation clips (`data.testClips` per exam). */
export async function testClips(cfg: ExperimentConfig, log: RunLogger): Promise<ExamClips> {
  const s = makeSplits(cfg.data.root as string, cfg.data.task, cfg.data.valFraction, cfg.seed);
  return loadEvalClips(cfg, s.test, log);
}

/** Mean-pooled features per exam (evaluation mode; clips averaged; read back asynchronously). */
export function embed(encoder: VideoResNet, set: ExamClips, batch: number, what: string): Promise<Float32Array[]> {
  return embedExams(encoder, set, batch, what);
}

/** The downstream encoder of `cfg.init` (caller disposes it). */
export async function startEncoder(cfg: ExperimentConfig, dir: string, log: RunLogger): Promise<VideoResNet> {
  return (await initEncoder(cfg, dir, log)).encoder;
}

/** A freshly initialised encoder of `cfg` (seeded by `cfg.seed`; caller disposes it). */
export function newEncoder(cfg: ExperimentConfig): VideoResNet {
  return buildEncoder(cfg);
}

/** Shape `[T, H, W]` of the first readable train exam of `cfg`'s data (null without data). */
export async function firstVolumeShape(cfg: ExperimentConfig): Promise<[number, number, number] | null> {
  if (!cfg.data.root) return null;
  const s = makeSplits(cfg.data.root, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const ds = examDataset(cfg, s.train.slice(0, 5));
  for (let i = 0; i < ds.length; i++) {
    try {
      const c = examClip(await ds.get(i), cfg.data.resize);
      return [c.shape[0], c.shape[1], c.shape[2]];
    } catch {
      // Unreadable: try the next one.
    }
  }
  return null;
}

/** Wall and CPU seconds to draw one pair of pretraining views (`pretrain.views`) from a grey volume of shape `[T, H, W]` (synthetic intensities). */
export function viewPairSeconds(cfg: ExperimentConfig, shape: [number, number, number], reps: number): { wall: number; cpu: number } {
  const [t, h, w] = shape;
  const rng = new Random(11);
  const vol: Clip = { data: Float32Array.from({ length: t * h * w }, () => rng.next()), shape: [t, h, w, 1] };
  const views = makeViews(cfg);
  views.setSeed(0).sample(vol);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 1; i <= reps; i++) views.setSeed(i).sample(vol);
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000 / reps, cpu: (c.user + c.system) / 1e6 / reps };
}
