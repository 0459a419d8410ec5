/**
 * The one place where `reproduce` calls the experiment's training code
 * (pretraining, downstream protocols, data, encoders). Switching to another
 * implementation of those steps changes this file only.
 * @internal
 */
import type { VideoResNet } from '@byolmed3d/resnet3d';
import type { ExperimentConfig } from '../config/schema.js';
import type { RunLogger } from '../run/logger.js';
import { ExamStore, evalClips, makeSplits, subsamplePositives, type Clip, type ExamRef } from '../train/data.js';
import { embedExams, initEncoder, runDownstream, type MethodResult, type Protocol } from '../train/downstream.js';
import { buildEncoder } from '../train/models.js';
import { pretrain, viewPipeline, type PretrainHooks, type PretrainResult } from '../train/pretrain.js';
import { sampleView } from '../train/views.js';
import { Rng, deriveSeed } from '../util/rng.js';

export type { MethodResult, PretrainHooks, PretrainResult };

/** Self-supervised pretraining of `cfg` into `<dir>/pretrain/` (resumes from its checkpoints when `resume`). */
export function pretrainStep(cfg: ExperimentConfig, dir: string, log: RunLogger, resume: boolean, hooks: PretrainHooks): Promise<PretrainResult> {
  return pretrain(cfg, dir, log, resume, hooks);
}

/** One downstream protocol of `cfg` (encoder start from `cfg.init`); writes `<dir>/results/<label>.json` and returns the result. */
export function downstreamStep(cfg: ExperimentConfig, dir: string, log: RunLogger, protocol: Protocol, label: string): Promise<MethodResult> {
  return runDownstream(cfg, dir, log, { protocol, label });
}

/** Exam counts of the splits of `cfg` (downstream training after positive subsampling). */
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

/** Evaluation clips (one centred window per exam) and labels of a set of exams. */
export interface LabelledClips {
  /** Exam ids. */
  ids: string[];
  /** Labels 0/1. */
  labels: number[];
  /** One list of clips per exam. */
  clips: Clip[][];
}

async function clipsOf(store: ExamStore, exams: ExamRef[], cfg: ExperimentConfig, count: number): Promise<LabelledClips> {
  const out: LabelledClips = { ids: [], labels: [], clips: [] };
  for (const e of exams) {
    const vol = await store.get(e);
    if (!vol) continue;
    out.ids.push(e.id);
    out.labels.push(e.label);
    out.clips.push(evalClips(vol, cfg.data.frames, cfg.data.crop, cfg.data.channels, count));
  }
  return out;
}

/** The kNN monitor's data: a seeded subset of at most `bankSize` train exams (the bank) and the validation exams, one clip each. */
export async function monitorData(cfg: ExperimentConfig, bankSize: number, log: RunLogger): Promise<{ bank: LabelledClips; val: LabelledClips }> {
  const s = makeSplits(cfg.data.root as string, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const store = new ExamStore(cfg.data.root as string, cfg.data.plane, cfg.data.resize, cfg.data.cacheMB, cfg.strict, (m) => log.warn(m));
  const bankExams = new Rng(deriveSeed(cfg.seed, 'monitor-bank')).shuffle([...s.train]).slice(0, bankSize);
  return { bank: await clipsOf(store, bankExams, cfg, 1), val: await clipsOf(store, s.val, cfg, 1) };
}

/** The test exams' clips (`data.testClips` per exam). */
export async function testClips(cfg: ExperimentConfig, log: RunLogger): Promise<LabelledClips> {
  const s = makeSplits(cfg.data.root as string, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const store = new ExamStore(cfg.data.root as string, cfg.data.plane, cfg.data.resize, cfg.data.cacheMB, cfg.strict, (m) => log.warn(m));
  return clipsOf(store, s.test, cfg, cfg.data.testClips);
}

/** Mean-pooled features per exam (evaluation mode; clips averaged). */
export function embed(encoder: VideoResNet, clips: Clip[][], batch: number): Float32Array[] {
  return embedExams(encoder, clips, batch);
}

/** The downstream encoder of `cfg.init` (caller disposes it). */
export async function startEncoder(cfg: ExperimentConfig, dir: string, log: RunLogger): Promise<VideoResNet> {
  return (await initEncoder(cfg, dir, log)).encoder;
}

/** A freshly initialised encoder of `cfg` (caller disposes it). */
export function newEncoder(cfg: ExperimentConfig, seed: number): VideoResNet {
  return buildEncoder(cfg, seed);
}

/** Shape `[T, H, W]` of the first readable train exam of `cfg`'s data (null without data). */
export async function firstVolumeShape(cfg: ExperimentConfig, log: RunLogger): Promise<[number, number, number] | null> {
  if (!cfg.data.root) return null;
  const s = makeSplits(cfg.data.root, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const store = new ExamStore(cfg.data.root, cfg.data.plane, cfg.data.resize, 0, false, (m) => log.warn(m));
  for (const e of s.train.slice(0, 5)) {
    const v = await store.get(e);
    if (v) return [v.shape[0], v.shape[1], v.shape[2]];
  }
  return null;
}

/** Wall and CPU seconds to draw one pair of pretraining views (`pretrain.views`) from a volume of shape `[T, H, W]` (synthetic intensities). */
export function viewPairSeconds(cfg: ExperimentConfig, shape: [number, number, number], reps: number): { wall: number; cpu: number } {
  const [t, h, w] = shape;
  const rng = new Rng(11);
  const vol: Clip = { data: Float32Array.from({ length: t * h * w }, () => rng.next()), shape: [t, h, w, 1] };
  const pipeline = viewPipeline(cfg);
  const once = (i: number): void => {
    if (pipeline) pipeline.setSeed(i).sample(vol);
    else {
      const r = new Rng(i);
      const o = { frames: cfg.data.frames, crop: cfg.data.crop, channels: cfg.data.channels, minScale: cfg.pretrain.minScale };
      sampleView(vol, r, { ...o, blurP: 0.6 });
      sampleView(vol, r, { ...o, blurP: 0.4 });
    }
  };
  once(0);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 1; i <= reps; i++) once(i);
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000 / reps, cpu: (c.user + c.system) / 1e6 / reps };
}
