import type { FieldSpec } from '../config/schema.js';

/**
 * The `reproduce` section of an {@link ExperimentConfig}: which cells of the
 * paper's comparison `byolmed3d reproduce` runs. List fields are
 * comma-separated strings.
 */
export interface ReproduceConfig {
  /** Seeds per cell: seed, seed+1, ... Default `3`. */
  seeds: number;
  /** Pretraining methods (byol-accum, byol-noaccum, simsiam, simclr). Default `"byol-accum,byol-noaccum,simsiam,simclr"`. */
  methods: string;
  /** Downstream protocols (finetune, linear-probe, knn). Default `"finetune,linear-probe,knn"`. */
  protocols: string;
  /** Kinetics-400 r3d_18 weights (torchvision .pth or its safetensors export) for the Kinetics baseline; null: not run. Default `null`. */
  kinetics: string | null;
  /** Imbalance study: lower positive fractions of the downstream training set (the natural one is always run). Default `[0.1,0.05]`. */
  positiveFractions: number[];
  /** Encoder starts of the imbalance study. Default `"byol-accum,random,kinetics"`. */
  imbalanceInits: string;
  /** Protocols of the imbalance study. Default `"finetune"`. */
  imbalanceProtocols: string;
  /** Planes: one plane, or all three plus MRNet-style fusion. Default `"sagittal"`. */
  planes: 'sagittal' | 'coronal' | 'axial' | 'all';
  /** Encoder starts of the plane study (planes=all). Default `"byol-accum,random,kinetics"`. */
  planeInits: string;
  /** Protocols of the plane study (planes=all). Default `"finetune,linear-probe"`. */
  planeProtocols: string;
  /** Online kNN monitor: every this many optimizer steps (0: off). Default `10`. */
  monitorEvery: number;
  /** Neighbours of the monitor's kNN classifier. Default `20`. */
  monitorK: number;
  /** Train exams in the monitor's kNN bank (at most; seeded subset). Default `256`. */
  monitorBank: number;
  /** Timed micro-batches per measurement of the time estimate (after one warm-up). Default `2`. */
  estimateSteps: number;
  /** Largest batch used for the time measurement (larger batches are scaled linearly). Default `2`. */
  estimateBatch: number;
  /** Demo data when no data.root is given: train exams (phantoms, generated into <out>/data). Default `120`. */
  demoExams: number;
  /** Demo data: valid (test) exams. Default `60`. */
  demoValidExams: number;
  /** Demo data: in-plane size in pixels. Default `32`. */
  demoSize: number;
}

/** The fields of the `reproduce` config section (merged into the experiment's schema). */
export const reproduceSchema = {
  seeds: { type: 'integer', default: 3, min: 1, max: 100, doc: 'Seeds per cell: seed, seed+1, ...' },
  methods: { type: 'string', default: 'byol-accum,byol-noaccum,simsiam,simclr', doc: 'Pretraining methods (byol-accum, byol-noaccum, simsiam, simclr).' },
  protocols: { type: 'string', default: 'finetune,linear-probe,knn', doc: 'Downstream protocols (finetune, linear-probe, knn).' },
  kinetics: { type: 'string?', default: null, doc: 'Kinetics-400 r3d_18 weights (torchvision .pth or its safetensors export) for the Kinetics baseline; null: not run.' },
  positiveFractions: { type: 'number[]', default: [0.1, 0.05], doc: 'Imbalance study: lower positive fractions of the downstream training set (the natural one is always run).' },
  imbalanceInits: { type: 'string', default: 'byol-accum,random,kinetics', doc: 'Encoder starts of the imbalance study.' },
  imbalanceProtocols: { type: 'string', default: 'finetune', doc: 'Protocols of the imbalance study.' },
  planes: { type: 'string', default: 'sagittal', enum: ['sagittal', 'coronal', 'axial', 'all'], doc: 'Planes: one plane, or all three plus MRNet-style fusion.' },
  planeInits: { type: 'string', default: 'byol-accum,random,kinetics', doc: 'Encoder starts of the plane study (planes=all).' },
  planeProtocols: { type: 'string', default: 'finetune,linear-probe', doc: 'Protocols of the plane study (planes=all).' },
  monitorEvery: { type: 'integer', default: 10, min: 0, doc: 'Online kNN monitor: every this many optimizer steps (0: off).' },
  monitorK: { type: 'integer', default: 20, min: 1, doc: "Neighbours of the monitor's kNN classifier." },
  monitorBank: { type: 'integer', default: 256, min: 2, doc: "Train exams in the monitor's kNN bank (at most; seeded subset)." },
  estimateSteps: { type: 'integer', default: 2, min: 1, doc: 'Timed micro-batches per measurement of the time estimate (after one warm-up).' },
  estimateBatch: { type: 'integer', default: 2, min: 2, doc: 'Largest batch used for the time measurement (larger batches are scaled linearly).' },
  demoExams: { type: 'integer', default: 120, min: 8, doc: 'Demo data when no data.root is given: train exams (phantoms, generated into <out>/data).' },
  demoValidExams: { type: 'integer', default: 60, min: 4, doc: 'Demo data: valid (test) exams.' },
  demoSize: { type: 'integer', default: 32, min: 16, doc: 'Demo data: in-plane size in pixels.' },
} as const satisfies Record<keyof ReproduceConfig, FieldSpec>;

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
