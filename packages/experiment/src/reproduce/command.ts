import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { selectBackend, type BackendChoice } from '../backend/select.js';
import { parseRunArgs, type Command } from '../cli.js';
import { ConfigError, configToYaml, mergeConfig, type ExperimentConfig } from '../config/schema.js';
import { generateDemoDataset } from '../demo/generate.js';
import { writeFileAtomic } from '../run/checkpoint.js';
import { RunLogger, formatDuration } from '../run/logger.js';
import { INIT_LABELS, PROTOCOL_LABELS } from './config.js';
import { MRNET_SIZES, estimatePlan, humanDuration, measureUnitTimes, type Measurement, type PlanEstimate, type UnitTimes } from './estimate.js';
import { describeCell, expandPlan, type Cell, type Plan } from './plan.js';
import { buildReport } from './report.js';
import { firstVolumeShape } from './steps.js';
import { doneKeys, environment, recordEnvironment, runPlan, writePlan } from './runner.js';

/** Whether `dir` is the output folder of a `byolmed3d reproduce` run (has `plan.json`). */
export function isReproduceRun(dir: string): boolean {
  return existsSync(join(dir, 'plan.json'));
}

const USAGE = `Usage: byolmed3d reproduce [--data DIR] [--preset paper|demo] [--kinetics FILE] [--planes sagittal|coronal|axial|all] [--seeds N]
                          [--out DIR] [--resume] [--dry-run] [--config FILE] [--<field> VALUE]... [--quiet|--json]

Runs the paper's whole comparison as one plan of cells, each keyed by the hash of its config and
written into <out>/cells/<key>/: pretraining (BYOL + accumulation, BYOL without accumulation,
SimSiam and SimCLR with accumulation), baselines (random init; Kinetics-400 r3d_18 with --kinetics),
protocols (fine-tune, linear probe, kNN), the imbalance study (lower positive fractions), planes
(--planes all: each plane plus MRNet-style fusion) and several seeds; then writes <out>/report/.

  --data DIR       MRNet-v1.0 folder. Without it, --preset demo generates phantom data into <out>/data,
                   and --dry-run assumes MRNet v1.0's sizes (${MRNET_SIZES.train} train / ${MRNET_SIZES.valid} valid exams).
  --preset NAME    paper (default: the seed paper's protocol at full scale) or demo (minutes on a CPU).
  --kinetics FILE  torchvision's r3d_18-b3b3357e.pth or its safetensors export (else: "not run: no weights").
  --out DIR        output folder (default runs/<name>; --run DIR is the same).
  --resume         continue an interrupted run: done cells are kept, an unfinished pretraining resumes
                   from its last checkpoint.
  --dry-run        print the plan and its estimated time (measured on this backend), run nothing.

Before the first cell it measures a few steps on the active backend and prints the estimated time
of the plan and of each kind of cell. 'byolmed3d report --run DIR' rebuilds the report at any time.
The plan's fields are the config's 'reproduce' section ('byolmed3d config print' lists them).`;

/** Rewrites reproduce's own flags into config flags; returns them and the rest. */
function splitFlags(argv: string[]): { rest: string[]; dryRun: boolean; preset: string | null } {
  const rest: string[] = [];
  let dryRun = false;
  let preset: string | null = null;
  const alias: Record<string, string> = { kinetics: 'reproduce.kinetics', planes: 'reproduce.planes', seeds: 'reproduce.seeds', out: 'run' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--dry-run') {
      dryRun = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    const name = m?.[1];
    if (name === 'preset') preset = m?.[2] ?? argv[i + 1] ?? null;
    if (name && alias[name]) {
      if (m?.[2] !== undefined) rest.push(`--${alias[name]}=${m[2]}`);
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new ConfigError(name, `--${name} needs a value`);
        rest.push(`--${alias[name]}`, v);
        i++;
      }
      continue;
    }
    rest.push(a);
  }
  return { rest, dryRun, preset };
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
  return `views ${s(t.viewPair)}/clip, BYOL micro-batch ${s(t.byolMicro)}, SimSiam/SimCLR micro-batch ${s(t.noTargetMicro)} (views included), fine-tune step ${s(t.finetuneStep)}, features ${s(t.embedClip)}/clip (measured at batch ${t.measuredBatch})`;
}

/** The `byolmed3d reproduce` command. */
export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "The paper's whole comparison as one resumable plan (methods x protocols x imbalance x planes x seeds), with its report.",
  run: async (argv) => {
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(USAGE);
      return 0;
    }
    const { rest, dryRun, preset } = splitFlags(argv);
    const args = parseRunArgs(rest, 'paper');
    const out = args.runDir;
    let cfg: ExperimentConfig = args.config;
    const isDemo = (preset ?? 'paper') === 'demo';
    const r = cfg.reproduce;
    const demoSizes = { train: r.demoExams, valid: r.demoValidExams, positiveRate: 0.23 };
    let sizes: typeof demoSizes | undefined;
    if (!cfg.data.root) {
      if (isDemo && !dryRun) cfg = mergeConfig(cfg, { data: { root: join(out, 'data') } });
      else if (dryRun) sizes = isDemo ? demoSizes : MRNET_SIZES;
      else throw new ConfigError('data.root', 'reproduce needs --data DIR (MRNet v1.0 layout); --preset demo uses generated phantom data; --dry-run shows the plan and its cost without data');
    }
    if (!dryRun && isReproduceRun(out) && !args.resume) throw new ConfigError('resume', `${out} already holds a reproduce run (plan.json): pass --resume to continue it, or choose another --out`);
    if (args.resume && !isReproduceRun(out) && !dryRun) throw new ConfigError('resume', `${out} holds no reproduce run to resume (no plan.json)`);
    if (!dryRun) mkdirSync(out, { recursive: true });
    const log = new RunLogger(dryRun ? null : join(out, 'log.jsonl'), args.mode);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const sel = await selectBackend({ backend: cfg.backend as BackendChoice, ...(cfg.threads > 0 ? { threads: cfg.threads } : {}) });
    log.info(sel.message);
    if (isDemo && cfg.data.root && !dryRun && !existsSync(join(cfg.data.root, 'valid-acl.csv'))) {
      const g0 = performance.now();
      generateDemoDataset({ out: cfg.data.root, trainExams: r.demoExams, validExams: r.demoValidExams, size: r.demoSize, slices: [12, 18], seed: cfg.seed });
      log.info(`demo data: ${r.demoExams} train + ${r.demoValidExams} valid phantom exams (${r.demoSize}x${r.demoSize}) -> ${cfg.data.root} in ${formatDuration((performance.now() - g0) / 1000)}`);
    }
    const plan = expandPlan(cfg, { out });
    const done = dryRun ? new Set<string>() : doneKeys(out);
    log.info(`measuring ${cfg.reproduce.estimateSteps} steps of each kind on backend ${sel.choice}...`);
    const m0 = performance.now();
    const firstPre = plan.cells.find((c) => c.kind === 'pretrain');
    const kin = plan.cells.find((c) => c.kind === 'downstream' && c.init === 'kinetics');
    const volume = (await firstVolumeShape(cfg, log)) ?? (sizes === demoSizes ? ([15, r.demoSize, r.demoSize] as [number, number, number]) : undefined);
    const measurement: Measurement = { backend: sel.choice, main: measureUnitTimes(firstPre?.config ?? cfg, volume ? { volume } : {}), seconds: 0 };
    if (kin) measurement.kinetics = measureUnitTimes(kin.config, volume ? { volume } : {});
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

    writePlan(out, plan, est);
    writeFileAtomic(join(out, 'config.yaml'), configToYaml(cfg));
    writeFileAtomic(join(out, 'estimate.json'), JSON.stringify({ measurement, estimate: est }, null, 2));
    recordEnvironment(out, environment(sel.message, cfg.threads));
    const res = await runPlan(plan, { out, log, mode: args.mode, backend: sel.choice, estimate: est });
    const rep = buildReport(out, { title: `byolmed3d reproduce (${isDemo ? 'demo preset, phantom data' : preset ?? 'paper'})` });
    const cu = process.cpuUsage(cpu0);
    const secs = (performance.now() - t0) / 1000;
    log.log('done', { command: 'reproduce', seconds: secs, cpuSec: (cu.user + cu.system) / 1e6, ran: res.ran, skipped: res.skipped, warnings: log.warnings });
    log.info(`reproduce: ${res.ran} cells run, ${res.skipped} already done, in ${formatDuration(secs)} wall (${formatDuration((cu.user + cu.system) / 1e6)} CPU). Report: ${resolve(rep.markdown)}`);
    return 0;
  },
};

/** Commands of this module (loaded lazily by the CLI). */
export const commands: Command[] = [reproduceCommand];
