import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ExperimentConfig } from './types.js';
import { reproduceSchema } from '../reproduce/config.js';

export type { ExperimentConfig } from './types.js';

/** A leaf of the configuration schema: type, default and a doc line. */
export interface FieldSpec {
  /** Value type. */
  type: 'number' | 'integer' | 'string' | 'boolean' | 'string?' | 'number[]';
  /** Default value (`null` only for optional strings). */
  default: number | string | boolean | null | number[];
  /** One line of documentation (shown by `config print` and the README). */
  doc: string;
  /** Allowed values for strings. */
  enum?: readonly string[];
  /** Inclusive lower bound for numbers. */
  min?: number;
  /** Inclusive upper bound for numbers. */
  max?: number;
}

/** The configuration schema: nested sections of {@link FieldSpec} leaves. */
export interface SchemaNode {
  [key: string]: FieldSpec | SchemaNode;
}

const isSpec = (x: FieldSpec | SchemaNode): x is FieldSpec => typeof (x as FieldSpec).doc === 'string' && 'type' in x && typeof x.type === 'string';

/**
 * Every field of an experiment, with its default (the seed paper's MRNet
 * reference run) and a doc line.
 */
const schemaDefinition = {
  name: { type: 'string', default: 'mrnet-byol', doc: 'Run name; the run directory is <runsDir>/<name>.' },
  runsDir: { type: 'string', default: 'runs', doc: 'Parent folder of run directories.' },
  seed: { type: 'integer', default: 0, doc: 'Seed of every random choice (splits, order, augmentation, init).' },
  backend: { type: 'string', default: 'auto', enum: ['auto', 'tensorflow-gpu', 'tensorflow', 'onednn', 'cpu', 'wasm'], doc: 'tfjs backend; auto picks the fastest present.' },
  threads: { type: 'integer', default: 0, min: 0, doc: 'Threads for native kernels (0: all cores).' },
  strict: { type: 'boolean', default: false, doc: 'Stop at the first unreadable exam instead of skipping it with a warning.' },
  data: {
    root: { type: 'string?', default: null, doc: 'MRNet-v1.0 folder (train/, valid/, label CSVs); the demo set works the same.' },
    plane: { type: 'string', default: 'sagittal', enum: ['sagittal', 'coronal', 'axial'], doc: 'Plane used for pretraining and single-plane models.' },
    task: { type: 'string', default: 'acl', enum: ['acl', 'meniscus', 'abnormal'], doc: 'Downstream label.' },
    valFraction: { type: 'number', default: 0.1, min: 0.01, max: 0.9, doc: 'Fraction of train exams held out (seeded, stratified) for validation.' },
    frames: { type: 'integer', default: 16, min: 1, doc: 'Frames (slices) per clip.' },
    crop: { type: 'integer', default: 224, min: 8, doc: 'Spatial crop size of a clip (pixels).' },
    resize: { type: 'integer', default: 0, min: 0, doc: 'Resize slices to this size before cropping (0: keep, MRNet 256).' },
    channels: { type: 'integer', default: 3, min: 1, max: 3, doc: 'Input channels (grey slices repeated; 3 for Kinetics weights).' },
    testClips: { type: 'integer', default: 5, min: 1, doc: 'Clips per exam averaged at test time.' },
    positiveFraction: { type: 'number', default: 0, min: 0, max: 0.99, doc: 'Imbalance sweep: subsample downstream training positives to this prevalence (0: keep).' },
    cacheMB: { type: 'integer', default: 2048, min: 0, doc: 'Keep decoded exams in memory up to this many MB.' },
  },
  model: {
    arch: { type: 'string', default: 'r3d_18', enum: ['r3d_18', 'mc3_18', 'r2plus1d_18', 'r3d_34'], doc: 'Encoder architecture (torchvision names).' },
    widthMultiplier: { type: 'number', default: 1, min: 0.01, max: 4, doc: 'Channel width multiplier (1/8, 1/16 for fast CPU runs).' },
    norm: { type: 'string', default: 'batch', enum: ['batch', 'group'], doc: 'Normalisation layers of the encoder.' },
  },
  pretrain: {
    method: { type: 'string', default: 'byol', enum: ['byol', 'simsiam', 'simclr'], doc: 'Self-supervised objective.' },
    epochs: { type: 'integer', default: 100, min: 0, doc: 'Pretraining epochs over the train part.' },
    microBatch: { type: 'integer', default: 8, min: 1, doc: 'Clips per micro-batch (what fits in memory).' },
    accumulation: { type: 'integer', default: 8, min: 1, doc: 'Micro-batches per optimizer step (effective batch = microBatch x accumulation).' },
    optimizer: { type: 'string', default: 'lars', enum: ['lars', 'adamw', 'sgd'], doc: 'Optimizer of pretraining (LARS as in BYOL, AdamW, or SGD with momentum 0.9).' },
    lr: { type: 'number', default: 0.3, min: 0, doc: 'Peak learning rate (LARS 0.3 in the seed paper).' },
    weightDecay: { type: 'number', default: 1e-6, min: 0, doc: 'Weight decay.' },
    warmupSteps: { type: 'integer', default: 10, min: 0, doc: 'Linear warmup optimizer steps before the cosine decay.' },
    tauBase: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'BYOL target EMA base rate (cosine schedule to 1 over optimizer steps).' },
    projectorHidden: { type: 'integer', default: 2048, min: 1, doc: 'Projector (and predictor) hidden size.' },
    projectorOut: { type: 'integer', default: 128, min: 1, doc: 'Projection size.' },
    temperature: { type: 'number', default: 0.1, min: 1e-4, doc: 'SimCLR NT-Xent temperature.' },
    views: { type: 'string', default: 'byolmed3d', enum: ['byolmed3d', 'byol', 'fast'], doc: "Two-view augmentation: augment3d's byolMed3dViews (seed paper) or byolViews (BYOL paper), or the built-in fast grey-scale sampler." },
    minScale: { type: 'number', default: 0.5, min: 0.05, max: 1, doc: 'Random resized crop: smallest area fraction.' },
    checkpointEvery: { type: 'integer', default: 20, min: 1, doc: 'Optimizer steps between checkpoints.' },
  },
  finetune: {
    epochs: { type: 'integer', default: 30, min: 0, doc: 'Fine-tuning epochs.' },
    batch: { type: 'integer', default: 8, min: 1, doc: 'Fine-tuning batch size.' },
    lr: { type: 'number', default: 1e-4, min: 0, doc: 'AdamW learning rate of the head (the encoder gets lr x encoderLrScale).' },
    encoderLrScale: { type: 'number', default: 1, min: 0, doc: 'Encoder learning-rate multiplier (0 freezes it).' },
    weightDecay: { type: 'number', default: 1e-4, min: 0, doc: 'AdamW weight decay.' },
    balanced: { type: 'boolean', default: true, doc: 'Weight the loss by inverse class frequency.' },
  },
  probe: {
    C: { type: 'number[]', default: [0.001, 0.01, 0.1, 1, 10], doc: 'Inverse L2 strengths (scikit-learn C) tried by the linear probe; the best on validation AUC wins.' },
    k: { type: 'integer', default: 20, min: 1, doc: 'Neighbours of the kNN classifier (cosine).' },
  },
  evaluate: {
    bootstrap: { type: 'integer', default: 1000, min: 0, doc: 'Bootstrap resamples for the 95% CIs of threshold metrics.' },
  },
  init: {
    kind: { type: 'string', default: 'pretrained', enum: ['pretrained', 'random', 'weights'], doc: 'Downstream encoder start: this run\'s pretraining, random, or a weights file.' },
    weights: { type: 'string?', default: null, doc: 'Weights file (.pth or .safetensors, e.g. Kinetics-400 r3d_18) for kind=weights.' },
    from: { type: 'string?', default: null, doc: 'Run directory whose pretrained encoder is used (default this run).' },
    label: { type: 'string?', default: null, doc: 'Method label in the report (default derived).' },
  },
  report: {
    runs: { type: 'string?', default: null, doc: 'Comma-separated run directories to include (default this run).' },
  },
  reproduce: reproduceSchema,
} as const satisfies SchemaNode;

/**
 * Every field of an experiment, with its default (the seed paper's MRNet
 * reference run), type, allowed values and a doc line.
 */
export const configSchema: SchemaNode = schemaDefinition;

/** A configuration problem: names the field path and what is wrong. */
export class ConfigError extends Error {
  /** Always `'ConfigError'`. */
  override readonly name = 'ConfigError';
  /** Dotted path of the offending field (empty for file-level problems). */
  readonly path: string;

  constructor(path: string, reason: string) {
    super(path ? `config: ${path}: ${reason}` : `config: ${reason}`);
    this.path = path;
  }
}

/** The default configuration. */
export function defaultConfig(): ExperimentConfig {
  const build = (node: SchemaNode): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = isSpec(v) ? (Array.isArray(v.default) ? [...v.default] : v.default) : build(v);
    return out;
  };
  return build(configSchema) as unknown as ExperimentConfig;
}

function checkLeaf(path: string, spec: FieldSpec, value: unknown): unknown {
  const fail = (why: string): never => {
    throw new ConfigError(path, why);
  };
  switch (spec.type) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(`expected a number, got ${JSON.stringify(value)}`);
      const n = value as number;
      if (spec.type === 'integer' && !Number.isInteger(n)) fail(`expected an integer, got ${n}`);
      if (spec.min !== undefined && n < spec.min) fail(`must be >= ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) fail(`must be <= ${spec.max}, got ${n}`);
      return n;
    }
    case 'string':
    case 'string?': {
      if (value === null && spec.type === 'string?') return null;
      if (typeof value !== 'string') fail(`expected a string, got ${JSON.stringify(value)}`);
      if (spec.enum && !spec.enum.includes(value as string)) fail(`must be one of ${spec.enum.join(', ')}, got '${String(value)}'`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail(`expected true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'number[]':
      if (!Array.isArray(value) || value.length === 0 || value.some((x) => typeof x !== 'number' || !Number.isFinite(x))) fail(`expected a non-empty list of numbers, got ${JSON.stringify(value)}`);
      return [...(value as number[])];
  }
}

/**
 * Merges `partial` (parsed from a file or flags) over `base`, checking every
 * field against the schema: unknown keys, wrong types and out-of-range values
 * raise a {@link ConfigError} naming the field.
 */
export function mergeConfig(base: ExperimentConfig, partial: unknown, schema: SchemaNode = configSchema, prefix = ''): ExperimentConfig {
  if (partial === null || partial === undefined) return base;
  if (typeof partial !== 'object' || Array.isArray(partial)) throw new ConfigError(prefix.replace(/\.$/, ''), `expected a mapping, got ${JSON.stringify(partial)}`);
  const out = { ...(base as unknown as Record<string, unknown>) };
  for (const [k, v] of Object.entries(partial as Record<string, unknown>)) {
    const spec = schema[k];
    const path = `${prefix}${k}`;
    if (!spec) {
      const known = Object.keys(schema).join(', ');
      throw new ConfigError(path, `unknown field (known here: ${known})`);
    }
    if (isSpec(spec)) out[k] = checkLeaf(path, spec, v);
    else out[k] = mergeConfig(out[k] as ExperimentConfig, v, spec, `${path}.`);
  }
  return out as unknown as ExperimentConfig;
}

/** Reads a JSON or YAML config file (by extension; YAML is a superset of JSON). */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('', `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Finds the spec of a dotted path, or undefined. */
export function fieldSpec(path: string, schema: SchemaNode = configSchema): FieldSpec | undefined {
  let node: FieldSpec | SchemaNode | undefined = schema;
  for (const part of path.split('.')) {
    if (!node || isSpec(node)) return undefined;
    node = node[part];
  }
  return node && isSpec(node) ? node : undefined;
}

/** Parses a flag's text value to the type of the field at `path`, as a partial config. */
export function flagToPartial(path: string, text: string): Record<string, unknown> {
  const spec = fieldSpec(path);
  if (!spec) throw new ConfigError(path, 'unknown option');
  let value: unknown = text;
  if (spec.type === 'number' || spec.type === 'integer') {
    value = text.trim() === '' ? NaN : Number(text);
    if (Number.isNaN(value)) throw new ConfigError(path, `expected a number, got '${text}'`);
  } else if (spec.type === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new ConfigError(path, `expected true or false, got '${text}'`);
    value = text === 'true';
  } else if (spec.type === 'number[]') {
    value = text.split(',').map((x) => Number(x));
  } else if (spec.type === 'string?' && (text === 'null' || text === '')) value = null;
  const parts = path.split('.');
  const root: Record<string, unknown> = {};
  let cur = root;
  parts.forEach((p, i) => {
    if (i === parts.length - 1) cur[p] = value;
    else cur = (cur[p] = {}) as Record<string, unknown>;
  });
  return root;
}

/** A field of the schema with its dotted path. */
export interface FieldEntry {
  /** Dotted path, e.g. `pretrain.lr`. */
  path: string;
  /** Its spec. */
  spec: FieldSpec;
}

/** Lists every field as `{ path, spec }`, in schema order. */
export function listFields(schema: SchemaNode = configSchema, prefix = ''): FieldEntry[] {
  const out: FieldEntry[] = [];
  for (const [k, v] of Object.entries(schema)) {
    if (isSpec(v)) out.push({ path: `${prefix}${k}`, spec: v });
    else out.push(...listFields(v, `${prefix}${k}.`));
  }
  return out;
}

/** Renders a config as YAML with each field's doc line as a comment. */
export function configToYaml(config: ExperimentConfig): string {
  const lines: string[] = [];
  const walk = (node: SchemaNode, value: Record<string, unknown>, indent: string): void => {
    for (const [k, v] of Object.entries(node)) {
      if (isSpec(v)) {
        lines.push(`${indent}# ${v.doc} (default ${JSON.stringify(v.default)})`);
        lines.push(`${indent}${k}: ${stringifyYaml(value[k], { collectionStyle: 'flow' }).trim()}`);
      } else {
        lines.push(`${indent}${k}:`);
        walk(v, value[k] as Record<string, unknown>, `${indent}  `);
      }
    }
  };
  walk(configSchema, config as unknown as Record<string, unknown>, '');
  return `${lines.join('\n')}\n`;
}
