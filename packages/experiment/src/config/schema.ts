import * as z from 'zod';
import { reproduceSection } from '../reproduce/config.js';

const int = (min: number, def: number, doc: string, max?: number): z.ZodDefault<z.ZodNumber> => {
  let t = z.int().min(min);
  if (max !== undefined) t = t.max(max);
  return t.default(def).describe(doc);
};
const num = (min: number, def: number, doc: string, max?: number): z.ZodDefault<z.ZodNumber> => {
  let t = z.number().min(min);
  if (max !== undefined) t = t.max(max);
  return t.default(def).describe(doc);
};
const str = (def: string, doc: string): z.ZodDefault<z.ZodString> => z.string().min(1).default(def).describe(doc);
const optStr = (doc: string): z.ZodDefault<z.ZodNullable<z.ZodString>> => z.string().nullable().default(null).describe(doc);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, def: T[number], doc: string) => z.enum(values).default(def as never).describe(doc);
const flag = (def: boolean, doc: string): z.ZodDefault<z.ZodBoolean> => z.boolean().default(def).describe(doc);
const section = <S extends z.core.$ZodLooseShape>(shape: S, doc: string) => z.strictObject(shape).prefault({} as never).describe(doc);

/** Largest seed accepted: seeds are exact integers (2^53 - 1). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

const schema = z.strictObject({
  name: str('mrnet-byol', 'Run name; the run directory is <runsDir>/<name>.'),
  runsDir: str('runs', 'Parent folder of run directories.'),
  seed: int(0, 0, 'Seed of every random choice (splits, order, augmentation, init); an integer up to 2^53 - 1.', MAX_SEED),
  backend: oneOf(['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'onednn', 'portable', 'cpu', 'wasm'], 'auto', 'tfjs backend; auto picks the fastest present.'),
  precision: oneOf(['auto', 'fp32', 'bf16'], 'auto', 'Compute precision of the kernels (auto: the backend decides; fp32; bf16 where the backend supports it).'),
  threads: int(0, 0, 'Threads for native kernels (0: all cores).'),
  strict: flag(false, 'Stop at the first unreadable exam instead of skipping it with a warning.'),
  data: section(
    {
      root: optStr('MRNet-v1.0 folder (train/, valid/, label CSVs); the demo set works the same.'),
      plane: oneOf(['sagittal', 'coronal', 'axial'], 'sagittal', 'Plane used for pretraining and single-plane models.'),
      task: oneOf(['acl', 'meniscus', 'abnormal'], 'acl', 'Downstream label.'),
      valFraction: num(0.01, 0.1, 'Fraction of train exams held out (seeded, stratified) for validation.', 0.9),
      frames: int(1, 16, 'Frames (slices) per clip.'),
      crop: int(8, 224, 'Spatial crop size of a clip (pixels).'),
      resize: int(0, 0, 'Resize slices to this size before cropping (0: keep, MRNet 256).'),
      channels: int(1, 3, 'Input channels (grey slices repeated): 1 or 3 (3 for Kinetics weights).', 3),
      testClips: int(1, 5, 'Clips per exam averaged at test time.'),
      positiveFraction: num(0, 0, 'Imbalance sweep: subsample downstream training positives to this prevalence (0: keep).', 0.99),
      maxMB: int(1, 2048, 'Largest decoded exam accepted (MB); checked from file headers before anything is inflated.'),
    },
    'Dataset and clips.',
  ),
  model: section(
    {
      arch: oneOf(['r3d_18', 'mc3_18', 'r2plus1d_18', 'r3d_34'], 'r3d_18', 'Encoder architecture (torchvision names).'),
      widthMultiplier: num(0.01, 1, 'Channel width multiplier (1/8, 1/16 for fast CPU runs).', 4),
      norm: oneOf(['batch', 'group'], 'batch', 'Normalisation layers of the encoder.'),
    },
    'Encoder.',
  ),
  pretrain: section(
    {
      method: oneOf(['byol', 'simsiam', 'simclr'], 'byol', 'Self-supervised objective.'),
      epochs: int(0, 100, 'Pretraining epochs over the train part.'),
      microBatch: int(2, 8, 'Clips per micro-batch (what fits in memory; at least 2 for the batch statistics).'),
      accumulation: int(1, 8, 'Micro-batches per optimizer step (effective batch = microBatch x accumulation).'),
      optimizer: oneOf(['lars', 'adamw', 'sgd'], 'lars', 'Optimizer of pretraining (LARS as in BYOL, AdamW, or SGD with momentum 0.9).'),
      lr: num(0, 0.3, 'Peak learning rate (LARS 0.3 in the seed paper).'),
      weightDecay: num(0, 1e-6, 'Weight decay.'),
      warmupSteps: int(0, 10, 'Linear warmup optimizer steps before the cosine decay.'),
      tauBase: num(0, 0.99, 'BYOL target EMA base rate (cosine schedule to 1 over optimizer steps).', 1),
      projectorHidden: int(1, 2048, 'Projector (and predictor) hidden size.'),
      projectorOut: int(1, 128, 'Projection size.'),
      temperature: num(1e-4, 0.1, 'SimCLR NT-Xent temperature.'),
      views: oneOf(['byolmed3d', 'byol'], 'byolmed3d', "Two-view augmentation: augment3d's byolMed3dViews (seed paper) or byolViews (BYOL paper)."),
      minScale: num(0.05, 0.5, 'Random resized crop: smallest area fraction.', 1),
      checkpointEvery: int(1, 20, 'Optimizer steps between checkpoints.'),
      keepCheckpoints: int(1, 2, 'Checkpoints of this run kept (the newest; the last finite one is never pruned).'),
    },
    'Self-supervised pretraining.',
  ),
  finetune: section(
    {
      epochs: int(0, 30, 'Fine-tuning epochs.'),
      batch: int(2, 8, 'Fine-tuning batch size (also the batch of feature extraction).'),
      lr: num(0, 1e-4, 'AdamW learning rate of the head (the encoder gets lr x encoderLrScale).'),
      encoderLrScale: num(0, 1, 'Encoder learning-rate multiplier (0 freezes it).'),
      weightDecay: num(0, 1e-4, 'AdamW weight decay.'),
      balanced: flag(true, 'Weight the loss by inverse class frequency.'),
    },
    'Supervised fine-tuning.',
  ),
  probe: section(
    {
      C: z.array(z.number().positive()).min(1).default([0.001, 0.01, 0.1, 1, 10]).describe('Inverse L2 strengths (scikit-learn C) tried by the linear probe; the best on validation AUC wins.'),
      k: int(1, 20, 'Neighbours of the kNN classifier (cosine).'),
    },
    'Linear probe and kNN on frozen features.',
  ),
  evaluate: section({ bootstrap: int(0, 1000, 'Bootstrap resamples for the 95% CIs of threshold metrics.') }, 'Metrics.'),
  init: section(
    {
      kind: oneOf(['pretrained', 'random', 'weights'], 'pretrained', "Downstream encoder start: this run's pretraining, random, or a weights file."),
      weights: optStr('Weights for kind=weights: a .pth or .safetensors file, or an exported encoder folder (model.safetensors + config.json).'),
      from: optStr('Run directory whose pretrained encoder is used (default this run).'),
      label: optStr('Method label in the report (default derived).'),
    },
    'Downstream encoder start.',
  ),
  report: section({ runs: optStr('Comma-separated run directories to include (default this run).') }, 'Report.'),
  reproduce: reproduceSection,
});

/** The zod type of {@link configSchema}: parses a {@link ConfigInput} into an {@link ExperimentConfig}. */
export type ConfigSchema = z.ZodType<ExperimentConfig, ConfigInput>;

/**
 * The configuration schema of an experiment (zod 4): every field with its
 * type, bounds, default (the seed paper's MRNet reference run) and doc line.
 * {@link ExperimentConfig} is its output type, {@link defaultConfig} its
 * parse of `{}`, and `config.schema.json` (written beside every run's
 * `config.yaml`) its JSON Schema.
 *
 * Sections: `data` (dataset, clips), `model` (encoder), `pretrain`
 * (self-supervised run), `finetune`, `probe` (linear probe and kNN),
 * `evaluate`, `init` (downstream encoder start), `report`, `reproduce` (the
 * plan of `byolmed3d reproduce`).
 */
export const configSchema: ConfigSchema = schema;

import type { ExperimentConfig } from './types.js';

export type { ExperimentConfig, DataConfig, ModelConfig, PretrainConfig, FinetuneConfig, ProbeConfig, EvaluateConfig, InitConfig, ReportConfig, ReproduceConfig } from './types.js';

// The documented interfaces of types.ts are generated from the schema; the compiler checks they are its output type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesMatchSchema: Same<ExperimentConfig, z.output<typeof schema>> = true;
void typesMatchSchema;

/** `T` with every field optional, at every depth (arrays stay whole). */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
/** A configuration as written in a file or a preset: every field optional (what {@link configSchema} parses). */
export type ConfigInput = DeepPartial<ExperimentConfig>;

/** A configuration problem (a user mistake): names the field path, the flag when one was given, and what is wrong. The CLI exits 2 on it. */
export class ConfigError extends Error {
  /** Always `'ConfigError'`. */
  override readonly name = 'ConfigError';
  /** Dotted path of the offending field or the flag (empty for file-level problems). */
  readonly where: string;
  /** What is wrong. */
  readonly reason: string;

  /**
   * @param where dotted field path or `--flag`
   * @param reason what is wrong
   * @param options `cause`
   */
  constructor(where: string, reason: string, options?: { cause?: unknown }) {
    super(where ? `config: ${where}: ${reason}` : `config: ${reason}`, options);
    this.where = where;
    this.reason = reason;
  }

  /** Dotted path of the offending field (same as {@link ConfigError.where}). */
  get path(): string {
    return this.where;
  }
}

/** The default configuration (`configSchema.parse({})`). */
export function defaultConfig(): ExperimentConfig {
  return schema.parse({});
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Deep-merges plain objects (`over` wins; arrays and leaves replace). */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function describeValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? String(v);
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let cur = obj;
  for (const p of path) cur = isObject(cur) || Array.isArray(cur) ? (cur as Record<PropertyKey, unknown>)[p] : undefined;
  return cur;
}

/** Validates a whole configuration against {@link configSchema}; the first problem raises a {@link ConfigError} naming the field. */
export function parseConfig(input: unknown): ExperimentConfig {
  const r = schema.safeParse(input ?? {});
  if (r.success) {
    checkConsistency(r.data);
    return r.data;
  }
  const issue = r.error.issues[0] as z.core.$ZodIssue;
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = [...issue.path, issue.keys[0]].join('.');
    const node = fieldNode(issue.path.join('.'));
    const known = node instanceof z.ZodObject ? Object.keys(node.shape).join(', ') : '';
    throw new ConfigError(where, `unknown field${known ? ` (known here: ${known})` : ''}`);
  }
  throw new ConfigError(path, issueReason(issue, valueAt(input, issue.path)));
}

const KIND: Record<string, string> = { number: 'a number', int: 'an integer', string: 'a string', boolean: 'true or false', array: 'a list', object: 'a mapping' };

/** A zod issue in the project's words: what was expected and what was given. */
function issueReason(issue: z.core.$ZodIssue, got: unknown): string {
  const given = describeValue(got);
  switch (issue.code) {
    case 'invalid_type':
      if (typeof got === 'number' && !Number.isFinite(got)) return `expected a finite number, got ${String(got)}`;
      if (issue.expected === 'int' && typeof got === 'number') return `expected an integer, got ${given}`;
      return `expected ${KIND[issue.expected] ?? issue.expected}, got ${given}`;
    case 'too_small':
      return issue.origin === 'array' ? `needs at least ${String(issue.minimum)} value(s)` : `must be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}, got ${given}`;
    case 'too_big':
      if (Number(issue.maximum) === MAX_SEED) return `must be an integer <= 2^53 - 1 (${MAX_SEED}), got ${given}`;
      return `must be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}, got ${given}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}, got ${given}`;
    default:
      return `${issue.message}, got ${given}`;
  }
}

/** Cross-field checks that the per-field schema cannot express. */
function checkConsistency(c: ExperimentConfig): void {
  if (c.data.channels === 2) throw new ConfigError('data.channels', 'must be 1 (grey) or 3 (grey repeated, as Kinetics weights expect), got 2');
  if (c.init.kind === 'weights' && c.init.weights === null) throw new ConfigError('init.weights', 'init.kind=weights needs init.weights (a .pth/.safetensors file or an exported encoder folder)');
}

/**
 * Merges `partial` (parsed from a file or flags) over `base` and validates
 * the result: unknown keys, wrong types and out-of-range values raise a
 * {@link ConfigError} naming the field.
 */
export function mergeConfig(base: ExperimentConfig, partial: unknown): ExperimentConfig {
  if (partial === null || partial === undefined) return base;
  if (!isObject(partial)) throw new ConfigError('', `expected a mapping, got ${describeValue(partial)}`);
  return parseConfig(deepMerge(base, partial));
}

/** The schema node at a dotted path (a section, a field with its default wrapper), or undefined. */
function fieldNode(path: string): z.ZodType | undefined {
  let node: z.ZodType = schema;
  if (path === '') return node;
  for (const part of path.split('.')) {
    const obj = unwrapObject(node);
    if (!obj) return undefined;
    const next = (obj.shape as Record<string, z.ZodType>)[part];
    if (!next) return undefined;
    node = next;
  }
  return node;
}

function unwrapObject(node: z.ZodType): z.ZodObject | undefined {
  if (node instanceof z.ZodObject) return node;
  const inner = (node as unknown as { def: { innerType?: z.ZodType } }).def.innerType;
  return inner instanceof z.ZodObject ? inner : undefined;
}

/** Kind of a config field, for flag parsing and help. */
export type FieldType = 'integer' | 'number' | 'string' | 'string?' | 'boolean' | 'enum' | 'number[]';

/** A leaf field of the schema: dotted path, kind, default, doc line and allowed values. */
export interface FieldEntry {
  /** Dotted path, e.g. `pretrain.lr`. */
  path: string;
  /** Kind of value. */
  type: FieldType;
  /** Default value. */
  default: unknown;
  /** One line of documentation. */
  doc: string;
  /** Allowed values of an enum field. */
  values?: readonly string[];
}

function leafEntry(path: string, node: z.ZodType): FieldEntry {
  const def = node instanceof z.ZodDefault ? node.parse(undefined) : undefined;
  let inner: z.ZodType = node instanceof z.ZodDefault ? (node.unwrap() as z.ZodType) : node;
  let nullable = false;
  if (inner instanceof z.ZodNullable) {
    nullable = true;
    inner = inner.unwrap() as z.ZodType;
  }
  const doc = node.description ?? '';
  let type: FieldType;
  let values: readonly string[] | undefined;
  if (inner instanceof z.ZodNumber) type = inner.format === 'safeint' ? 'integer' : 'number';
  else if (inner instanceof z.ZodBoolean) type = 'boolean';
  else if (inner instanceof z.ZodEnum) {
    type = 'enum';
    values = inner.options as string[];
  } else if (inner instanceof z.ZodArray) type = 'number[]';
  else type = nullable ? 'string?' : 'string';
  return { path, type, default: def, doc, ...(values ? { values } : {}) };
}

/** Every leaf field as a {@link FieldEntry}, in schema order. */
export function listFields(): FieldEntry[] {
  const out: FieldEntry[] = [];
  const walk = (obj: z.ZodObject, prefix: string): void => {
    for (const [k, v] of Object.entries(obj.shape as Record<string, z.ZodType>)) {
      const sub = unwrapObject(v);
      if (sub) walk(sub, `${prefix}${k}.`);
      else out.push(leafEntry(`${prefix}${k}`, v));
    }
  };
  walk(schema, '');
  return out;
}

/** The field at a dotted path, or undefined. */
export function fieldSpec(path: string): FieldEntry | undefined {
  const node = fieldNode(path);
  if (!node || unwrapObject(node)) return undefined;
  return leafEntry(path, node);
}

/**
 * Parses a flag's text value to the type of the field at `path`, as a
 * partial config. `flag` names the flag in errors (default `--<path>`).
 */
export function flagToPartial(path: string, text: string, flagName = `--${path}`): Record<string, unknown> {
  const spec = fieldSpec(path);
  if (!spec) throw new ConfigError(flagName, `unknown option (no config field '${path}'; 'byolmed3d config print' lists them)`);
  const where = flagName === `--${path}` ? path : `${path} (${flagName})`;
  const number = (t: string): number => {
    const s = t.trim();
    if (/^[+-]?(inf|infinity)$/i.test(s)) throw new ConfigError(where, `expected a finite number, got '${t}'`);
    const v = s === '' ? NaN : Number(s);
    if (Number.isNaN(v)) throw new ConfigError(where, `expected a number, got '${t}'`);
    if (spec.type === 'integer' && /^[+-]?\d+$/.test(s) && !Number.isSafeInteger(v)) throw new ConfigError(where, `must be an integer <= 2^53 - 1 (${MAX_SEED}), got '${t}'`);
    return v;
  };
  let value: unknown = text;
  if (spec.type === 'number' || spec.type === 'integer') value = number(text);
  else if (spec.type === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new ConfigError(where, `expected true or false, got '${text}'`);
    value = text === 'true';
  } else if (spec.type === 'number[]') value = text.split(',').map((x) => number(x));
  else if (spec.type === 'string?' && (text === 'null' || text === '')) value = null;
  const parts = path.split('.');
  const root: Record<string, unknown> = {};
  let cur = root;
  parts.forEach((p, i) => {
    if (i === parts.length - 1) cur[p] = value;
    else cur = (cur[p] = {}) as Record<string, unknown>;
  });
  return root;
}

/** The JSON Schema of {@link configSchema} (what files may contain), as written to `config.schema.json`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
}
