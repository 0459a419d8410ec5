// Generated from configSchema by configTypesSource() (src/config/io.ts); do not edit. A test checks it is current.

/** The `data` section of an {@link ExperimentConfig}. */
export interface DataConfig {
  /** MRNet-v1.0 folder (train/, valid/, label CSVs); the demo set works the same. Default `null`. */
  root: string | null;
  /** Plane used for pretraining and single-plane models. Default `"sagittal"`. */
  plane: 'sagittal' | 'coronal' | 'axial';
  /** Downstream label. Default `"acl"`. */
  task: 'acl' | 'meniscus' | 'abnormal';
  /** Fraction of train exams held out (seeded, stratified) for validation. Default `0.1`. */
  valFraction: number;
  /** Frames (slices) per clip. Default `16`. */
  frames: number;
  /** Spatial crop size of a clip (pixels). Default `224`. */
  crop: number;
  /** Resize slices to this size before cropping (0: keep, MRNet 256). Default `0`. */
  resize: number;
  /** Input channels (grey slices repeated): 1 or 3 (3 for Kinetics weights). Default `3`. */
  channels: number;
  /** Clips per exam averaged at test time. Default `5`. */
  testClips: number;
  /** Imbalance sweep: subsample downstream training positives to this prevalence (0: keep). Default `0`. */
  positiveFraction: number;
  /** Largest decoded exam accepted (MB); checked from file headers before anything is inflated. Default `2048`. */
  maxMB: number;
}

/** The `model` section of an {@link ExperimentConfig}. */
export interface ModelConfig {
  /** Encoder architecture (torchvision names). Default `"r3d_18"`. */
  arch: 'r3d_18' | 'mc3_18' | 'r2plus1d_18' | 'r3d_34';
  /** Channel width multiplier (1/8, 1/16 for fast CPU runs). Default `1`. */
  widthMultiplier: number;
  /** Normalisation layers of the encoder. Default `"batch"`. */
  norm: 'batch' | 'group';
}

/** The `pretrain` section of an {@link ExperimentConfig}. */
export interface PretrainConfig {
  /** Self-supervised objective. Default `"byol"`. */
  method: 'byol' | 'simsiam' | 'simclr';
  /** Pretraining epochs over the train part. Default `100`. */
  epochs: number;
  /** Clips per micro-batch (what fits in memory; at least 2 for the batch statistics). Default `8`. */
  microBatch: number;
  /** Micro-batches per optimizer step (effective batch = microBatch x accumulation). Default `8`. */
  accumulation: number;
  /** Optimizer of pretraining (LARS as in BYOL, AdamW, or SGD with momentum 0.9). Default `"lars"`. */
  optimizer: 'lars' | 'adamw' | 'sgd';
  /** Peak learning rate (LARS 0.3 in the seed paper). Default `0.3`. */
  lr: number;
  /** Weight decay. Default `0.000001`. */
  weightDecay: number;
  /** Linear warmup optimizer steps before the cosine decay. Default `10`. */
  warmupSteps: number;
  /** BYOL target EMA base rate (cosine schedule to 1 over optimizer steps). Default `0.99`. */
  tauBase: number;
  /** Projector (and predictor) hidden size. Default `2048`. */
  projectorHidden: number;
  /** Projection size. Default `128`. */
  projectorOut: number;
  /** SimCLR NT-Xent temperature. Default `0.1`. */
  temperature: number;
  /** Two-view augmentation: augment3d's byolMed3dViews (seed paper) or byolViews (BYOL paper). Default `"byolmed3d"`. */
  views: 'byolmed3d' | 'byol';
  /** Random resized crop: smallest area fraction. Default `0.5`. */
  minScale: number;
  /** Optimizer steps between checkpoints. Default `20`. */
  checkpointEvery: number;
  /** Checkpoints of this run kept (the newest; the last finite one is never pruned). Default `2`. */
  keepCheckpoints: number;
}

/** The `finetune` section of an {@link ExperimentConfig}. */
export interface FinetuneConfig {
  /** Fine-tuning epochs. Default `30`. */
  epochs: number;
  /** Fine-tuning batch size (also the batch of feature extraction). Default `8`. */
  batch: number;
  /** AdamW learning rate of the head (the encoder gets lr x encoderLrScale). Default `0.0001`. */
  lr: number;
  /** Encoder learning-rate multiplier (0 freezes it). Default `1`. */
  encoderLrScale: number;
  /** AdamW weight decay. Default `0.0001`. */
  weightDecay: number;
  /** Weight the loss by inverse class frequency. Default `true`. */
  balanced: boolean;
}

/** The `probe` section of an {@link ExperimentConfig}. */
export interface ProbeConfig {
  /** Inverse L2 strengths (scikit-learn C) tried by the linear probe; the best on validation AUC wins. Default `[0.001,0.01,0.1,1,10]`. */
  C: number[];
  /** Neighbours of the kNN classifier (cosine). Default `20`. */
  k: number;
}

/** The `evaluate` section of an {@link ExperimentConfig}. */
export interface EvaluateConfig {
  /** Bootstrap resamples for the 95% CIs of threshold metrics. Default `1000`. */
  bootstrap: number;
}

/** The `init` section of an {@link ExperimentConfig}. */
export interface InitConfig {
  /** Downstream encoder start: this run's pretraining, random, or a weights file. Default `"pretrained"`. */
  kind: 'pretrained' | 'random' | 'weights';
  /** Weights for kind=weights: a .pth or .safetensors file, or an exported encoder folder (model.safetensors + config.json). Default `null`. */
  weights: string | null;
  /** Run directory whose pretrained encoder is used (default this run). Default `null`. */
  from: string | null;
  /** Method label in the report (default derived). Default `null`. */
  label: string | null;
}

/** The `report` section of an {@link ExperimentConfig}. */
export interface ReportConfig {
  /** Comma-separated run directories to include (default this run). Default `null`. */
  runs: string | null;
}

/** The `reproduce` section of an {@link ExperimentConfig}. */
export interface ReproduceConfig {
  /** Seeds per cell: seed, seed+1, ... Default `3`. */
  seeds: number;
  /** Pretraining methods (byol-accum, byol-noaccum, simsiam, simclr). Default `"byol-accum,byol-noaccum,simsiam,simclr"`. */
  methods: string;
  /** Downstream protocols (finetune, linear-probe, knn). Default `"finetune,linear-probe,knn"`. */
  protocols: string;
  /** Kinetics-400 r3d_18 weights (torchvision r3d_18-b3b3357e.pth or its safetensors export) for the Kinetics baseline; null: not run. Default `null`. */
  kinetics: string | null;
  /** Imbalance study: lower positive fractions of the downstream training set (the natural one is always run). Default `[0.1,0.05]`. */
  positiveFractions: number[];
  /** Encoder starts of the imbalance study. Default `"byol-accum,random,kinetics"`. */
  imbalanceInits: string;
  /** Protocols of the imbalance study. Default `"finetune"`. */
  imbalanceProtocols: string;
  /** Planes: one plane, or all three plus MRNet-style fusion (logistic regression on per-plane probabilities, fitted on validation). Default `"sagittal"`. */
  planes: 'sagittal' | 'coronal' | 'axial' | 'all';
  /** Encoder starts of the plane study (planes=all). Default `"byol-accum,random,kinetics"`. */
  planeInits: string;
  /** Protocols of the plane study (planes=all). Default `"finetune,linear-probe"`. */
  planeProtocols: string;
  /** Online kNN monitor during pretraining: every this many optimizer steps (0: off). Default `10`. */
  monitorEvery: number;
  /** Neighbours of the monitor's kNN classifier. Default `20`. */
  monitorK: number;
  /** Train exams in the monitor's kNN bank (at most; seeded subset). Default `256`. */
  monitorBank: number;
  /** Timed repetitions of each unit of work for the time estimate (after one warm-up). Default `2`. */
  estimateSteps: number;
  /** Largest batch used for the time measurement (larger batches are scaled linearly). Default `2`. */
  estimateBatch: number;
  /** Demo data when no data.root is given (--preset demo): train exams, generated into <out>/data. Default `120`. */
  demoExams: number;
  /** Demo data: valid (test) exams. Default `60`. */
  demoValidExams: number;
  /** Demo data: in-plane size in pixels. Default `32`. */
  demoSize: number;
}

/** The effective experiment configuration: the output type of `configSchema` (defaults: `defaultConfig()`). */
export interface ExperimentConfig {
  /** Run name; the run directory is <runsDir>/<name>. Default `"mrnet-byol"`. */
  name: string;
  /** Parent folder of run directories. Default `"runs"`. */
  runsDir: string;
  /** Seed of every random choice (splits, order, augmentation, init); an integer up to 2^53 - 1. Default `0`. */
  seed: number;
  /** tfjs backend; auto picks the fastest present. Default `"auto"`. */
  backend: 'auto' | 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'onednn' | 'portable' | 'cpu' | 'wasm';
  /** Compute precision of the kernels (auto: the backend decides; fp32; bf16 where the backend supports it). Default `"auto"`. */
  precision: 'auto' | 'fp32' | 'bf16';
  /** Threads for native kernels (0: all cores). Default `0`. */
  threads: number;
  /** Stop at the first unreadable exam instead of skipping it with a warning. Default `false`. */
  strict: boolean;
  /** data settings. */
  data: DataConfig;
  /** model settings. */
  model: ModelConfig;
  /** pretrain settings. */
  pretrain: PretrainConfig;
  /** finetune settings. */
  finetune: FinetuneConfig;
  /** probe settings. */
  probe: ProbeConfig;
  /** evaluate settings. */
  evaluate: EvaluateConfig;
  /** init settings. */
  init: InitConfig;
  /** report settings. */
  report: ReportConfig;
  /** reproduce settings. */
  reproduce: ReproduceConfig;
}
