import type { ConfigInput } from './schema.js';
import { reproducePresets } from '../reproduce/presets.js';

/**
 * Named presets merged over the defaults before a config file and flags:
 * `quickstart` (the CPU demo run of `byolmed3d quickstart`) and `tiny` (the
 * end-to-end test's run). Values chosen by measurement on 2 CPU cores with
 * the pure tfjs cpu backend; `demo` and `paper` are the plans of
 * `byolmed3d reproduce` (see its guide).
 */
export const presets: Record<string, ConfigInput> = {
  quickstart: {
    name: 'quickstart',
    data: { frames: 8, crop: 24, resize: 0, channels: 1, testClips: 2, valFraction: 0.2 },
    model: { arch: 'r3d_18', widthMultiplier: 0.0625 },
    pretrain: { method: 'byol', epochs: 10, microBatch: 8, accumulation: 2, optimizer: 'lars', lr: 0.3, weightDecay: 1e-6, warmupSteps: 3, tauBase: 0.99, projectorHidden: 256, projectorOut: 64, checkpointEvery: 5, minScale: 0.5 },
    finetune: { epochs: 4, batch: 8, lr: 1e-3, encoderLrScale: 0.1, weightDecay: 1e-4 },
    evaluate: { bootstrap: 500 },
  },
  tiny: {
    name: 'tiny',
    data: { frames: 4, crop: 16, resize: 0, channels: 1, testClips: 2, valFraction: 0.25 },
    model: { arch: 'r3d_18', widthMultiplier: 0.0625 },
    pretrain: { method: 'byol', epochs: 2, microBatch: 2, accumulation: 2, optimizer: 'lars', lr: 0.1, warmupSteps: 1, projectorHidden: 32, projectorOut: 16, checkpointEvery: 1 },
    finetune: { epochs: 1, batch: 4, lr: 1e-3 },
    probe: { C: [0.1, 1], k: 3 },
    evaluate: { bootstrap: 50 },
  },
  ...reproducePresets,
};

/** Demo dataset sizes of a preset. */
export interface DemoPreset {
  /** Train exams. */
  trainExams: number;
  /** Valid (test) exams. */
  validExams: number;
  /** In-plane size. */
  size: number;
  /** Slice-count range. */
  slices: [number, number];
}

/** Demo dataset sizes that go with each preset (see {@link DemoPreset}). */
export const demoPresets: Record<string, DemoPreset> = {
  quickstart: { trainExams: 120, validExams: 60, size: 32, slices: [12, 18] },
  tiny: { trainExams: 16, validExams: 8, size: 24, slices: [6, 8] },
};
