import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createVideoResNet, encodeSafetensors, readSafetensors, readTorchCheckpoint, type StateDict, type VideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import { Random } from '@byolmed3d/util';
import { writeFileAtomicSync } from '@byolmed3d/util/node';
import { ConfigError, type ExperimentConfig } from '../config/schema.js';
import type { TensorEntry } from '../run/checkpoint.js';
import { MRNET_MEAN, MRNET_STD } from './data.js';

/** Builds the configured encoder (no classifier; pooled features), its initial weights seeded by the run's seed. */
export function buildEncoder(cfg: ExperimentConfig): VideoResNet {
  return createVideoResNet(cfg.model.arch as VideoResNetArch, {
    numClasses: 0,
    widthMultiplier: cfg.model.widthMultiplier,
    norm: cfg.model.norm,
    inChannels: cfg.data.channels,
    seed: new Random(cfg.seed).fork('encoder').uint32(),
  });
}

/** File names of an exported encoder folder. */
export const EXPORT_WEIGHTS = 'model.safetensors';
/** See {@link EXPORT_WEIGHTS}: the description next to the weights. */
export const EXPORT_CONFIG = 'config.json';

/** Input normalisation of an exported encoder: `(x / scale - mean) / std`. */
export interface InputNormalization {
  /** Divisor of the stored voxel values (255 for uint8 MRI). */
  scale: number;
  /** Mean subtracted after scaling. */
  mean: number;
  /** Standard deviation divided by after that. */
  std: number;
}

/** What {@link loadEncoderWeights} reports. */
export interface LoadedWeights {
  /** Encoder keys the file did not have. */
  missing: string[];
  /** File keys the encoder does not have (a classifier `fc.*` is dropped before and not listed). */
  unexpected: string[];
  /** The export's `config.json`, when the weights were an export folder. */
  config: EncoderExportConfig | null;
}

/** The `config.json` of an exported encoder: what is needed to rebuild and feed it. */
export interface EncoderExportConfig {
  /** Always `'byolmed3d-encoder'`. */
  format: 'byolmed3d-encoder';
  /** torchvision architecture name (`r3d_18`, ...). */
  arch: string;
  /** Channel width multiplier (1 = torchvision's full width). */
  widthMultiplier: number;
  /** Normalisation layers (`batch` or `group`). */
  norm: string;
  /** Input channels. */
  inChannels: number;
  /** Pooled feature size. */
  featureDim: number;
  /** How inputs were normalised: `(x / scale - mean) / std`, x the stored voxel. */
  inputNormalization: InputNormalization;
  /** Input layout of the tfjs model (`NTHWC`); torchvision takes `NCTHW`. */
  layout: 'NTHWC';
  /** sha256 of the training configuration (the pretraining fields) that produced the weights. */
  configHash: string | null;
  /** Self-supervised method and optimizer steps, when known. */
  training: Record<string, unknown>;
}

/**
 * Exports an encoder as `model.safetensors` (torchvision state-dict names and
 * layouts, `fc` excluded, `num_batches_tracked` int64) plus
 * `config.json` ({@link EncoderExportConfig}) into `dir`, both atomically.
 * A full-width `r3d_18` export loads into torchvision's `r3d_18` whose `fc`
 * is replaced by `Identity` with `load_state_dict(strict=True)`. Reads the
 * weights synchronously; on GPU backends use {@link exportEncoderAsync}.
 */
export function exportEncoder(encoder: VideoResNet, dir: string, cfg: ExperimentConfig, info: { configHash: string | null; training?: Record<string, unknown> }): string {
  return writeExport(encoder.stateDict(), encoder.featureDim, dir, cfg, info);
}

/** {@link exportEncoder} with the weights read back asynchronously (the export path of GPU backends such as webgpu); same files. */
export async function exportEncoderAsync(encoder: VideoResNet, dir: string, cfg: ExperimentConfig, info: { configHash: string | null; training?: Record<string, unknown> }): Promise<string> {
  return writeExport(await encoder.stateDictAsync(), encoder.featureDim, dir, cfg, info);
}

function writeExport(sd: StateDict, featureDim: number, dir: string, cfg: ExperimentConfig, info: { configHash: string | null; training?: Record<string, unknown> }): string {
  for (const [name, e] of Object.entries(sd)) {
    if (!(e.data instanceof BigInt64Array)) {
      for (const v of e.data as Float32Array) if (!Number.isFinite(v)) throw new Error(`${join(dir, EXPORT_WEIGHTS)}: not exported: ${name} holds NaN or Inf`);
    }
  }
  mkdirSync(dir, { recursive: true });
  const meta: EncoderExportConfig = {
    format: 'byolmed3d-encoder',
    arch: cfg.model.arch,
    widthMultiplier: cfg.model.widthMultiplier,
    norm: cfg.model.norm,
    inChannels: cfg.data.channels,
    featureDim,
    inputNormalization: { scale: 255, mean: MRNET_MEAN / 255, std: MRNET_STD / 255 },
    layout: 'NTHWC',
    configHash: info.configHash,
    training: info.training ?? {},
  };
  writeFileAtomicSync(join(dir, EXPORT_WEIGHTS), encodeSafetensors(sd, { metadata: { format: 'pt', arch: meta.arch, producer: 'byolmed3d' } }));
  writeFileAtomicSync(join(dir, EXPORT_CONFIG), `${JSON.stringify(meta, null, 2)}\n`);
  return dir;
}

/** What {@link readEncoderWeights} reads. */
export interface EncoderWeights {
  /** The state dict (torchvision names, PyTorch layouts). */
  entries: StateDict;
  /** The export's `config.json`, when the path was an export folder. */
  config: EncoderExportConfig | null;
}

/** Reads weights from a `.pth`, a `.safetensors` or an exported encoder folder; returns the state dict and the export's config when there is one. */
export async function readEncoderWeights(path: string): Promise<EncoderWeights> {
  if (!existsSync(path)) throw new ConfigError('init.weights', `${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    const w = join(path, EXPORT_WEIGHTS);
    if (!existsSync(w)) throw new ConfigError('init.weights', `${path} is a folder without ${EXPORT_WEIGHTS} (an exported encoder has ${EXPORT_WEIGHTS} and ${EXPORT_CONFIG})`);
    const cfgFile = join(path, EXPORT_CONFIG);
    let config: EncoderExportConfig | null = null;
    if (existsSync(cfgFile)) {
      try {
        config = JSON.parse(readFileSync(cfgFile, 'utf8')) as EncoderExportConfig;
      } catch (err) {
        throw new Error(`${cfgFile}: not valid JSON: ${(err as Error).message}`, { cause: err });
      }
    }
    return { entries: await readSafetensors(w), config };
  }
  return { entries: path.endsWith('.safetensors') ? await readSafetensors(path) : await readTorchCheckpoint(path), config: null };
}

/**
 * Loads weights ({@link readEncoderWeights}) into `encoder`. With an export's
 * `config.json`, its architecture must match the configuration (a
 * {@link ConfigError} names the differing field). Returns how many keys were
 * missing or unexpected (a classifier `fc.*` is ignored).
 */
export async function loadEncoderWeights(path: string, encoder: VideoResNet, cfg: ExperimentConfig, strict: boolean): Promise<LoadedWeights> {
  const { entries, config } = await readEncoderWeights(path);
  if (config) {
    const want: [string, unknown, unknown][] = [
      ['model.arch', config.arch, cfg.model.arch],
      ['model.widthMultiplier', config.widthMultiplier, cfg.model.widthMultiplier],
      ['model.norm', config.norm, cfg.model.norm],
      ['data.channels', config.inChannels, cfg.data.channels],
    ];
    for (const [field, got, expected] of want) if (got !== expected) throw new ConfigError(field, `is ${JSON.stringify(expected)} but the weights in ${path} were trained with ${JSON.stringify(got)}`);
  }
  const sd = Object.fromEntries(Object.entries(entries).filter(([k]) => !k.startsWith('fc.')));
  const r = encoder.loadStateDict(sd as Parameters<VideoResNet['loadStateDict']>[0], { strict });
  return { missing: r.missingKeys, unexpected: r.unexpectedKeys, config };
}

/** Copies tensors out as checkpoint entries (prefix + name). */
export async function tensorsToEntries(prefix: string, list: { name: string; tensor: tf.Tensor }[], dispose: boolean): Promise<Record<string, TensorEntry>> {
  const out: Record<string, TensorEntry> = {};
  for (const { name, tensor } of list) {
    const dtype = tensor.dtype === 'int32' || tensor.dtype === 'bool' ? tensor.dtype : 'float32';
    out[`${prefix}${name}`] = { shape: [...tensor.shape], data: Float32Array.from(await tensor.data()), dtype };
    if (dispose) tensor.dispose();
  }
  return out;
}

/** Entries under `prefix` as named tensors (the caller disposes them). */
export function entriesToTensors(prefix: string, tensors: Record<string, TensorEntry>): { name: string; tensor: tf.Tensor }[] {
  const out: { name: string; tensor: tf.Tensor }[] = [];
  for (const [k, t] of Object.entries(tensors)) {
    if (!k.startsWith(prefix)) continue;
    out.push({ name: k.slice(prefix.length), tensor: tf.tensor(t.data, t.shape, t.dtype ?? 'float32') });
  }
  // tfjs optimizers expect their iteration counter first.
  const iter = out.findIndex((e) => e.name === 'iter' || e.name.endsWith('/iter'));
  if (iter > 0) out.unshift(...out.splice(iter, 1));
  return out;
}
