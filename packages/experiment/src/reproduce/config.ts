import * as z from 'zod';

const int = (min: number, def: number, doc: string, max?: number): z.ZodDefault<z.ZodNumber> => {
  let t = z.int().min(min);
  if (max !== undefined) t = t.max(max);
  return t.default(def).describe(doc);
};
const list = (def: string, doc: string): z.ZodDefault<z.ZodString> => z.string().default(def).describe(doc);

/**
 * The `reproduce` section of the config schema (zod 4): which cells of the
 * paper's comparison `byolmed3d reproduce` runs, with documented defaults.
 * List fields are comma-separated strings.
 */
export const reproduceSection = z
  .strictObject({
    seeds: int(1, 3, 'Seeds per cell: seed, seed+1, ...', 100),
    methods: list('byol-accum,byol-noaccum,simsiam,simclr', 'Pretraining methods (byol-accum, byol-noaccum, simsiam, simclr).'),
    protocols: list('finetune,linear-probe,knn', 'Downstream protocols (finetune, linear-probe, knn).'),
    kinetics: z.string().nullable().default(null).describe('Kinetics-400 r3d_18 weights (torchvision r3d_18-b3b3357e.pth or its safetensors export) for the Kinetics baseline; null: not run.'),
    positiveFractions: z.array(z.number().gt(0).lt(1)).default([0.1, 0.05]).describe('Imbalance study: lower positive fractions of the downstream training set (the natural one is always run).'),
    imbalanceInits: list('byol-accum,random,kinetics', 'Encoder starts of the imbalance study.'),
    imbalanceProtocols: list('finetune', 'Protocols of the imbalance study.'),
    planes: z.enum(['sagittal', 'coronal', 'axial', 'all']).default('sagittal').describe('Planes: one plane, or all three plus MRNet-style fusion (logistic regression on per-plane probabilities, fitted on validation).'),
    planeInits: list('byol-accum,random,kinetics', 'Encoder starts of the plane study (planes=all).'),
    planeProtocols: list('finetune,linear-probe', 'Protocols of the plane study (planes=all).'),
    monitorEvery: int(0, 10, 'Online kNN monitor during pretraining: every this many optimizer steps (0: off).'),
    monitorK: int(1, 20, "Neighbours of the monitor's kNN classifier."),
    monitorBank: int(2, 256, "Train exams in the monitor's kNN bank (at most; seeded subset)."),
    estimateSteps: int(1, 2, 'Timed repetitions of each unit of work for the time estimate (after one warm-up).'),
    estimateBatch: int(2, 2, 'Largest batch used for the time measurement (larger batches are scaled linearly).'),
    demoExams: int(8, 120, 'Demo data when no data.root is given (--preset demo): train exams, generated into <out>/data.'),
    demoValidExams: int(4, 60, 'Demo data: valid (test) exams.'),
    demoSize: int(16, 32, 'Demo data: in-plane size in pixels.'),
  })
  .prefault({} as never)
  .describe('The plan of `byolmed3d reproduce`.');

/** The `reproduce` section of an experiment config (see {@link reproduceSection}). */
export type ReproduceConfig = z.output<typeof reproduceSection>;

/** Pretraining methods of the plan. */
export const PRETRAIN_METHODS = ['byol-accum', 'byol-noaccum', 'simsiam', 'simclr'] as const;
/** A pretraining method of the plan. */
export type PretrainMethod = (typeof PRETRAIN_METHODS)[number];
/** Baselines (no self-supervised pretraining). */
export const BASELINES = ['random', 'kinetics'] as const;
/** An encoder start of a downstream cell: a pretraining method or a baseline. */
export type InitName = PretrainMethod | (typeof BASELINES)[number];
/** Downstream protocols of the plan. */
export const PROTOCOLS = ['finetune', 'linear-probe', 'knn'] as const;
/** A downstream protocol. */
export type ProtocolName = (typeof PROTOCOLS)[number];

/** Display names of encoder starts, as in the report. */
export const INIT_LABELS: Record<InitName, string> = {
  'byol-accum': 'BYOL + accumulation',
  'byol-noaccum': 'BYOL, no accumulation',
  simsiam: 'SimSiam + accumulation',
  simclr: 'SimCLR + accumulation',
  random: 'random init',
  kinetics: 'Kinetics-400 r3d_18',
};

/** Display names of protocols. */
export const PROTOCOL_LABELS: Record<ProtocolName, string> = { finetune: 'fine-tune', 'linear-probe': 'linear probe', knn: 'kNN' };
