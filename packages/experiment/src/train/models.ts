import * as tf from '@tensorflow/tfjs-core';
import { createVideoResNet, type VideoResNet, type VideoResNetArch } from '@byolmed3d/resnet3d';
import type { ExperimentConfig } from '../config/schema.js';
import { loadCheckpoint, saveCheckpoint, type TensorEntry } from '../run/checkpoint.js';

/** Builds the configured encoder (no classifier; pooled features), seeded. */
export function buildEncoder(cfg: ExperimentConfig, seed: number): VideoResNet {
  return createVideoResNet(cfg.model.arch as VideoResNetArch, {
    numClasses: 0,
    widthMultiplier: cfg.model.widthMultiplier,
    norm: cfg.model.norm as 'batch' | 'group',
    inChannels: cfg.data.channels,
    seed,
  });
}

/** Saves an encoder's torchvision-named state dict (float32) to a checksummed file. */
export function saveEncoder(path: string, encoder: VideoResNet, state: Record<string, unknown> = {}): void {
  const tensors: Record<string, TensorEntry> = {};
  for (const [name, e] of Object.entries(encoder.stateDict())) {
    tensors[name] = { shape: [...e.shape], data: Float32Array.from(e.data as ArrayLike<number>, Number) };
  }
  saveCheckpoint(path, { state: { kind: 'encoder', ...state }, tensors });
}

/** Loads weights saved by {@link saveEncoder} into `encoder`. */
export function loadEncoder(path: string, encoder: VideoResNet): Record<string, unknown> {
  const ck = loadCheckpoint(path);
  const entries: Record<string, { shape: number[]; data: ArrayLike<number> | BigInt64Array }> = {};
  for (const [name, t] of Object.entries(ck.tensors)) {
    entries[name] = name.endsWith('num_batches_tracked') ? { shape: t.shape, data: BigInt64Array.from(Array.from(t.data), (v) => BigInt(Math.round(v))) } : t;
  }
  encoder.loadStateDict(entries, { strict: true });
  return ck.state;
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
    const name = k.slice(prefix.length);
    out.push({ name, tensor: tf.tensor(t.data, t.shape, t.dtype ?? 'float32') });
  }
  // tfjs optimizers expect their iteration counter first.
  const iter = out.findIndex((e) => e.name === 'iter' || e.name.endsWith('/iter'));
  if (iter > 0) out.unshift(...out.splice(iter, 1));
  return out;
}
