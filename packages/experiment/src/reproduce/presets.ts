import type { ConfigInput } from '../config/schema.js';

/**
 * Presets of `byolmed3d reproduce` (also usable with every other command):
 * `demo` runs the whole plan on the bundled phantom data in minutes on two
 * CPU cores; `paper` is the seed paper's protocol at full scale for MRNet
 * (the schema's defaults, which are that protocol, plus the plan).
 */
export const reproducePresets: Record<string, ConfigInput> = {
  demo: {
    name: 'reproduce-demo',
    data: { frames: 8, crop: 24, resize: 0, channels: 1, testClips: 2, valFraction: 0.2 },
    model: { arch: 'r3d_18', widthMultiplier: 0.0625 },
    pretrain: { epochs: 5, microBatch: 8, accumulation: 2, optimizer: 'lars', lr: 0.3, weightDecay: 1e-6, warmupSteps: 3, tauBase: 0.99, projectorHidden: 256, projectorOut: 64, checkpointEvery: 5, minScale: 0.5 },
    finetune: { epochs: 4, batch: 8, lr: 1e-3, encoderLrScale: 0.1, weightDecay: 1e-4 },
    probe: { k: 10 },
    evaluate: { bootstrap: 300 },
    reproduce: { seeds: 3, planes: 'all', monitorEvery: 3, monitorK: 10, monitorBank: 96, estimateSteps: 2, estimateBatch: 8 },
  },
  paper: {
    name: 'reproduce-paper',
    reproduce: { seeds: 3, planes: 'sagittal', monitorEvery: 100, monitorK: 20, monitorBank: 256 },
  },
};
