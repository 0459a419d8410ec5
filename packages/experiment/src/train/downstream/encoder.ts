import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { VideoResNet } from '@byolmed3d/resnet3d';
import { ConfigError, type ExperimentConfig } from '../../config/schema.js';
import type { RunLogger } from '../../run/logger.js';
import { buildEncoder, loadEncoderWeights, EXPORT_WEIGHTS } from '../models.js';
import { encoderExportDir } from '../pretrain.js';

/** An encoder ready for a downstream protocol. */
export interface InitializedEncoder {
  /** The encoder (the caller disposes it). */
  encoder: VideoResNet;
  /** How it was initialised (`byol`, `random`, `weights`...). */
  init: string;
}

/** Builds the downstream encoder from `init.kind`: this (or another) run's exported pretraining, random, or weights (`.pth`, `.safetensors`, an export folder). */
export async function initEncoder(cfg: ExperimentConfig, runDir: string, log: RunLogger): Promise<InitializedEncoder> {
  const encoder = buildEncoder(cfg);
  try {
    const kind = cfg.init.kind;
    if (kind === 'random') return { encoder, init: 'random' };
    if (kind === 'weights') {
      const file = cfg.init.weights as string;
      const r = await loadEncoderWeights(file, encoder, cfg, false);
      log.info(`loaded ${file}: ${r.missing.length} missing, ${r.unexpected.length} unexpected keys`);
      return { encoder, init: 'weights' };
    }
    const dir = encoderExportDir(cfg.init.from ?? runDir);
    if (!existsSync(join(dir, EXPORT_WEIGHTS))) throw new ConfigError(cfg.init.from ? 'init.from' : 'init.kind', `${dir}: no pretrained encoder (run 'byolmed3d pretrain' first, or set init.kind=random)`);
    const r = await loadEncoderWeights(dir, encoder, cfg, true);
    return { encoder, init: String(r.config?.training.method ?? 'pretrained') };
  } catch (err) {
    encoder.dispose();
    throw err;
  }
}
