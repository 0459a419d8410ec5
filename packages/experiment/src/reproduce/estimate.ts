import * as tf from '@tensorflow/tfjs-core';
import { BYOL, SimSiam, type SelfSupervisedLearner } from '@byolmed3d/byol';
import { GradientAccumulator, LARS } from '@byolmed3d/grad-accum';
import { mergeConfig, type ExperimentConfig } from '../config/schema.js';
import { formatDuration } from '../run/logger.js';
import type { Cell, Plan } from './plan.js';
import { newEncoder, splitCounts, viewPairSeconds, type SplitCounts } from './steps.js';

/** Seconds of the unit operations of a plan, measured on the active backend. */
export interface UnitTimes {
  /** Seconds per pretraining micro-batch (`pretrain.microBatch` clips: their views, then BYOL with its target forward). */
  byolMicro: number;
  /** Seconds per micro-batch of a learner without a target network (SimSiam; used for SimCLR too). */
  noTargetMicro: number;
  /** Seconds to draw one pair of augmented pretraining views (CPU, per clip). */
  viewPair: number;
  /** Seconds per fine-tuning step (`finetune.batch` clips, forward and backward). */
  finetuneStep: number;
  /** Seconds per clip of feature extraction (evaluation mode). */
  embedClip: number;
  /** Batch the measurement ran at (larger batches are scaled linearly). */
  measuredBatch: number;
  /** Crop the network times were measured at (scaled by voxel count to `data.crop` when smaller, to bound memory). */
  measuredCrop: number;
}

/** Wall-clock and CPU unit times of one model shape. */
export interface MeasuredUnits {
  /** Wall seconds (at the machine's load during the measurement). */
  wall: UnitTimes;
  /** CPU seconds of this process (all threads). */
  cpu: UnitTimes;
}

/** Unit times of the plan's model shapes: the main model, and the Kinetics one when the plan has it. */
export interface Measurement {
  /** The tfjs backend that was measured. */
  backend: string;
  /** Unit times of the main model. */
  main: MeasuredUnits;
  /** Unit times of the full-width 3-channel r3d_18 of the Kinetics baseline (absent when not planned). */
  kinetics?: MeasuredUnits;
  /** Wall seconds the measurement took. */
  seconds: number;
}

/** Options of {@link measureUnitTimes}. */
export interface MeasureOptions {
  /** Timed repetitions after one warm-up. Default `reproduce.estimateSteps`. */
  steps?: number;
  /** Largest batch measured. Default `reproduce.estimateBatch`. */
  maxBatch?: number;
  /** Shape `[T, H, W]` of a typical exam volume, for the augmentation time. Default MRNet's `[32, 256, 256]`. */
  volume?: [number, number, number];
  /** Largest input of one measured batch, in voxels (batch x frames x crop^2); above it the crop is reduced and times scaled by voxel count. Default `2 x 16 x 112 x 112`. */
  maxVoxels?: number;
}

/** Wall and CPU seconds of one repetition. */
interface Timed {
  wall: number;
  cpu: number;
}

/** Times `fn` (awaited, so backends that compute asynchronously finish each repetition): wall and CPU seconds per repetition after `warmup` untimed ones. */
async function timeIt(steps: number, fn: () => Promise<void> | void, warmup = 1): Promise<Timed> {
  for (let i = 0; i < warmup; i++) await fn();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000 / steps, cpu: (c.user + c.system) / 1e6 / steps };
}

const scale = (t: Timed, k: number): Timed => ({ wall: t.wall * k, cpu: t.cpu * k });
const plus = (a: Timed, b: Timed): Timed => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu });

/**
 * Measures a few steps of every kind of work in the plan on the active tfjs
 * backend, on synthetic clips of the configured shape (no data needed):
 * a BYOL and a SimSiam micro-batch with gradient accumulation, a fine-tuning
 * step and feature extraction. Every value is read back asynchronously
 * (no `dataSync`), so it runs on backends without synchronous reads
 * (webgpu in Node). Disposes everything it makes.
 */
export async function measureUnitTimes(cfg: ExperimentConfig, options: MeasureOptions = {}): Promise<MeasuredUnits> {
  const steps = options.steps ?? cfg.reproduce.estimateSteps;
  const maxBatch = options.maxBatch ?? cfg.reproduce.estimateBatch;
  const { frames, channels } = cfg.data;
  const p = cfg.pretrain;
  const bPre = Math.max(2, Math.min(p.microBatch, maxBatch));
  const bFt = Math.max(2, Math.min(cfg.finetune.batch, maxBatch));
  // Bound the memory of the measurement: a smaller crop, times scaled by voxel count (convolution work is linear in it).
  const maxVoxels = options.maxVoxels ?? 2 * 16 * 112 * 112;
  const bMax = Math.max(bPre, bFt);
  const crop = Math.min(cfg.data.crop, Math.max(8, Math.floor(Math.sqrt(maxVoxels / (bMax * frames)))));
  const vox = (cfg.data.crop / crop) ** 2;
  const clip = (n: number): tf.Tensor5D => tf.randomNormal([n, frames, crop, crop, channels], 0, 1, 'float32', 7) as tf.Tensor5D;
  const small = mergeConfig(cfg, { data: { crop } });
  const heads = { hiddenDim: p.projectorHidden, outputDim: p.projectorOut };
  const learnerTime = async (kind: 'byol' | 'simsiam'): Promise<Timed> => {
    const encoder = newEncoder(small);
    const acc = new GradientAccumulator(new LARS({ learningRate: 0.01, weightDecay: p.weightDecay }), { steps: p.accumulation });
    const common = { optimizer: acc, projector: heads, predictor: heads, seed: 1 };
    const learner: SelfSupervisedLearner = kind === 'byol' ? new BYOL(encoder, { ...common, tauBase: p.tauBase, totalSteps: 1000 }) : new SimSiam(encoder, common);
    const a = clip(bPre), b = clip(bPre);
    try {
      // Warm up through the first optimizer step (slots, first update) when the window is short; the timed micro-batches then average the update in.
      return scale(await timeIt(steps, async () => void (await learner.stepAsync(a, b)), Math.min(p.accumulation, 2)), (p.microBatch / bPre) * vox);
    } finally {
      tf.dispose([a, b]);
      learner.dispose({ encoder: true });
      acc.dispose();
    }
  };
  const viewPair = viewPairSeconds(cfg, options.volume ?? [32, 256, 256], Math.max(2, steps * 2));
  const byolMicro = plus(await learnerTime('byol'), scale(viewPair, p.microBatch));
  const noTargetMicro = plus(await learnerTime('simsiam'), scale(viewPair, p.microBatch));
  const encoder = newEncoder(small);
  const x = clip(bFt);
  try {
    const vars = encoder.trainableVariables;
    const finetuneStep = scale(await timeIt(steps, async () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(encoder.apply(x, { training: true }).features) as tf.Scalar, vars);
      const g = Object.values(grads);
      // One read that depends on every gradient: the step is finished when it returns.
      const done = tf.tidy(() => tf.addN(g.map((t) => tf.sum(t))));
      await done.data();
      tf.dispose([value, done, ...g]);
    }), (cfg.finetune.batch / bFt) * vox);
    const embedClip = scale(await timeIt(steps, async () => {
      const f = tf.tidy(() => encoder.apply(x, { training: false }).features);
      await f.data();
      f.dispose();
    }), vox / bFt);
    const pick = (k: 'wall' | 'cpu'): UnitTimes => ({ byolMicro: byolMicro[k], noTargetMicro: noTargetMicro[k], viewPair: viewPair[k], finetuneStep: finetuneStep[k], embedClip: embedClip[k], measuredBatch: Math.max(bPre, bFt), measuredCrop: crop });
    return { wall: pick('wall'), cpu: pick('cpu') };
  } finally {
    x.dispose();
    encoder.dispose();
  }
}

/** Dataset sizes assumed for an estimate without data. */
export interface DatasetSizes {
  /** Exams in MRNet's train split. */
  train: number;
  /** Exams in MRNet's valid split (the test set). */
  valid: number;
  /** Fraction of positive exams. */
  positiveRate: number;
}

/** Exam counts assumed when there is no data: MRNet v1.0 (1,130 train / 120 valid exams, 23.3% ACL tears). */
export const MRNET_SIZES: Readonly<DatasetSizes> = { train: 1130, valid: 120, positiveRate: 0.233 };

/** The split counts of a config from dataset sizes alone (as `makeSplits` and `subsamplePositives` would give). */
export function assumedCounts(cfg: ExperimentConfig, sizes: DatasetSizes): SplitCounts {
  const pos = Math.round(sizes.train * sizes.positiveRate);
  const neg = sizes.train - pos;
  const vf = cfg.data.valFraction;
  const held = (n: number): number => Math.max(n >= 2 ? 1 : 0, Math.round(n * vf));
  const trPos = pos - held(pos), trNeg = neg - held(neg);
  let dsPos = trPos;
  const f = cfg.data.positiveFraction;
  if (f > 0) dsPos = Math.min(trPos, Math.max(1, Math.round((f * trNeg) / (1 - f))));
  return { train: trPos + trNeg, downstreamTrain: trNeg + dsPos, downstreamPositives: dsPos, val: held(pos) + held(neg), test: sizes.valid };
}

/** Estimated seconds of one cell. */
export interface CellEstimate {
  /** The cell's key. */
  key: string;
  /** The cell's id. */
  id: string;
  /** Estimated wall seconds (at the load of the measurement). */
  seconds: number;
  /** Estimated CPU seconds. */
  cpuSeconds: number;
}

/** The estimate of a whole plan. */
export interface PlanEstimate {
  /** Per cell. */
  cells: CellEstimate[];
  /** Sum over cells not done yet. */
  remainingSeconds: number;
  /** Sum over all cells. */
  totalSeconds: number;
  /** CPU seconds of all cells (on an idle machine the wall time is at most about this). */
  totalCpuSeconds: number;
  /** Where the exam counts came from. */
  counts: 'data' | 'assumed';
}

/** Seconds of one cell from the unit times and its split counts (data loading and report time not included). */
export function cellSeconds(cell: Cell, t: UnitTimes, n: SplitCounts): number {
  const cfg = cell.config;
  if (cell.kind === 'pretrain') {
    const p = cfg.pretrain;
    const stepsPerEpoch = Math.max(1, Math.floor(n.train / (p.microBatch * p.accumulation)));
    const totalSteps = p.epochs * stepsPerEpoch;
    const micro = cfg.pretrain.method === 'byol' ? t.byolMicro : t.noTargetMicro;
    const r = cfg.reproduce;
    const evals = r.monitorEvery > 0 ? Math.floor(totalSteps / r.monitorEvery) + (totalSteps % r.monitorEvery ? 1 : 0) : 0;
    return totalSteps * p.accumulation * micro + evals * (Math.min(r.monitorBank, n.train) + n.val) * t.embedClip;
  }
  const clips = cfg.data.testClips;
  if (cell.kind === 'embed') return n.test * clips * t.embedClip;
  if (cell.protocol === 'finetune') {
    const f = cfg.finetune;
    return f.epochs * Math.ceil(n.downstreamTrain / f.batch) * t.finetuneStep + (f.epochs + 1) * n.val * clips * t.embedClip + n.test * clips * t.embedClip;
  }
  return (n.downstreamTrain + n.val + n.test) * clips * t.embedClip;
}

/** Options of {@link estimatePlan}. */
export interface EstimateOptions {
  /** Keys of cells already done (counted in the total, not in the remainder). */
  done?: Set<string>;
  /** Dataset sizes to assume when the config has no `data.root`; default {@link MRNET_SIZES}. */
  sizes?: DatasetSizes;
}

/** Estimates every cell of `plan` from measured unit times. */
export function estimatePlan(plan: Plan, m: Measurement, options: EstimateOptions = {}): PlanEstimate {
  const cells: CellEstimate[] = [];
  let remaining = 0, total = 0, totalCpu = 0;
  let fromData = true;
  for (const c of plan.cells) {
    const cfg = c.config;
    let n: SplitCounts;
    if (cfg.data.root) n = splitCounts(cfg);
    else {
      fromData = false;
      n = assumedCounts(cfg, options.sizes ?? MRNET_SIZES);
    }
    const t = 'init' in c && c.init === 'kinetics' && m.kinetics ? m.kinetics : m.main;
    const s = cellSeconds(c, t.wall, n);
    const cpu = cellSeconds(c, t.cpu, n);
    cells.push({ key: c.key, id: c.id, seconds: s, cpuSeconds: cpu });
    total += s;
    totalCpu += cpu;
    if (!options.done?.has(c.key)) remaining += s;
  }
  return { cells, remainingSeconds: remaining, totalSeconds: total, totalCpuSeconds: totalCpu, counts: fromData ? 'data' : 'assumed' };
}

/** Seconds as a human-readable duration with days when long (`about 3.2 days`). */
export function humanDuration(sec: number): string {
  if (sec >= 2 * 86400) return `${(sec / 86400).toFixed(1)} days`;
  return formatDuration(sec);
}
