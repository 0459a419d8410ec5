import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byolMed3dViews, byolViews, type TwoViewPipeline } from '@byolmed3d/augment3d';
import { BYOL, SimCLR, SimSiam, type SelfSupervisedLearner, type StepStats } from '@byolmed3d/byol';
import type { VideoResNet } from '@byolmed3d/resnet3d';
import { AdamW, GradientAccumulator, LARS, setLearningRate, warmupCosine } from '@byolmed3d/grad-accum';
import type { ExperimentConfig } from '../config/schema.js';
import { latestCheckpoint, pruneCheckpoints, saveCheckpoint, type TensorEntry } from '../run/checkpoint.js';
import type { RunLogger } from '../run/logger.js';
import { Rng, deriveSeed } from '../util/rng.js';
import { ExamStore, MRNET_MEAN, MRNET_STD, makeSplits, stackClips, type Clip } from './data.js';
import { buildEncoder, entriesToTensors, saveEncoder, tensorsToEntries } from './models.js';
import { sampleView } from './views.js';

/** Where a pretraining run keeps its files. */
export function pretrainDir(runDir: string): string {
  return join(runDir, 'pretrain');
}

/** Result of {@link pretrain}. */
export interface PretrainResult {
  /** The final encoder weights file. */
  encoderPath: string;
  /** Optimizer steps taken. */
  steps: number;
  /** Loss per micro-batch, in order. */
  losses: number[];
  /** Exams skipped as unreadable. */
  skipped: number;
}

function makeOptimizer(cfg: ExperimentConfig): tf.Optimizer {
  const p = cfg.pretrain;
  if (p.optimizer === 'lars') return new LARS({ learningRate: p.lr, weightDecay: p.weightDecay });
  if (p.optimizer === 'adamw') return new AdamW({ learningRate: p.lr, weightDecay: p.weightDecay });
  return tf.train.momentum(p.lr, 0.9);
}

/**
 * The two-view augmentation of pretraining (`pretrain.views`): augment3d's
 * byolMed3dViews or byolViews on [0, 1] intensities, normalised with MRNet's
 * statistics at the end so views match the evaluation clips' scale; null for
 * the built-in fast sampler.
 */
export function viewPipeline(cfg: ExperimentConfig): TwoViewPipeline | null {
  const p = cfg.pretrain;
  if (p.views === 'fast') return null;
  const make = p.views === 'byol' ? byolViews : byolMed3dViews;
  // The presets' blur sigmas are in pixels of a 224 crop: scale them to this crop.
  const k = cfg.data.crop / 224;
  return make({
    size: cfg.data.crop,
    frames: cfg.data.frames,
    scale: [p.minScale, 1],
    toRgb: cfg.data.channels === 3,
    normalize: { mean: MRNET_MEAN / 255, std: MRNET_STD / 255 },
    ...(k < 1 ? { blur: { sigma: [Math.max(0.05, 0.1 * k * 8), 2.0 * k] as [number, number], kernelSize: Math.max(3, 2 * Math.ceil(3 * 2.0 * k) + 1) } } : {}),
  });
}

/** Optional callbacks of {@link pretrain} (e.g. reproduce's online kNN monitor). */
export interface PretrainHooks {
  /** Called after every optimizer step with the online encoder (read it, do not train it) and the step's statistics. */
  onOptimizerStep?: (info: { step: number; totalSteps: number; encoder: VideoResNet; stats: StepStats; lr: number }) => void | Promise<void>;
}

/**
 * Self-supervised pretraining (BYOL, SimSiam or SimCLR) on the train part of
 * the dataset, without labels, with gradient accumulation. Every random draw
 * is a pure function of (seed, micro-batch index), so a run resumed from a
 * checkpoint (`resume`) repeats exactly what the uninterrupted run would do.
 * Checkpoints are written at optimizer-step boundaries every
 * `pretrain.checkpointEvery` steps and at the end.
 */
export async function pretrain(cfg: ExperimentConfig, runDir: string, log: RunLogger, resume: boolean, hooks: PretrainHooks = {}): Promise<PretrainResult> {
  const root = cfg.data.root;
  if (!root) throw new Error('pretrain: data.root is not set (--data DIR)');
  const dir = pretrainDir(runDir);
  mkdirSync(dir, { recursive: true });
  const p = cfg.pretrain;
  const splits = makeSplits(root, cfg.data.task, cfg.data.valFraction, cfg.seed);
  const exams = splits.train;
  const store = new ExamStore(root, cfg.data.plane, cfg.data.resize, cfg.data.cacheMB, cfg.strict, (m) => log.warn(m));
  const B = p.microBatch, A = p.accumulation;
  const stepsPerEpoch = Math.max(1, Math.floor(exams.length / (B * A)));
  const microsPerEpoch = stepsPerEpoch * A;
  const totalSteps = p.epochs * stepsPerEpoch;
  const totalMicro = totalSteps * A;

  const encoder = buildEncoder(cfg, deriveSeed(cfg.seed, 'encoder'));
  const optimizer = makeOptimizer(cfg);
  const accumulator = new GradientAccumulator(optimizer, { steps: A });
  const heads = { hiddenDim: p.projectorHidden, outputDim: p.projectorOut };
  const common = { optimizer: accumulator, projector: heads, seed: deriveSeed(cfg.seed, 'heads') };
  let learner: SelfSupervisedLearner;
  if (p.method === 'byol') learner = new BYOL(encoder, { ...common, predictor: heads, tauBase: p.tauBase, totalSteps: Math.max(1, totalSteps) });
  else if (p.method === 'simsiam') learner = new SimSiam(encoder, { ...common, predictor: heads });
  else learner = new SimCLR(encoder, { ...common, temperature: p.temperature });
  const lrAt = warmupCosine({ base: p.lr, totalSteps: Math.max(1, totalSteps), warmupSteps: Math.min(p.warmupSteps, Math.max(0, totalSteps - 1)) });

  let micro = 0;
  let losses: number[] = [];
  if (resume) {
    const last = latestCheckpoint(dir, (err) => log.warn(`ignoring checkpoint: ${err.message}`));
    if (last) {
      const st = last.ckpt.state as { micro: number; losses: number[]; configHash?: string };
      const learnerW = entriesToTensors('learner/', last.ckpt.tensors);
      learner.setWeights(learnerW);
      tf.dispose(learnerW.map((e) => e.tensor));
      // Batch-norm counters (num_batches_tracked) live outside tfjs variables.
      const sd = encoder.stateDict();
      for (const [k, t] of Object.entries(last.ckpt.tensors)) {
        if (!k.startsWith('bncount/')) continue;
        const name = k.slice('bncount/'.length);
        if (sd[name]) sd[name] = { shape: [], dtype: 'int64', data: BigInt64Array.of(BigInt(Math.round(t.data[0] ?? 0))) };
      }
      encoder.loadStateDict(sd, { strict: true });
      // The accumulator's state holds the wrapped optimizer's too.
      const accW = entriesToTensors('accumulator/', last.ckpt.tensors);
      await accumulator.setWeights(accW);
      tf.dispose(accW.map((e) => e.tensor));
      micro = st.micro;
      losses = st.losses;
      log.info(`resumed from ${last.path} (micro-batch ${micro}, optimizer step ${accumulator.step})`);
    } else log.info('no checkpoint to resume from: starting at step 0');
  }

  const viewOpts = { frames: cfg.data.frames, crop: cfg.data.crop, channels: cfg.data.channels, minScale: p.minScale };
  const pipeline = viewPipeline(cfg);
  const unit = (vol: Clip): Clip => ({ data: Float32Array.from(vol.data, (x) => (x * MRNET_STD + MRNET_MEAN) / 255), shape: vol.shape });
  let orderEpoch = -1;
  let order: number[] = [];
  const save = async (): Promise<void> => {
    const tensors: Record<string, TensorEntry> = {
      ...(await tensorsToEntries('learner/', learner.getWeights(), true)),
      ...(await tensorsToEntries('accumulator/', await accumulator.getWeights(), true)),
    };
    for (const [name, e] of Object.entries(encoder.stateDict())) {
      if (name.endsWith('num_batches_tracked')) tensors[`bncount/${name}`] = { shape: [], data: Float32Array.of(Number(e.data[0])), dtype: 'int32' };
    }
    const path = join(dir, `step-${String(accumulator.step).padStart(8, '0')}.ckpt`);
    saveCheckpoint(path, { state: { micro, step: accumulator.step, losses, method: p.method }, tensors });
    pruneCheckpoints(dir, 2);
    log.log('checkpoint', { path, step: accumulator.step, micro });
  };

  log.info(`pretrain: ${p.method}, ${exams.length} exams, micro-batch ${B} x ${A} accumulation = effective ${B * A}, ${totalSteps} optimizer steps`);
  while (micro < totalMicro) {
    const epoch = Math.floor(micro / microsPerEpoch);
    if (epoch !== orderEpoch) {
      order = new Rng(deriveSeed(cfg.seed, `order/${epoch}`)).shuffle(exams.map((_, i) => i));
      orderEpoch = epoch;
    }
    const pos = micro % microsPerEpoch;
    const va: Clip[] = [];
    const vb: Clip[] = [];
    for (let j = 0; j < B; j++) {
      const exam = exams[order[pos * B + j] as number];
      if (!exam) continue;
      const vol = await store.get(exam);
      if (!vol) continue;
      const viewSeed = deriveSeed(cfg.seed, `views/${micro}/${j}`);
      if (pipeline) {
        const [a, b] = pipeline.setSeed(viewSeed).sample(unit(vol));
        va.push(a as Clip);
        vb.push(b as Clip);
      } else {
        const rng = new Rng(viewSeed);
        va.push(sampleView(vol, rng, { ...viewOpts, blurP: 0.6 }));
        vb.push(sampleView(vol, rng, { ...viewOpts, blurP: 0.4 }));
      }
    }
    if (va.length < 2) {
      log.warn(`micro-batch ${micro}: fewer than 2 readable exams, skipped`);
      micro++;
      continue;
    }
    setLearningRate(optimizer, lrAt(accumulator.step));
    const a = stackClips(va), b = stackClips(vb);
    const ta = tf.tensor5d(a.data, a.shape), tb = tf.tensor5d(b.data, b.shape);
    const stats = learner.step(ta, tb);
    ta.dispose();
    tb.dispose();
    if (!Number.isFinite(stats.loss)) throw new Error(`pretrain: loss became ${stats.loss} at micro-batch ${micro}`);
    losses.push(stats.loss);
    micro++;
    log.progress(
      { phase: `pretrain:${p.method}`, step: micro, total: totalMicro, loss: stats.loss, optimizerStep: stats.step, tau: stats.tau, projectionStd: stats.projectionStd, lr: lrAt(Math.max(0, stats.step - 1)) },
      va.length,
    );
    if (stats.stepped && hooks.onOptimizerStep) await hooks.onOptimizerStep({ step: stats.step, totalSteps, encoder, stats, lr: lrAt(Math.max(0, stats.step - 1)) });
    if (stats.stepped && (stats.step % p.checkpointEvery === 0 || micro === totalMicro)) await save();
  }
  if (totalMicro === 0 || !existsSync(join(dir, `step-${String(accumulator.step).padStart(8, '0')}.ckpt`))) await save();
  const encoderPath = join(dir, 'encoder.ckpt');
  saveEncoder(encoderPath, encoder, { method: p.method, steps: accumulator.step });
  writeFileSync(join(dir, 'losses.json'), JSON.stringify({ method: p.method, accumulation: A, losses }));
  const steps = accumulator.step;
  learner.dispose({ encoder: true });
  accumulator.dispose();
  return { encoderPath, steps, losses, skipped: store.bad.size };
}
