import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { sha256Hex } from '@byolmed3d/util';
import { ConfigError, mergeConfig, type ExperimentConfig } from '../config/schema.js';
import { INIT_LABELS, PRETRAIN_METHODS, PROTOCOLS, PROTOCOL_LABELS, type InitName, type PretrainMethod, type ProtocolName } from './config.js';

/** A plane of MRNet. */
export type PlaneName = 'sagittal' | 'coronal' | 'axial';
const ALL_PLANES: PlaneName[] = ['sagittal', 'coronal', 'axial'];
const INITS: InitName[] = [...PRETRAIN_METHODS, 'random', 'kinetics'];

/** The studies a downstream cell belongs to (one cell can serve several). */
export type Study = 'main' | 'imbalance' | 'planes';

interface CellCommon {
  /** Hash of the cell's effective config (16 hex digits): its folder is `cells/<key>`. */
  key: string;
  /** Human-readable id, e.g. `pretrain/byol-accum/sagittal/seed1`. */
  id: string;
  /** Seed of the cell. */
  seed: number;
  /** Plane. */
  plane: PlaneName;
  /** The cell's effective experiment config. */
  config: ExperimentConfig;
}

/** A self-supervised pretraining cell. */
export interface PretrainCell extends CellCommon {
  /** Always `'pretrain'`. */
  kind: 'pretrain';
  /** Method of the plan. */
  method: PretrainMethod;
  /** Pretraining epochs (for plotting curves per epoch). */
  epochs: number;
}

/** A downstream cell: one protocol on one encoder start, positive fraction and plane. */
export interface DownstreamCell extends CellCommon {
  /** Always `'downstream'`. */
  kind: 'downstream';
  /** Encoder start. */
  init: InitName;
  /** Protocol. */
  protocol: ProtocolName;
  /** Positive fraction of the downstream training set (0: natural). */
  positiveFraction: number;
  /** Key of the pretraining cell it needs (null for baselines). */
  pretrainKey: string | null;
  /** Studies this cell serves. */
  studies: Study[];
}

/** A cell that writes a 2-D embedding (UMAP) of the test exams' features for one encoder start. */
export interface EmbedCell extends CellCommon {
  /** Always `'embed'`. */
  kind: 'embed';
  /** Encoder start. */
  init: InitName;
  /** Key of the pretraining cell it needs (null for baselines). */
  pretrainKey: string | null;
}

/** One unit of work of a plan. */
export type Cell = PretrainCell | DownstreamCell | EmbedCell;

/** A cell without its config, as stored in `plan.json` and `cell.json`. */
export type CellMeta = Omit<PretrainCell, 'config'> | Omit<DownstreamCell, 'config'> | Omit<EmbedCell, 'config'>;

/** A part of the plan that is not run, and why (e.g. the Kinetics baseline without weights). */
export interface SkippedPart {
  /** What is not run. */
  what: string;
  /** Why, e.g. `not run: no weights`. */
  reason: string;
}

/** The expanded plan of `byolmed3d reproduce`. */
export interface Plan {
  /** Cells in execution order (seed by seed; each pretraining followed by the cells that use it, baselines after the first). */
  cells: Cell[];
  /** What is not run and why. */
  skipped: SkippedPart[];
  /** Seeds. */
  seeds: number[];
  /** Pretraining methods. */
  methods: PretrainMethod[];
  /** Encoder starts of the main table. */
  inits: InitName[];
  /** Protocols. */
  protocols: ProtocolName[];
  /** Lower positive fractions of the imbalance study. */
  positiveFractions: number[];
  /** Planes; the first is the main plane. */
  planes: PlaneName[];
}

/** JSON with object keys sorted, so equal configs give equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
}

/** SHA-256 of {@link stableStringify}(value), first 16 hex digits: the key of a cell. */
export function configHash(value: unknown): string {
  return sha256Hex(stableStringify(value)).slice(0, 16);
}

/** Folder of a cell inside a reproduce output folder. */
export function cellDir(out: string, key: string): string {
  return join(out, 'cells', key);
}

/** Splits a comma-separated list field of the `reproduce` section; unknown entries are a {@link ConfigError} naming the field. */
export function parseList<T extends string>(field: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const it of items) if (!allowed.includes(it as T)) throw new ConfigError(`reproduce.${field}`, `unknown entry '${it}' (allowed: ${allowed.join(', ')})`);
  return [...new Set(items)] as T[];
}

/**
 * Version of the cell-key scheme, stored in `plan.json` as `keyScheme`.
 * 1 (no field): keys from the data folder's absolute path and the weights'
 * path and size; 2: keys from their contents ({@link dataFingerprint},
 * {@link weightsFingerprint}), the same wherever the folders are.
 */
export const KEY_SCHEME = 2;

/**
 * A fingerprint (SHA-256, hex) of the part of an MRNet-layout folder that a
 * cell on `task` and `plane` reads: the bytes of the label files
 * `train-<task>.csv` and `valid-<task>.csv` (or their absence), and the
 * sorted names and byte sizes of the exams `train/<plane>/*.npy` and
 * `valid/<plane>/*.npy`. Cheap on MRNet (two small CSVs, about 1250
 * `stat`s), location-free (a moved, renamed or copied folder gives the same
 * fingerprint), and changed by any label edit or an exam added, removed or
 * resized; an exam file replaced by another of exactly the same size is not
 * detected (the volumes themselves are not hashed).
 * @throws {@link ConfigError} (`data.root`) when a label file or exam folder exists but cannot be read
 */
export function dataFingerprint(root: string, task: string, plane: string): string {
  const h = createHash('sha256');
  h.update(`mrnet-fingerprint 1 task=${task} plane=${plane}\n`);
  for (const split of ['train', 'valid']) {
    const name = `${split}-${task}.csv`;
    const csv = join(root, name);
    if (existsSync(csv)) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(csv);
      } catch (err) {
        throw new ConfigError('data.root', `${csv}: cannot read the label file: ${(err as Error).message}`);
      }
      h.update(`csv ${name} ${bytes.length}\n`).update(bytes).update('\n');
    } else h.update(`csv ${name} absent\n`);
    const rel = `${split}/${plane}`;
    const dir = join(root, split, plane);
    if (!existsSync(dir)) {
      h.update(`dir ${rel} absent\n`);
      continue;
    }
    try {
      const names = readdirSync(dir).filter((f) => f.endsWith('.npy')).sort();
      h.update(`dir ${rel} ${names.length}\n`);
      for (const f of names) {
        const st = statSync(join(dir, f));
        if (st.isFile()) h.update(`${rel}/${f} ${st.size}\n`);
      }
    } catch (err) {
      throw new ConfigError('data.root', `${dir}: cannot list the exams: ${(err as Error).message}`);
    }
  }
  return h.digest('hex');
}

/** Streams a file's bytes into `h` (1 MiB at a time). */
function hashFile(h: Hash, file: string): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * SHA-256 (hex) of encoder weights: of a file's bytes (streamed), or of an
 * exported encoder folder's `model.safetensors` and `config.json`; null when
 * the path does not exist. Location-free: the same bytes anywhere give the
 * same fingerprint, other bytes (even of the same size) another one.
 * @throws {@link ConfigError} (`reproduce.kinetics`) when the weights exist but cannot be read
 */
export function weightsFingerprint(path: string): string | null {
  if (!existsSync(path)) return null;
  const h = createHash('sha256');
  try {
    if (statSync(path).isDirectory()) {
      h.update('folder\n');
      for (const f of ['model.safetensors', 'config.json']) {
        const file = join(path, f);
        if (existsSync(file)) {
          h.update(`${f} ${statSync(file).size}\n`);
          hashFile(h, file);
        } else h.update(`${f} absent\n`);
      }
    } else hashFile(h, path);
  } catch (err) {
    throw new ConfigError('reproduce.kinetics', `${path}: cannot read the weights: ${(err as Error).message}`);
  }
  return h.digest('hex');
}

/** Fingerprints computed once per plan (data per root, task and plane; weights per path). */
interface KeyCache {
  data: Map<string, string>;
  weights: Map<string, string | null>;
}

/** The parts of a config that change what a data path reads: the contents of the data folder (not its location), cache size left out. */
function dataKey(cfg: ExperimentConfig, cache: KeyCache): Record<string, unknown> {
  const { maxMB: _c, positiveFraction: _p, root, ...rest } = cfg.data;
  void _c;
  void _p;
  let contents: string | null = null;
  if (root) {
    const id = `${resolve(root)}\0${cfg.data.task}\0${cfg.data.plane}`;
    contents = cache.data.get(id) ?? dataFingerprint(root, cfg.data.task, cfg.data.plane);
    cache.data.set(id, contents);
  }
  return { ...rest, contents };
}

function weightsKey(file: string | null, cache: KeyCache): Record<string, unknown> | null {
  if (!file) return null;
  const abs = resolve(file);
  let sha = cache.weights.get(abs);
  if (sha === undefined) {
    sha = weightsFingerprint(abs);
    cache.weights.set(abs, sha);
  }
  return { sha256: sha, format: extname(abs).toLowerCase() };
}

/** The effective config of a pretraining method (accumulation off for `byol-noaccum`, with warmup, checkpoints and the kNN monitor at the same epochs). */
export function pretrainConfig(base: ExperimentConfig, method: PretrainMethod, seed: number, plane: PlaneName): ExperimentConfig {
  const p = base.pretrain;
  const A = p.accumulation;
  const pre: Record<string, unknown> = method === 'byol-noaccum'
    // Same micro-batch, same epochs: A times the optimizer steps, so warmup and checkpoints scale by A to cover the same epochs.
    ? { method: 'byol', accumulation: 1, warmupSteps: p.warmupSteps * A, checkpointEvery: p.checkpointEvery * A }
    : { method: method === 'byol-accum' ? 'byol' : method };
  const monitor = method === 'byol-noaccum' ? { reproduce: { monitorEvery: base.reproduce.monitorEvery * A } } : {};
  return mergeConfig(base, { seed, data: { plane, positiveFraction: 0 }, pretrain: pre, init: { kind: 'pretrained', weights: null, from: null, label: null }, ...monitor });
}

function pretrainKey(cfg: ExperimentConfig, method: PretrainMethod, cache: KeyCache): string {
  const r = cfg.reproduce;
  return configHash({ kind: 'pretrain', method, seed: cfg.seed, data: dataKey(cfg, cache), model: cfg.model, pretrain: cfg.pretrain, monitor: { every: r.monitorEvery, k: r.monitorK, bank: r.monitorBank } });
}

/** Model and data changes a Kinetics-400 r3d_18 start needs: full width, 3 channels. */
function kineticsOverrides(file: string): Record<string, unknown> {
  return { model: { arch: 'r3d_18', widthMultiplier: 1, norm: 'batch' }, data: { channels: 3 }, init: { kind: 'weights', weights: file } };
}

/** Options of {@link expandPlan}. */
export interface ExpandOptions {
  /** Output folder (pretraining cells' folders are the downstream cells' `init.from`). */
  out: string;
}

/**
 * Expands the `reproduce` section of `base` into the plan's cells, seed by
 * seed, each pretraining followed by the cells that use it: per seed,
 * the pretraining methods (and, with `planes: all`, BYOL+accum on the other
 * planes), the main table (every encoder start x protocol at the natural
 * positive fraction on the main plane), the imbalance study (lower positive
 * fractions), the plane study (other planes, for fusion) and, for the first
 * seed, a 2-D embedding per encoder start. A cell needed by several studies
 * appears once. Keys are hashes of the parts of the effective config the
 * cell's results depend on, with the data and weights by their contents
 * (a fingerprint of the label files and of the exams' names and sizes; a
 * SHA-256 of the weights' bytes; each computed once per plan), not their paths: moving or copying the data, the weights or
 * the output folder keeps every key.
 * @throws {@link ConfigError} on unknown list entries or an empty plan
 */
export function expandPlan(base: ExperimentConfig, options: ExpandOptions): Plan {
  const r = base.reproduce;
  const methods = parseList('methods', r.methods, PRETRAIN_METHODS);
  const protocols = parseList('protocols', r.protocols, PROTOCOLS);
  const imbInits = parseList('imbalanceInits', r.imbalanceInits, INITS);
  const imbProtocols = parseList('imbalanceProtocols', r.imbalanceProtocols, PROTOCOLS);
  const planeInits = parseList('planeInits', r.planeInits, INITS);
  const planeProtocols = parseList('planeProtocols', r.planeProtocols, PROTOCOLS);
  if (protocols.length === 0) throw new ConfigError('reproduce.protocols', 'the plan needs at least one protocol');
  const fractions = [...new Set(r.positiveFractions.filter((f) => f > 0))].sort((a, b) => b - a);
  for (const f of fractions) if (!(f < 1)) throw new ConfigError('reproduce.positiveFractions', `fractions must be in (0, 1), got ${f}`);
  const mainPlane: PlaneName = r.planes === 'all' ? base.data.plane : r.planes;
  const planes: PlaneName[] = r.planes === 'all' ? [mainPlane, ...ALL_PLANES.filter((p) => p !== mainPlane)] : [mainPlane];
  const kinetics = r.kinetics;
  const skipped: SkippedPart[] = [];
  if (!kinetics) skipped.push({ what: INIT_LABELS.kinetics, reason: 'not run: no weights (pass --kinetics FILE: torchvision r3d_18-b3b3357e.pth or its safetensors export)' });
  const usable = (i: InitName): boolean => i !== 'kinetics' || kinetics !== null;
  const inits: InitName[] = [...methods, 'random', ...(kinetics ? (['kinetics'] as const) : [])];
  const seeds = Array.from({ length: r.seeds }, (_, i) => base.seed + i);

  const cache: KeyCache = { data: new Map(), weights: new Map() };
  const cells: Cell[] = [];
  const byKey = new Map<string, Cell>();
  const add = (c: Cell): Cell => {
    const prev = byKey.get(c.key);
    if (prev) {
      if (prev.kind === 'downstream' && c.kind === 'downstream') for (const s of c.studies) if (!prev.studies.includes(s)) prev.studies.push(s);
      return prev;
    }
    byKey.set(c.key, c);
    cells.push(c);
    return c;
  };
  for (const seed of seeds) {
    const pre = new Map<string, PretrainCell>();
    const pretrainCell = (method: PretrainMethod, plane: PlaneName): PretrainCell => {
      const id = `${method}|${plane}`;
      const hit = pre.get(id);
      if (hit) return hit;
      const config = pretrainConfig(base, method, seed, plane);
      const c = add({ kind: 'pretrain', key: pretrainKey(config, method, cache), id: `pretrain/${method}/${plane}/seed${seed}`, seed, plane, method, epochs: config.pretrain.epochs, config }) as PretrainCell;
      pre.set(id, c);
      return c;
    };
    // The encoder start of a downstream or embedding cell: its config and the pretraining cell it needs.
    const start = (init: InitName, plane: PlaneName, extra: Record<string, unknown>): { config: ExperimentConfig; dep: PretrainCell | null } => {
      const common = { seed, data: { plane, positiveFraction: 0 }, init: { label: null } };
      if (init === 'random') return { config: mergeConfig(mergeConfig(base, common), extra), dep: null };
      if (init === 'kinetics') return { config: mergeConfig(mergeConfig(mergeConfig(base, common), kineticsOverrides(kinetics as string)), extra), dep: null };
      const dep = pretrainCell(init, plane);
      return { config: mergeConfig(mergeConfig(base, common), { ...extra, init: { kind: 'pretrained', weights: null, from: cellDir(options.out, dep.key), label: null } }), dep };
    };
    const downstream = (init: InitName, protocol: ProtocolName, fraction: number, plane: PlaneName, study: Study): void => {
      if (!usable(init)) return;
      const s = start(init, plane, { data: { positiveFraction: fraction }, ...(init === 'random' ? { init: { kind: 'random', weights: null, from: null } } : {}) });
      const cfg = s.config;
      const proto = protocol === 'finetune' ? { finetune: cfg.finetune } : protocol === 'linear-probe' ? { probe: { C: cfg.probe.C } } : { probe: { k: cfg.probe.k } };
      const key = configHash({ kind: 'downstream', protocol, init, seed, fraction, data: dataKey(cfg, cache), model: cfg.model, ...proto, pretrain: s.dep?.key ?? null, weights: weightsKey(cfg.init.kind === 'weights' ? cfg.init.weights : null, cache) });
      const frac = fraction > 0 ? `pos${Math.round(fraction * 1000) / 10}%` : 'natural';
      add({ kind: 'downstream', key, id: `${protocol}/${init}/${plane}/${frac}/seed${seed}`, seed, plane, init, protocol, positiveFraction: fraction, pretrainKey: s.dep?.key ?? null, studies: [study], config: cfg });
    };
    for (const m of methods) pretrainCell(m, mainPlane);
    for (const init of inits) for (const p of protocols) downstream(init, p, 0, mainPlane, 'main');
    for (const init of imbInits) {
      if (init !== 'random' && init !== 'kinetics' && !methods.includes(init)) continue;
      for (const p of imbProtocols) for (const f of [0, ...fractions]) downstream(init, p, f, mainPlane, 'imbalance');
    }
    if (planes.length > 1) {
      for (const init of planeInits) {
        if (init !== 'random' && init !== 'kinetics' && !methods.includes(init)) continue;
        for (const p of planeProtocols) for (const plane of planes) downstream(init, p, 0, plane, 'planes');
      }
    }
    if (seed === seeds[0]) {
      for (const init of inits) {
        if (!usable(init)) continue;
        const s = start(init, mainPlane, init === 'random' ? { init: { kind: 'random', weights: null, from: null } } : {});
        const key = configHash({ kind: 'embed', init, seed, data: dataKey(s.config, cache), model: s.config.model, pretrain: s.dep?.key ?? null, weights: weightsKey(s.config.init.kind === 'weights' ? s.config.init.weights : null, cache) });
        add({ kind: 'embed', key, id: `embed/${init}/${mainPlane}/seed${seed}`, seed, plane: mainPlane, init, pretrainKey: s.dep?.key ?? null, config: s.config });
      }
    }
  }
  // Seed by seed; within a seed each pretraining is followed by the cells that need it (so results arrive early and
  // a partial report already compares), the baselines right after the first group.
  const sorted: Cell[] = [];
  for (const s of seeds) {
    const mine = cells.filter((c) => c.seed === s);
    const deps = (key: string): Cell[] => mine.filter((c) => c.kind !== 'pretrain' && c.pretrainKey === key);
    const baselines = mine.filter((c) => c.kind !== 'pretrain' && c.pretrainKey === null);
    mine.filter((c) => c.kind === 'pretrain').forEach((p, i) => {
      sorted.push(p, ...deps(p.key));
      if (i === 0) sorted.push(...baselines);
    });
    if (!mine.some((c) => c.kind === 'pretrain')) sorted.push(...baselines);
  }
  return { cells: sorted, skipped, seeds, methods, inits, protocols, positiveFractions: fractions, planes };
}

/** One line describing a cell (for the plan listing). */
export function describeCell(c: Cell): string {
  if (c.kind === 'pretrain') {
    const p = c.config.pretrain;
    return `pretrain  ${c.method.padEnd(12)} ${c.plane.padEnd(8)} seed ${c.seed}  ${p.epochs} epochs, micro-batch ${p.microBatch} x ${p.accumulation}`;
  }
  if (c.kind === 'embed') return `embed     ${c.init.padEnd(12)} ${c.plane.padEnd(8)} seed ${c.seed}  UMAP of test features`;
  const frac = c.positiveFraction > 0 ? `${(c.positiveFraction * 100).toFixed(0)}% positives` : 'natural positives';
  return `${PROTOCOL_LABELS[c.protocol].padEnd(9)} ${c.init.padEnd(12)} ${c.plane.padEnd(8)} seed ${c.seed}  ${frac}  [${c.studies.join(', ')}]`;
}
