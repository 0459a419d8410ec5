import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { rocAuc, umapEmbedding } from '@byolmed3d/metrics';
import { writeFileAtomicSync as writeFileAtomic } from '@byolmed3d/util/node';
import { writeRunConfig } from '../run/run-dir.js';
import { RunLogger, formatDuration, type OutputMode } from '../run/logger.js';
import { estimatePlan, humanDuration, type PlanEstimate } from './estimate.js';
import { KnnMonitor, readCurves, COLLAPSE_SPREAD } from './monitor.js';
import { KEY_SCHEME, cellDir, describeCell, type Cell, type CellMeta, type Plan, type PretrainCell } from './plan.js';
import { downstreamStep, embed, monitorData, pretrainStep, splitCounts, startEncoder, testClips } from './steps.js';

/** What a finished cell records in `cells/<key>/cell.json` (written last and atomically: its presence means done). */
export interface CellRecord {
  /** The cell's key. */
  key: string;
  /** The cell's id. */
  id: string;
  /** The planned cell, without its config (that is in `config.yaml` beside it). */
  cell: CellMeta;
  /** Kind-specific outcome. */
  outcome: PretrainOutcome | DownstreamOutcome | EmbedOutcome;
}

/** Outcome of a pretraining cell. */
export interface PretrainOutcome {
  /** Always `'pretrain'`. */
  kind: 'pretrain';
  /** Optimizer steps taken. */
  steps: number;
  /** Exams skipped as unreadable. */
  skippedExams: number;
  /** Collapse warning (from the learner's projection statistics), or null. */
  collapse: string | null;
  /** Last kNN monitor AUC, or null. */
  lastKnnAuc: number | null;
}

/** Outcome of a downstream cell. */
export interface DownstreamOutcome {
  /** Always `'downstream'`. */
  kind: 'downstream';
  /** The predictions file, relative to the cell folder. */
  resultFile: string;
  /** Downstream training exams and positives among them. */
  train: { exams: number; positives: number };
  /** Test AUC, or null when it cannot be computed. */
  testAuc: number | null;
}

/** Outcome of an embedding cell: file `embedding.json` holds ids, labels and 2-D coordinates. */
export interface EmbedOutcome {
  /** Always `'embed'`. */
  kind: 'embed';
  /** Test exams embedded. */
  exams: number;
}

/** Wall and CPU time of a cell, in `cells/<key>/timing.json` (not a results file: it differs between runs). */
export interface CellTiming {
  /** Wall seconds of the cell's last (completing) attempt. */
  wallSec: number;
  /** CPU seconds of this process during it (all threads). */
  cpuSec: number;
  /** tfjs backend. */
  backend: string;
  /** When it finished. */
  finishedAt: string;
}

/** The run's environment, `env.json` (one entry per invocation). */
export interface RunEnvironment {
  /** When the invocation started. */
  startedAt: string;
  /** The backend selection message. */
  backend: string;
  /** Active tfjs backend. */
  tfBackend: string;
  /** The `precision` setting (`auto`: the backend decides; the tfjs kernels compute in float32). */
  precision: string;
  /** Threads of native kernels (0: all cores). */
  threads: number;
  /** CPU model and logical cores. */
  cpu: string;
  /** 1-minute load average when it started. */
  load: number;
  /** Node and package versions. */
  versions: Record<string, string>;
}

/** Versions of Node and of the packages that compute results. */
export function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = { node: process.versions.node };
  for (const name of ['@tensorflow/tfjs-core', '@byolmed3d/experiment', '@byolmed3d/byol', '@byolmed3d/resnet3d', '@byolmed3d/grad-accum', '@byolmed3d/metrics', '@byolmed3d/augment3d', '@byolmed3d/video-io', '@byolmed3d/tfjs-onednn']) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      out[name] = 'not installed';
    }
  }
  return out;
}

/** The environment record of this process. */
export function environment(backendMessage: string, threads: number, precision: string): RunEnvironment {
  const tfBackend = tf.getBackend();
  const c = cpus();
  return {
    startedAt: new Date().toISOString(),
    backend: backendMessage,
    tfBackend,
    precision,
    threads,
    cpu: `${c[0]?.model ?? 'unknown'} x ${c.length}`,
    load: loadavg()[0] ?? 0,
    versions: versions(),
  };
}

/** Appends this invocation's environment to `<out>/env.json`. */
export function recordEnvironment(out: string, env: RunEnvironment): void {
  const file = join(out, 'env.json');
  const list = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunEnvironment[]) : [];
  list.push(env);
  writeFileAtomic(file, JSON.stringify(list, null, 2));
}

/** Keys of the cells of `out` that are done. */
export function doneKeys(out: string): Set<string> {
  const dir = join(out, 'cells');
  if (!existsSync(dir)) return new Set();
  return new Set(readdirSync(dir).filter((k) => existsSync(join(dir, k, 'cell.json'))));
}

/** Writes the plan (`plan.json`: the key scheme ({@link KEY_SCHEME}), cells without configs, their estimates, the report's title). */
export function writePlan(out: string, plan: Plan, estimate: PlanEstimate | null, title?: string): void {
  mkdirSync(out, { recursive: true });
  const { cells, ...rest } = plan;
  const secs = new Map(estimate?.cells.map((c) => [c.key, c.seconds]) ?? []);
  writeFileAtomic(join(out, 'plan.json'), JSON.stringify({ keyScheme: KEY_SCHEME, ...rest, ...(title ? { title } : {}), cells: cells.map(({ config: _c, ...c }) => (void _c, { ...c, estimatedSec: secs.get(c.key) ?? null })) }, null, 2));
}

/** Options of {@link runPlan}. */
export interface RunPlanOptions {
  /** The output folder. */
  out: string;
  /** The run's logger (its log.jsonl is `<out>/log.jsonl`). */
  log: RunLogger;
  /** Terminal mode of the cells' loggers. */
  mode: OutputMode;
  /** The active backend's name (for timings). */
  backend: string;
  /** Estimated seconds per cell key (printed beside progress). */
  estimate?: PlanEstimate | null;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function auc(labels: number[], scores: number[]): number | null {
  try {
    return finite(rocAuc(labels, scores));
  } catch {
    // One class among the test labels: no AUC.
    return null;
  }
}

/** Runs a pretraining cell in this process (the worker calls it): the monitor, the pretraining, the curves. */
export async function runPretrainCell(cell: PretrainCell, dir: string, log: RunLogger): Promise<PretrainOutcome> {
  const cfg = cell.config;
  const r = cfg.reproduce;
  const data = r.monitorEvery > 0 ? await monitorData(cfg, r.monitorBank, log) : null;
  const monitor = new KnnMonitor({ every: r.monitorEvery, k: r.monitorK, batch: Math.max(2, cfg.finetune.batch), data, file: join(dir, 'curves.jsonl'), log });
  const resume = existsSync(join(dir, 'pretrain'));
  const res = await pretrainStep(cfg, dir, log, resume, { onOptimizerStep: (i) => monitor.onStep(i) });
  const curves = readCurves(join(dir, 'curves.jsonl'));
  writeFileAtomic(join(dir, 'curves.json'), JSON.stringify(curves));
  const bad = curves.find((p) => !(p.spread >= COLLAPSE_SPREAD));
  const knn = curves.filter((p) => p.knnAuc !== undefined);
  return {
    kind: 'pretrain',
    steps: res.steps,
    skippedExams: res.skipped,
    collapse: bad ? `projection spread ${bad.spread.toFixed(3)} at optimizer step ${bad.step}` : null,
    lastKnnAuc: knn.at(-1)?.knnAuc ?? null,
  };
}

/** The compiled worker script (from the sources, the built one). */
function workerScript(): string {
  const here = import.meta.url;
  return fileURLToPath(here.endsWith('.ts') ? new URL('../../dist/reproduce/worker.js', here) : new URL('./worker.js', here));
}

/** Runs a pretraining cell in a fresh process (see worker.ts); resolves to its outcome and CPU seconds. */
async function pretrainInWorker(cell: PretrainCell, dir: string, mode: OutputMode): Promise<{ outcome: PretrainOutcome; cpuSec: number }> {
  writeFileAtomic(join(dir, 'worker-input.json'), JSON.stringify({ cell, mode }));
  const out = join(dir, 'worker-output.json');
  rmSync(out, { force: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [workerScript(), dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  if (code !== 0 || !existsSync(out)) throw new Error(`${cell.id}: the pretraining process failed (exit ${code}); see ${join(dir, 'log.jsonl')}`);
  return JSON.parse(readFileSync(out, 'utf8')) as { outcome: PretrainOutcome; cpuSec: number };
}

async function runCell(cell: Cell, dir: string, log: RunLogger): Promise<CellRecord['outcome']> {
  const cfg = cell.config;
  if (cell.kind === 'pretrain') return runPretrainCell(cell, dir, log);
  if (cell.kind === 'downstream') {
    const res = await downstreamStep(cfg, dir, log, cell.protocol, cell.id);
    const n = splitCounts(cfg);
    const file = readdirSync(join(dir, 'results')).find((f) => f.endsWith('.json'));
    return { kind: 'downstream', resultFile: join('results', file ?? ''), train: { exams: n.downstreamTrain, positives: n.downstreamPositives }, testAuc: auc(res.labels, res.scores) };
  }
  const encoder = await startEncoder(cfg, dir, log);
  try {
    const test = await testClips(cfg, log);
    const feats = await embed(encoder, test, Math.max(2, cfg.finetune.batch), 'embedding');
    const d = feats[0]?.length ?? 0;
    const data = new Float32Array(feats.length * d);
    feats.forEach((f, i) => data.set(f, i * d));
    const coords = umapEmbedding({ data, shape: [feats.length, d] }, { seed: cfg.seed, nNeighbors: Math.min(15, Math.max(2, feats.length - 1)) });
    writeFileAtomic(join(dir, 'embedding.json'), JSON.stringify({ ids: test.exams.map((e) => e.id), labels: test.exams.map((e) => e.label), coords: Array.from(coords) }));
    return { kind: 'embed', exams: test.exams.length };
  } finally {
    encoder.dispose();
  }
}

/**
 * Runs every cell of `plan` that is not done yet, in order. A cell writes
 * into `cells/<key>/` and finishes by writing `cell.json` atomically; a cell
 * found with `cell.json` is skipped; an unfinished pretraining cell resumes
 * from its last checkpoint, any other unfinished cell is run again from the
 * start (all cells are deterministic, so the results are those of an
 * uninterrupted run). Each pretraining cell runs in a fresh process (the
 * built `worker.js`), so that its tfjs variable names, which its checkpoints
 * record, are the same whenever it starts or resumes.
 */
export async function runPlan(plan: Plan, opts: RunPlanOptions): Promise<{ ran: number; skipped: number; seconds: number }> {
  const { out, log } = opts;
  const t0 = performance.now();
  const secs = new Map(opts.estimate?.cells.map((c) => [c.key, c.seconds]) ?? []);
  let ran = 0, skipped = 0;
  const n = plan.cells.length;
  for (const [i, cell] of plan.cells.entries()) {
    const dir = cellDir(out, cell.key);
    const tag = `[cell ${i + 1}/${n}] ${cell.id}`;
    if (existsSync(join(dir, 'cell.json'))) {
      skipped++;
      log.log('cell-skipped', { id: cell.id, key: cell.key });
      continue;
    }
    mkdirSync(dir, { recursive: true });
    writeRunConfig(dir, cell.config);
    const est = secs.get(cell.key);
    log.info(`${tag} (${describeCell(cell).replace(/\s+/g, ' ')})${est !== undefined ? `, estimated ${humanDuration(est)}` : ''}`);
    // Step-by-step progress only for long cells; short ones print one line each.
    const clog = new RunLogger(join(dir, 'log.jsonl'), opts.mode === 'human' && !(est !== undefined && est > 120) ? 'quiet' : opts.mode);
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    let outcome: CellRecord['outcome'];
    let childCpu = 0;
    if (cell.kind === 'pretrain') {
      const w = await pretrainInWorker(cell, dir, clog.mode);
      outcome = w.outcome;
      childCpu = w.cpuSec;
    } else outcome = await runCell(cell, dir, clog);
    const cu = process.cpuUsage(c0);
    const timing: CellTiming = { wallSec: (performance.now() - w0) / 1000, cpuSec: (cu.user + cu.system) / 1e6 + childCpu, backend: opts.backend, finishedAt: new Date().toISOString() };
    writeFileAtomic(join(dir, 'timing.json'), JSON.stringify(timing));
    const { config: _c, ...meta } = cell;
    void _c;
    const record: CellRecord = { key: cell.key, id: cell.id, cell: meta, outcome };
    writeFileAtomic(join(dir, 'cell.json'), JSON.stringify(record, null, 2));
    ran++;
    const what = outcome.kind === 'downstream' ? `test AUC ${outcome.testAuc === null ? 'n/a' : outcome.testAuc.toFixed(3)}` : outcome.kind === 'pretrain' ? `${outcome.steps} steps${outcome.lastKnnAuc !== null ? `, kNN monitor AUC ${outcome.lastKnnAuc.toFixed(3)}` : ''}${outcome.collapse ? `, COLLAPSE: ${outcome.collapse}` : ''}` : `${outcome.exams} exams embedded`;
    log.info(`${tag}: ${what} in ${formatDuration(timing.wallSec)} (${timing.cpuSec.toFixed(1)} CPU s)`);
    log.log('cell-done', { id: cell.id, key: cell.key, ...timing });
  }
  return { ran, skipped, seconds: (performance.now() - t0) / 1000 };
}

export { estimatePlan };
