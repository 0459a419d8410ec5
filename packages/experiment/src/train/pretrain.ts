import * as tf from '@tensorflow/tfjs-core';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { byolMed3dViews, byolViews, type TwoViewPipeline } from '@byolmed3d/augment3d';
import { BYOL, SimCLR, SimSiam, type SelfSupervisedLearner, type StepStats } from '@byolmed3d/byol';
import { AdamW, GradientAccumulator, LARS, attachSchedule, warmupCosine } from '@byolmed3d/grad-accum';
import type { VideoResNet } from '@byolmed3d/resnet3d';
import { Random } from '@byolmed3d/util';
import { VideoLoader } from '@byolmed3d/video-io';
import { activeWebGpuAdapter, backendLossWrapper } from '../backend/select.js';
import { ConfigError, type ExperimentConfig } from '../config/schema.js';
import { CheckpointError, checkpointPath, latestCheckpoint, listCheckpoints, pruneCheckpoints, saveCheckpoint, type TensorEntry } from '../run/checkpoint.js';
import type { RunLogger } from '../run/logger.js';
import { changedFields, pretrainConfigHash, pretrainFields, readJson, writeJsonAtomic, writeRunConfig } from '../run/run-dir.js';
import { MRNET_NORMALIZE, examClip, examDataset, makeSplits, stackClips, type Clip } from './data.js';
import { buildEncoder, entriesToTensors, exportEncoderAsync, tensorsToEntries } from './models.js';
import { TrainingError } from './errors.js';

/** Where a pretraining run keeps its files (checkpoints, `run.json`, `losses.json`, the exported `encoder/`). */
export function pretrainDir(runDir: string): string {
  return join(runDir, 'pretrain');
}

/** The exported encoder folder of a run (`model.safetensors` + `config.json`). */
export function encoderExportDir(runDir: string): string {
  return join(pretrainDir(runDir), 'encoder');
}

/** Options of {@link runPretrain}. */
export interface PretrainOptions {
  /** Log and terminal output. */
  log: RunLogger;
  /** Continue this run from its newest finite checkpoint. Default false. */
  resume?: boolean;
  /** Start over, deleting this run directory's earlier pretraining. Default false. */
  overwrite?: boolean;
  /** Resume even though the pretraining configuration changed. Default false. */
  force?: boolean;
  /**
   * Resume when `data.root` is the only field that changed (the data folder
   * moved), for callers that have checked the data's contents themselves
   * (`reproduce` keys each cell by a fingerprint of them). Default false.
   */
  dataMayMove?: boolean;
  /** Called after every optimizer step (e.g. reproduce's online kNN monitor). */
  hooks?: PretrainHooks;
}

/** Callbacks of {@link runPretrain}. */
export interface PretrainHooks {
  /** After every optimizer step, with the online encoder (read it, do not train it), the step's statistics and the optimizer's learning rate after it. */
  onOptimizerStep?: (info: { step: number; totalSteps: number; encoder: VideoResNet; stats: StepStats; lr: number }) => void | Promise<void>;
}

/** Result of {@link runPretrain}. */
export interface PretrainResult {
  /** The exported encoder folder (`model.safetensors` + `config.json`). */
  encoderDir: string;
  /** Optimizer steps taken (the run's clock). */
  steps: number;
  /** Loss per micro-batch, in order. */
  losses: number[];
  /** Exams skipped as unreadable. */
  skipped: number;
  /** The pretraining config hash. */
  configHash: string;
}

/** What `pretrain/run.json` records: who owns the checkpoints. */
interface RunRecord {
  runId: string;
  configHash: string;
  fields: Record<string, unknown>;
}

/** The pretraining plan: optimizer steps per epoch and in all. */
export interface PretrainPlan {
  /** Train exams. */
  exams: number;
  /** Optimizer steps per epoch (`floor(exams / (microBatch x accumulation))`). */
  stepsPerEpoch: number;
  /** Optimizer steps of the run. */
  totalSteps: number;
}

/** Plans a pretraining run; a plan without a single optimizer step is refused naming the field. */
export function planPretrain(cfg: ExperimentConfig, exams: number): PretrainPlan {
  const { microBatch: B, accumulation: A, epochs } = cfg.pretrain;
  const stepsPerEpoch = Math.floor(exams / (B * A));
  if (stepsPerEpoch === 0 && epochs > 0) throw new ConfigError('pretrain.microBatch', `${exams} train exams are fewer than microBatch x accumulation = ${B} x ${A}: not one optimizer step per epoch (lower pretrain.microBatch or pretrain.accumulation)`);
  return { exams, stepsPerEpoch, totalSteps: epochs * stepsPerEpoch };
}

function makeOptimizer(cfg: ExperimentConfig): tf.Optimizer {
  const p = cfg.pretrain;
  if (p.optimizer === 'lars') return new LARS({ learningRate: p.lr, weightDecay: p.weightDecay });
  if (p.optimizer === 'adamw') return new AdamW({ learningRate: p.lr, weightDecay: p.weightDecay });
  return tf.train.momentum(p.lr, 0.9);
}

function makeLearner(cfg: ExperimentConfig, encoder: VideoResNet, accumulator: GradientAccumulator, totalSteps: number): SelfSupervisedLearner {
  const p = cfg.pretrain;
  const heads = { hiddenDim: p.projectorHidden, outputDim: p.projectorOut };
  const lossWrapper = backendLossWrapper();
  const common = { optimizer: accumulator, projector: heads, seed: new Random(cfg.seed).fork('heads').uint32(), ...(lossWrapper ? { lossWrapper } : {}) };
  if (p.method === 'byol') return new BYOL(encoder, { ...common, predictor: heads, tauBase: p.tauBase, totalSteps: Math.max(1, totalSteps) });
  if (p.method === 'simsiam') return new SimSiam(encoder, { ...common, predictor: heads });
  return new SimCLR(encoder, { ...common, temperature: p.temperature });
}

/** The two-view augmentation of pretraining (augment3d's preset of `pretrain.views`, blur scaled to the crop). */
export function makeViews(cfg: ExperimentConfig): TwoViewPipeline {
  const p = cfg.pretrain;
  const make = p.views === 'byol' ? byolViews : byolMed3dViews;
  // The presets' blur sigmas are in pixels of a 224 crop: scale them to this crop.
  const k = cfg.data.crop / 224;
  return make({
    size: cfg.data.crop,
    frames: cfg.data.frames,
    scale: [p.minScale, 1],
    toRgb: cfg.data.channels === 3,
    normalize: MRNET_NORMALIZE,
    ...(k < 1 ? { blur: { sigma: [Math.max(0.05, 0.1 * k * 8), 2.0 * k] as [number, number], kernelSize: Math.max(3, 2 * Math.ceil(3 * 2.0 * k) + 1) } } : {}),
  });
}

/** Backends on which the views are made with augment3d's tensor path (tfjs ops on the device): the GPU ones. */
export const TENSOR_VIEW_BACKENDS: readonly string[] = ['webgpu', 'webgl'];

/**
 * Whether {@link pretrainViews} uses the tensor path on `backend` (default
 * the active tfjs backend): on {@link TENSOR_VIEW_BACKENDS}, except on a
 * software WebGPU adapter (`softwareAdapter`, default: what `selectBackend`
 * opened), where the typed-array path measured about 30x faster (llvmpipe,
 * `bench/views.ts`).
 */
export function useTensorViews(backend: string = tf.getBackend(), softwareAdapter: boolean = activeWebGpuAdapter()?.isSoftware ?? false): boolean {
  return TENSOR_VIEW_BACKENDS.includes(backend) && !softwareAdapter;
}

/**
 * The two views of a micro-batch, `[N, T, H, W, C]` each (the caller owns
 * them): clip `j` is augmented by `views` seeded with `seeds[j]`. On the
 * typed-array path (`tensor` false) each clip is augmented on the CPU and
 * the views are uploaded; on the tensor path each clip is uploaded once and
 * augmented by augment3d's tfjs ops on the active backend (parameters drawn
 * on the CPU from the same seeds, so both paths agree within float
 * rounding). Clips may differ in frame count; the views may not.
 */
export function pretrainViews(views: TwoViewPipeline, clips: readonly Clip[], seeds: readonly number[], tensor: boolean = useTensorViews()): [tf.Tensor5D, tf.Tensor5D] {
  if (!tensor) {
    const pairs = clips.map((c, j) => views.setSeed(seeds[j] as number).sample(c));
    const a = stackClips(pairs.map((q) => q[0]));
    try {
      return [a, stackClips(pairs.map((q) => q[1]))];
    } catch (e) {
      a.dispose();
      throw e;
    }
  }
  const parts: tf.Tensor5D[][] = [[], []];
  try {
    clips.forEach((c, j) => {
      views.setSeed(seeds[j] as number);
      const x = tf.tensor5d(c.data, [1, ...c.shape]);
      try {
        const [a, b] = views.sampleBatch(x);
        parts[0]?.push(a);
        parts[1]?.push(b);
      } finally {
        x.dispose();
      }
    });
    const shapes = new Set((parts[0] as tf.Tensor5D[]).map((t) => t.shape.join('x')));
    if (shapes.size > 1) throw new RangeError(`pretrainViews: the views of one micro-batch differ in shape (${[...shapes].join(', ')})`);
    return [tf.concat(parts[0] as tf.Tensor5D[], 0), tf.concat(parts[1] as tf.Tensor5D[], 0)];
  } finally {
    tf.dispose([...(parts[0] as tf.Tensor5D[]), ...(parts[1] as tf.Tensor5D[])]);
  }
}

/** The pretraining model and its optimizer state, built from a configuration (also used to export an encoder from a checkpoint). */
export interface PretrainModel {
  /** The online encoder. */
  encoder: VideoResNet;
  /** The learner (BYOL, SimSiam or SimCLR). */
  learner: SelfSupervisedLearner;
  /** The gradient accumulator around the optimizer. */
  accumulator: GradientAccumulator;
  /** The optimizer: its step count is the run's one clock. */
  optimizer: tf.Optimizer;
  /** Disposes everything. */
  dispose(): void;
}

/** Builds the {@link PretrainModel} of a configuration: the lr follows `warmupCosine` of the optimizer's step count (`attachSchedule`). */
export function buildPretrainModel(cfg: ExperimentConfig, totalSteps: number): PretrainModel {
  const p = cfg.pretrain;
  const encoder = buildEncoder(cfg);
  const optimizer = makeOptimizer(cfg);
  attachSchedule(optimizer, warmupCosine({ base: p.lr, totalSteps: Math.max(1, totalSteps), warmupSteps: Math.min(p.warmupSteps, Math.max(0, totalSteps - 1)) }));
  const accumulator = new GradientAccumulator(optimizer, { steps: p.accumulation });
  const learner = makeLearner(cfg, encoder, accumulator, totalSteps);
  // Checkpoints name the optimizer state by position in this list, not by tfjs names (process-wide counters).
  accumulator.useVariables(learner.trainableVariables);
  return {
    encoder,
    learner,
    accumulator,
    optimizer,
    dispose: () => {
      learner.dispose({ encoder: true });
      accumulator.dispose();
    },
  };
}

/** The training state of a checkpoint: learner (online, target, heads, batch-norm statistics and int32 counters) and accumulator with the optimizer's slots. */
async function stateTensors(m: PretrainModel): Promise<Record<string, TensorEntry>> {
  return {
    ...(await tensorsToEntries('learner/', m.learner.getWeights(), true)),
    ...(await tensorsToEntries('accumulator/', await m.accumulator.getWeights(), true)),
  };
}

/** Restores {@link stateTensors} into a freshly built model; checks that the learner, accumulator and optimizer agree on the step. */
export async function restoreState(m: PretrainModel, tensors: Record<string, TensorEntry>, file: string): Promise<void> {
  const learnerW = entriesToTensors('learner/', tensors);
  try {
    await m.learner.setWeightsAsync(learnerW);
  } finally {
    tf.dispose(learnerW.map((e) => e.tensor));
  }
  const accW = entriesToTensors('accumulator/', tensors);
  try {
    await m.accumulator.setWeights(accW);
  } catch (err) {
    throw new CheckpointError(file, `cannot restore the accumulator and optimizer state: ${(err as Error).message}`);
  } finally {
    tf.dispose(accW.map((e) => e.tensor));
  }
  const k = m.optimizer.iterations;
  if (m.accumulator.step !== k || m.learner.optimizerStep !== k) throw new CheckpointError(file, `inconsistent step counts (optimizer ${k}, accumulator ${m.accumulator.step}, learner ${m.learner.optimizerStep})`);
}

/** Claims the pretraining folder for this run, or resumes the run that owns it. */
function ownRun(dir: string, cfg: ExperimentConfig, o: PretrainOptions): { record: RunRecord; resuming: boolean } {
  const fields = pretrainFields(cfg);
  const configHash = pretrainConfigHash(cfg);
  const recordFile = join(dir, 'run.json');
  const earlier = listCheckpoints(dir);
  const hasRecord = existsSync(recordFile);
  if (o.resume && hasRecord) {
    const record = readJson(recordFile) as RunRecord;
    if (record.configHash !== configHash) {
      const diff = changedFields(record.fields ?? {}, fields);
      if (o.dataMayMove === true && diff.length === 1 && diff[0] === 'data.root') {
        o.log.info(`the data folder moved since this pretraining started (${String(record.fields?.['data.root'])} -> ${String(fields['data.root'])}): resuming`);
      } else {
        if (!o.force) throw new ConfigError('--resume', `the pretraining configuration changed since this run started (${diff.join(', ') || 'config hash'}): resume with the original settings, pass --force to resume anyway, or --overwrite to start over`);
        o.log.warn(`resuming with a changed configuration (--force): ${diff.join(', ')}`);
      }
    }
    return { record: { ...record, configHash, fields }, resuming: true };
  }
  if (!o.resume && (earlier.length > 0 || hasRecord || existsSync(encoderExportDir(join(dir, '..'))))) {
    if (!o.overwrite) throw new ConfigError('--resume', `${dir} holds an earlier pretraining${earlier.length ? ` (checkpoints up to step ${earlier.at(-1)?.step})` : ''}: pass --resume to continue it, or --overwrite to start over`);
    for (const c of earlier) rmSync(c.path, { force: true });
    rmSync(recordFile, { force: true });
    rmSync(encoderExportDir(join(dir, '..')), { recursive: true, force: true });
    o.log.info(`--overwrite: removed the earlier pretraining in ${dir}`);
  }
  if (o.resume && earlier.length > 0) throw new ConfigError('--resume', `${dir} has checkpoints but no run.json (not written by this version, or damaged): pass --overwrite to start over`);
  if (o.resume) o.log.info('no checkpoint to resume from: starting at step 0');
  const record: RunRecord = { runId: randomUUID(), configHash, fields };
  writeJsonAtomic(recordFile, record);
  return { record, resuming: false };
}

/**
 * Self-supervised pretraining (BYOL, SimSiam or SimCLR) on the train part of
 * the dataset, without labels, with gradient accumulation; the optimizer's
 * step count is the one clock (lr by `attachSchedule`, tau, checkpoints).
 * Exams stream through video-io's `VideoLoader` (seeded order per epoch,
 * unreadable exams skipped and counted, or fatal with `strict`), views come
 * from augment3d's two-view presets. Every random draw is a function of
 * (seed, micro-batch index), so a resumed run repeats exactly what the
 * uninterrupted run would do. Checkpoints (owned by this run, finite) every
 * `pretrain.checkpointEvery` optimizer steps and at the end; the encoder is
 * exported to {@link encoderExportDir}.
 */
export async function runPretrain(cfg: ExperimentConfig, runDir: string, o: PretrainOptions): Promise<PretrainResult> {
  const { log } = o;
  if (!cfg.data.root) throw new ConfigError('data.root', 'not set (--data DIR)');
  const p = cfg.pretrain;
  const dir = pretrainDir(runDir);
  mkdirSync(dir, { recursive: true });
  const { record, resuming } = ownRun(dir, cfg, o);
  writeRunConfig(runDir, cfg);
  const exams = makeSplits(cfg.data.root, cfg.data.task, cfg.data.valFraction, cfg.seed).train;
  const plan = planPretrain(cfg, exams.length);
  const m = buildPretrainModel(cfg, plan.totalSteps);
  const views = makeViews(cfg);
  const seeds = new Random(cfg.seed);
  const loader = new VideoLoader(examDataset(cfg, exams), {
    batchSize: p.microBatch, seed: seeds.fork('order').uint32(), collate: 'list', skipBadItems: !cfg.strict,
    transform: (s) => examClip(s, cfg.data.resize), onWarning: (msg) => log.warn(msg),
  });
  // The loop state a checkpoint records (with the model's tensors): micro-batches done, in all and in this epoch, and the loader's position.
  let st = { micro: 0, epoch: 0, inEpoch: 0, position: 0, losses: [] as number[] };
  const last = resuming ? latestCheckpoint(dir, { runId: record.runId, onSkip: (e) => log.warn(`ignoring checkpoint: ${e.message}`) }) : null;
  if (last) {
    await restoreState(m, last.ckpt.tensors, last.path);
    st = last.ckpt.state.loop as typeof st;
    log.info(`resumed from ${last.path} (optimizer step ${m.optimizer.iterations})`);
  }
  const save = async (): Promise<void> => {
    const path = checkpointPath(dir, m.optimizer.iterations);
    try {
      saveCheckpoint(path, { state: { runId: record.runId, configHash: record.configHash, step: m.optimizer.iterations, method: p.method, loop: st }, tensors: await stateTensors(m) });
    } catch (err) {
      const kept = latestCheckpoint(dir, { runId: record.runId });
      // The lr hint only for poisoned weights, not for a write that failed (a full disk).
      throw new TrainingError('pretrain', `${(err as Error).message}; the last finite checkpoint is ${kept?.path ?? 'none'}${err instanceof CheckpointError ? ' (lower pretrain.lr?)' : ''}`, { cause: err });
    }
    pruneCheckpoints(dir, p.keepCheckpoints, record.runId);
    log.log('checkpoint', { path, step: m.optimizer.iterations });
  };
  const microsPerEpoch = plan.stepsPerEpoch * p.accumulation;
  const tensorViews = useTensorViews();
  log.info(`pretrain: ${p.method}, ${exams.length} exams, micro-batch ${p.microBatch} x ${p.accumulation} accumulation = effective ${p.microBatch * p.accumulation}, ${plan.totalSteps} optimizer steps, views on ${tensorViews ? `the ${tf.getBackend()} device (augment3d tensor path)` : `the CPU (typed arrays${activeWebGpuAdapter()?.isSoftware ? ': faster than the tensor path on a software adapter' : ''})`}`);
  for (; st.epoch < p.epochs; st = { ...st, epoch: st.epoch + 1, inEpoch: 0, position: 0 }) {
    for await (const batch of loader.batches(st.epoch, { start: st.position })) {
      if (st.inEpoch >= microsPerEpoch) break;
      const viewSeeds = batch.clips.map((_, j) => seeds.fork(`views/${st.micro}/${j}`).uint32());
      st = { ...st, micro: st.micro + 1, inEpoch: st.inEpoch + 1, position: batch.position };
      if (batch.clips.length < 2) continue; // batch statistics need two clips
      const [a, b] = pretrainViews(views, batch.clips, viewSeeds, tensorViews);
      // One asynchronous read-back per micro-batch: no synchronous read anywhere in the loop (webgpu cannot).
      let s: StepStats;
      try {
        s = await m.learner.stepAsync(a, b);
      } finally {
        tf.dispose([a, b]);
      }
      if (!Number.isFinite(s.loss)) throw new TrainingError('pretrain', `loss became ${s.loss} at micro-batch ${st.micro} (exams ${batch.ids.join(', ')}); the last finite checkpoint is ${latestCheckpoint(dir, { runId: record.runId })?.path ?? 'none'} (lower pretrain.lr?)`);
      st.losses.push(s.loss);
      log.progress({ phase: `pretrain:${p.method}`, step: st.micro, total: plan.totalSteps * p.accumulation, loss: s.loss, optimizerStep: s.step, tau: s.tau, projectionStd: s.projectionStd }, batch.clips.length);
      if (s.stepped && o.hooks?.onOptimizerStep) await o.hooks.onOptimizerStep({ step: s.step, totalSteps: plan.totalSteps, encoder: m.encoder, stats: s, lr: (m.optimizer as unknown as { learningRate: number }).learningRate });
      if (s.stepped && s.step % p.checkpointEvery === 0) await save();
    }
  }
  if (m.learner.flush().stepped) log.info('applied the last, partial accumulation window');
  if (!existsSync(checkpointPath(dir, m.optimizer.iterations))) await save();
  const encoderDir = await exportEncoderAsync(m.encoder, encoderExportDir(runDir), cfg, { configHash: record.configHash, training: { method: p.method, optimizerSteps: m.optimizer.iterations, runId: record.runId } });
  writeJsonAtomic(join(dir, 'losses.json'), { method: p.method, accumulation: p.accumulation, losses: st.losses });
  const steps = m.optimizer.iterations;
  m.dispose();
  await loader.close();
  return { encoderDir, steps, losses: st.losses, skipped: loader.skippedCount, configHash: record.configHash };
}
