import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { selectBackend, type BackendChoice } from '../backend/select.js';
import type { CommandContext, RunArgs } from '../cli.js';
import type { CommandBody } from '../commands/registry.js';
import { configToYaml } from '../config/io.js';
import { ConfigError, mergeConfig, type ExperimentConfig } from '../config/schema.js';
import { generateDemoDataset } from '../demo/generate.js';
import { writeFileAtomicSync as writeFileAtomic } from '@byolmed3d/util/node';
import { RunLogger, formatDuration } from '../run/logger.js';
import { prepareRunDir } from '../run/run-dir.js';
import { INIT_LABELS, PROTOCOL_LABELS } from './config.js';
import { MRNET_SIZES, estimatePlan, humanDuration, measureUnitTimes, type Measurement, type PlanEstimate, type UnitTimes } from './estimate.js';
import { KEY_SCHEME, describeCell, expandPlan, type Cell, type Plan } from './plan.js';
import { buildReproduceReport } from './report.js';
import { firstVolumeShape } from './steps.js';
import { doneKeys, environment, recordEnvironment, runPlan, writePlan } from './runner.js';

/** Whether `dir` is the output folder of a `byolmed3d reproduce` run (has `plan.json`). */
export function isReproduceRun(dir: string): boolean {
  return existsSync(join(dir, 'plan.json'));
}

/** The key scheme and cell keys of the plan already in `out` (`plan.json`), or null when there is none. */
function previousPlan(out: string): { keyScheme: number; keys: string[] } | null {
  const file = join(out, 'plan.json');
  if (!existsSync(file)) return null;
  let p: { keyScheme?: unknown; cells?: { key?: unknown }[] };
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as typeof p;
  } catch (err) {
    throw new ConfigError('--resume', `${file}: not valid JSON (${(err as Error).message}); choose another --out`);
  }
  const keys = Array.isArray(p.cells) ? p.cells.map((c) => c.key).filter((k): k is string => typeof k === 'string') : [];
  return { keyScheme: typeof p.keyScheme === 'number' ? p.keyScheme : 1, keys };
}

/**
 * Refuses (a {@link ConfigError} on `--resume`) to continue a folder whose
 * finished cells (`done` of them) were keyed by another key scheme than
 * its plan `prev`'s, unless `force`: their keys cannot match this version's,
 * so every cell would silently run again. Returns the warning to log when
 * forced, else null.
 */
function checkKeyScheme(out: string, prev: { keyScheme: number } | null, done: number, force: boolean): string | null {
  if (!prev || prev.keyScheme === KEY_SCHEME) return null;
  if (done === 0) return null;
  const why = prev.keyScheme < KEY_SCHEME
    ? 'an earlier byolmed3d, whose cell keys came from the data folder\'s absolute path and the weights\' path and size (they now come from their contents)'
    : `a newer byolmed3d (cell key scheme ${prev.keyScheme}; this version has ${KEY_SCHEME})`;
  const msg = `${out}: its ${done} finished cell${done === 1 ? ' was' : 's were'} keyed by ${why}, so this version cannot match ${done === 1 ? 'it' : 'them'} and would run every cell again`;
  if (!force) throw new ConfigError('--resume', `${msg}: continue it with the byolmed3d version that started it, choose another --out, or pass --force to run every cell again here (the old cells stay in cells/, the report leaves them out)`);
  return `${msg}; --force: running every cell again (the old cells stay in cells/, the report leaves them out)`;
}

/** Prints the plan grouped by kind of cell, with the estimate per cell. */
function planLines(plan: Plan, est: PlanEstimate, done: Set<string>, perCell: boolean): string[] {
  const secs = new Map(est.cells.map((c) => [c.key, c.seconds]));
  const groups = new Map<string, Cell[]>();
  for (const c of plan.cells) {
    const g = c.kind === 'pretrain' ? `pretrain ${INIT_LABELS[c.method]}` : c.kind === 'embed' ? `embedding ${INIT_LABELS[c.init]}` : `${PROTOCOL_LABELS[c.protocol]} ${INIT_LABELS[c.init]}`;
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  const lines: string[] = [];
  lines.push(`plan: ${plan.cells.length} cells (${plan.cells.filter((c) => c.kind === 'pretrain').length} pretraining, ${plan.cells.filter((c) => c.kind === 'downstream').length} downstream, ${plan.cells.filter((c) => c.kind === 'embed').length} embeddings), seeds ${plan.seeds.join(', ')}, planes ${plan.planes.join(', ')}${done.size ? `; ${plan.cells.filter((c) => done.has(c.key)).length} done` : ''}`);
  for (const s of plan.skipped) lines.push(`  ${s.what}: ${s.reason}`);
  const w = Math.max(...[...groups.keys()].map((k) => k.length));
  for (const [g, cs] of groups) {
    const tot = cs.reduce((a, c) => a + (secs.get(c.key) ?? 0), 0);
    lines.push(`  ${g.padEnd(w)}  ${String(cs.length).padStart(3)} cells x ~${humanDuration(tot / cs.length).padEnd(7)} = ${humanDuration(tot)}`);
  }
  if (perCell) {
    lines.push('cells:');
    for (const c of plan.cells) lines.push(`  ${c.key}  ${describeCell(c)}  ~${humanDuration(secs.get(c.key) ?? 0)}${done.has(c.key) ? '  (done)' : ''}`);
  }
  return lines;
}

function unitLine(t: UnitTimes): string {
  const s = (x: number): string => (x >= 1 ? `${x.toFixed(2)} s` : `${(x * 1000).toFixed(1)} ms`);
  return `views ${s(t.viewPair)}/clip, BYOL micro-batch ${s(t.byolMicro)}, SimSiam/SimCLR micro-batch ${s(t.noTargetMicro)} (views included), fine-tune step ${s(t.finetuneStep)}, features ${s(t.embedClip)}/clip (measured at batch ${t.measuredBatch}, crop ${t.measuredCrop})`;
}

/** The options `reproduce` adds to the run options (see the registry). */
export interface ReproduceOptions {
  /** `--dry-run`: print the plan and the estimate, run nothing. */
  dryRun?: boolean;
  /** `--kinetics FILE` (= `reproduce.kinetics`). */
  kinetics?: string;
  /** `--planes P` (= `reproduce.planes`). */
  planes?: string;
  /** `--seeds N` (= `reproduce.seeds`). */
  seeds?: number;
  /** `--out DIR` (= `--run DIR`). */
  out?: string;
  /** `--preset NAME`. */
  preset?: string;
}

/**
 * Runs `byolmed3d reproduce` with parsed run arguments: expands the plan,
 * measures and prints the estimate, then (unless `dryRun`) runs every cell
 * that is not done and rebuilds the report. Resolves to the exit code.
 */
export async function runReproduce(a: RunArgs, o: ReproduceOptions): Promise<number> {
  const dryRun = o.dryRun === true;
  const preset = o.preset ?? 'paper';
  let cfg: ExperimentConfig = a.config;
  const over: Record<string, unknown> = {};
  if (o.kinetics !== undefined) over.kinetics = o.kinetics;
  if (o.planes !== undefined) over.planes = o.planes;
  if (o.seeds !== undefined) over.seeds = o.seeds;
  if (Object.keys(over).length) cfg = mergeConfig(cfg, { reproduce: over });
  const out = o.out ?? a.runDir;
  const args: RunArgs = { ...a, config: cfg, runDir: out };
  const isDemo = preset === 'demo';
  const r = cfg.reproduce;
  const demoSizes = { train: r.demoExams, valid: r.demoValidExams, positiveRate: 0.23 };
  let sizes: typeof demoSizes | undefined;
  if (!cfg.data.root) {
    if (isDemo && !dryRun) cfg = mergeConfig(cfg, { data: { root: join(out, 'data') } });
    else if (dryRun) sizes = isDemo ? demoSizes : MRNET_SIZES;
    else throw new ConfigError('--data', 'reproduce needs --data DIR (MRNet v1.0 layout); --preset demo uses generated phantom data; --dry-run shows the plan and its cost without data');
  }
  if (r.kinetics !== null && !existsSync(r.kinetics)) throw new ConfigError('--kinetics', `${r.kinetics}: no such file`);
  if (!dryRun && isReproduceRun(out) && !args.resume) throw new ConfigError('--resume', `${out} already holds a reproduce run (plan.json): pass --resume to continue it, or choose another --out`);
  if (args.resume && !isReproduceRun(out) && !dryRun) throw new ConfigError('--resume', `${out} holds no reproduce run to resume (no plan.json)`);
  const previous = args.resume && !dryRun ? previousPlan(out) : null;
  // Finished cells (cells/KEY/cell.json); removing stale temps below leaves them as they are.
  const done = dryRun ? new Set<string>() : doneKeys(out);
  const schemeWarning = previous ? checkKeyScheme(out, previous, done.size, args.force) : null;
  // Writable, and the temp files of a killed earlier attempt removed (cells/KEY/pretrain/encoder is 4 levels down).
  const stale = dryRun ? [] : prepareRunDir(out, 4);
  const log = new RunLogger(dryRun ? null : join(out, 'log.jsonl'), args.mode);
  if (schemeWarning) log.warn(schemeWarning);
  for (const f of stale) log.info(`removed a stale temp file left by a killed run: ${f}`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sel = await selectBackend({ backend: cfg.backend as BackendChoice, precision: cfg.precision, ...(cfg.threads > 0 ? { threads: cfg.threads } : {}) });
  log.info(sel.message);
  if (isDemo && cfg.data.root && !dryRun && !existsSync(join(cfg.data.root, 'valid-acl.csv'))) {
    const g0 = performance.now();
    generateDemoDataset({ out: cfg.data.root, trainExams: r.demoExams, validExams: r.demoValidExams, size: r.demoSize, slices: [12, 18], seed: cfg.seed });
    log.info(`demo data: ${r.demoExams} train + ${r.demoValidExams} valid phantom exams (${r.demoSize}x${r.demoSize}) -> ${cfg.data.root} in ${formatDuration((performance.now() - g0) / 1000)}`);
  }
  const plan = expandPlan(cfg, { out });
  if (previous) {
    const now = new Set(plan.cells.map((c) => c.key));
    const left = previous.keys.filter((k) => !now.has(k) && done.has(k)).length;
    if (left > 0) log.info(`${left} finished cell${left === 1 ? '' : 's'} of the previous plan ${left === 1 ? 'is' : 'are'} not in this one (the configuration, the data or the weights changed): kept in cells/, left out of the report`);
  }
  log.info(`measuring ${cfg.reproduce.estimateSteps} steps of each kind on backend ${sel.choice}...`);
  const m0 = performance.now();
  const firstPre = plan.cells.find((c) => c.kind === 'pretrain');
  const kin = plan.cells.find((c) => c.kind === 'downstream' && c.init === 'kinetics');
  const volume = (await firstVolumeShape(cfg)) ?? (sizes === demoSizes ? ([15, r.demoSize, r.demoSize] as [number, number, number]) : undefined);
  const measurement: Measurement = { backend: sel.choice, main: await measureUnitTimes(firstPre?.config ?? cfg, volume ? { volume } : {}), seconds: 0 };
  if (kin) measurement.kinetics = await measureUnitTimes(kin.config, volume ? { volume } : {});
  measurement.seconds = (performance.now() - m0) / 1000;
  const est = estimatePlan(plan, measurement, { done, ...(sizes ? { sizes } : {}) });
  log.info(`unit times (wall): ${unitLine(measurement.main.wall)}${measurement.kinetics ? `; Kinetics r3d_18: ${unitLine(measurement.kinetics.wall)}` : ''}`);
  log.info(`unit times (CPU):  ${unitLine(measurement.main.cpu)}`);
  for (const l of planLines(plan, est, done, dryRun)) log.info(l);
  const where = est.counts === 'assumed' ? ` (exam counts assumed: ${(sizes ?? MRNET_SIZES).train} train / ${(sizes ?? MRNET_SIZES).valid} valid${sizes === MRNET_SIZES ? ', MRNet v1.0' : ''})` : '';
  const load = loadavg()[0] ?? 0;
  log.info(`estimated time: ${humanDuration(est.totalSeconds)} for the plan${done.size ? `, ${humanDuration(est.remainingSeconds)} remaining` : ''} on this machine with backend ${sel.choice} at the current load (${load.toFixed(1)} on ${cpus().length} cores); ` +
    `${humanDuration(est.totalCpuSeconds)} of CPU time, which bounds the wall time on an idle machine${where}; data loading and the report not included`);
  log.log('estimate', { measurement, estimate: est });
  if (dryRun) return 0;

  const title = `byolmed3d reproduce (${isDemo ? 'demo preset, phantom data' : preset})`;
  writePlan(out, plan, est, title);
  writeFileAtomic(join(out, 'config.yaml'), configToYaml(cfg));
  writeFileAtomic(join(out, 'estimate.json'), JSON.stringify({ measurement, estimate: est }, null, 2));
  recordEnvironment(out, environment(sel.message, cfg.threads, cfg.precision));
  const res = await runPlan(plan, { out, log, mode: args.mode, backend: sel.choice, estimate: est });
  const rep = buildReproduceReport(out);
  const cu = process.cpuUsage(cpu0);
  const secs = (performance.now() - t0) / 1000;
  log.log('done', { command: 'reproduce', seconds: secs, cpuSec: (cu.user + cu.system) / 1e6, ran: res.ran, skipped: res.skipped, warnings: log.warnings });
  log.info(`reproduce: ${res.ran} cells run, ${res.skipped} already done, in ${formatDuration(secs)} wall (${formatDuration((cu.user + cu.system) / 1e6)} CPU). Report: ${resolve(rep.markdown)}`);
  return 0;
}

/** The body of `byolmed3d reproduce` (loaded lazily by the registry). */
export const reproduceBody: CommandBody = {
  run: (ctx: CommandContext) => runReproduce(ctx.run as RunArgs, ctx.options as ReproduceOptions),
};

/** Wraps the body of `byolmed3d report`: on a reproduce folder it rebuilds that report from the cells on disk (and writes nothing else there). */
export function reproduceAwareReport(body: CommandBody): CommandBody {
  return {
    run: async (ctx) => {
      const args = ctx.run;
      if (!args || !isReproduceRun(args.runDir)) return body.run(ctx);
      const r = buildReproduceReport(args.runDir);
      if (args.mode !== 'quiet') console.log(`report (${r.done} of ${r.planned} cells done): ${resolve(r.markdown)}`);
      return 0;
    },
  };
}
