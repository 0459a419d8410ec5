import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJsonFileSync, removeStaleTemps, writeFileAtomicSync } from '@byolmed3d/util/node';
import { CONFIG_SCHEMA_FILE, configToYaml } from '../config/io.js';
import { ConfigError, configJsonSchema, type ExperimentConfig } from '../config/schema.js';

/**
 * Gets a run directory ready before anything is computed: creates it,
 * proves it writable (a read-only folder fails here, naming it, not after a
 * training step), and removes the temp files (`*.tmp-PID...`) that killed
 * writers left in it and its sub-folders down to `depth` levels (default 2:
 * `pretrain/encoder/`; a reproduce folder needs 4). Returns the removed temps.
 */
export function prepareRunDir(runDir: string, depth = 2): string[] {
  try {
    mkdirSync(runDir, { recursive: true });
    writeFileAtomicSync(join(runDir, '.writable'), '', { fsync: false });
    rmSync(join(runDir, '.writable'), { force: true });
  } catch (err) {
    throw new ConfigError('--run', `${resolve(runDir)} is not a writable folder: ${(err as Error).message}`, { cause: err });
  }
  const removed: string[] = [];
  const walk = (dir: string, depth: number): void => {
    removed.push(...removeStaleTemps(dir));
    if (depth === 0) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name), depth - 1);
  };
  walk(runDir, depth);
  return removed;
}

/** Writes a run's effective `config.yaml` (first line: the yaml-language-server schema pointer) and `config.schema.json` beside it, atomically. */
export function writeRunConfig(runDir: string, config: ExperimentConfig): void {
  writeFileAtomicSync(join(runDir, CONFIG_SCHEMA_FILE), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  writeFileAtomicSync(join(runDir, 'config.yaml'), configToYaml(config));
}

/** Writes JSON atomically (temp file, fsync, rename); errors name the file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomicSync(path, `${JSON.stringify(value)}\n`);
}

/** Reads a JSON file; a missing, truncated or corrupt file raises an error naming it. */
export function readJson(path: string): unknown {
  return readJsonFileSync(path);
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

/**
 * The fields that decide what pretraining computes (seed, data, model,
 * pretrain; not the backend, checkpoint cadence or downstream settings),
 * flattened to dotted paths.
 */
export function pretrainFields(cfg: ExperimentConfig): Record<string, unknown> {
  const { checkpointEvery: _c, keepCheckpoints: _k, ...pretrain } = cfg.pretrain;
  const { positiveFraction: _p, testClips: _t, ...data } = cfg.data;
  const picked = { seed: cfg.seed, data: { ...data, root: data.root === null ? null : resolve(data.root) }, model: cfg.model, pretrain };
  const flat: Record<string, unknown> = {};
  const walk = (o: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, `${prefix}${k}.`);
      else flat[`${prefix}${k}`] = v;
    }
  };
  walk(picked as Record<string, unknown>, '');
  return flat;
}

/** sha256 (hex) of {@link pretrainFields}: the pretraining's config hash, stored in its checkpoints and export. */
export function pretrainConfigHash(cfg: ExperimentConfig): string {
  return createHash('sha256').update(JSON.stringify(canonical(pretrainFields(cfg)))).digest('hex');
}

/** Fields whose values differ between two {@link pretrainFields} records. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** True when `path` exists and is a non-empty file. */
export function nonEmptyFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile() && statSync(path).size > 0;
}

/** Reads a text file, naming it in the error. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read: ${(err as Error).message}`, { cause: err });
  }
}
