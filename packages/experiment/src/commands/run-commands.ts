import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describeStateDict } from '@byolmed3d/resnet3d';
import { writeFileAtomicSync } from '@byolmed3d/util/node';
import * as vio from '@byolmed3d/video-io';
import { selectBackend } from '../backend/select.js';
import type { CommandContext, RunArgs } from '../cli.js';
import { configToYaml } from '../config/io.js';
import { demoPresets } from '../config/presets.js';
import { ConfigError, configJsonSchema, mergeConfig, parseConfig, type ExperimentConfig } from '../config/schema.js';
import { generateDemoDataset } from '../demo/generate.js';
import { reportRow, withPlaneFusion, writeReport, type ReportRow, type ReportSummary } from '../report/report.js';
import { readResults } from '../train/downstream/results.js';
import { latestCheckpoint } from '../run/checkpoint.js';
import { RunLogger, formatDuration } from '../run/logger.js';
import { prepareRunDir, readJson, writeRunConfig } from '../run/run-dir.js';
import { runDownstream } from '../train/downstream/index.js';
import type { Protocol } from '../train/downstream/results.js';
import { EXPORT_WEIGHTS, exportEncoderAsync, readEncoderWeights } from '../train/models.js';
import { buildPretrainModel, encoderExportDir, planPretrain, pretrainDir, restoreState, runPretrain } from '../train/pretrain.js';
import type { CommandBody } from './registry.js';

/** Opens a run: prepares the directory (writable, stale temps removed), picks the backend, starts the log. */
export async function startRun(args: RunArgs, command: string): Promise<RunLogger> {
  const stale = prepareRunDir(args.runDir);
  const log = new RunLogger(join(args.runDir, 'log.jsonl'), args.mode);
  for (const f of stale) log.info(`removed a stale temp file left by a killed run: ${f}`);
  const c = args.config;
  const sel = await selectBackend({ backend: c.backend, precision: c.precision, ...(c.threads > 0 ? { threads: c.threads } : {}) });
  log.info(sel.message);
  log.log('start', { command, runDir: resolve(args.runDir), backend: sel.choice, config: c });
  return log;
}

function runDirsOf(args: RunArgs): string[] {
  return args.config.report.runs ? args.config.report.runs.split(',').map((s) => s.trim()).filter(Boolean) : [args.runDir];
}

/** Computes the evaluation rows of the results in `runDirs` (refusing non-finite scores). */
export function runEvaluate(config: ExperimentConfig, runDirs: string[]): ReportRow[] {
  const results = withPlaneFusion(readResults(runDirs));
  if (results.length === 0) throw new ConfigError('--run', `no results under ${runDirs.map((d) => join(d, 'results')).join(', ')} (run finetune, linear-probe or knn first)`);
  return results.map((r) => reportRow(r, results, config.evaluate.bootstrap, config.seed));
}

/** Writes the report of the results in `runDirs` into `outDir` (see `writeReport`). */
export function buildReport(config: ExperimentConfig, runDirs: string[], outDir: string, title?: string): ReportSummary {
  return writeReport(runDirs, outDir, { bootstrap: config.evaluate.bootstrap, seed: config.seed, ...(title ? { title } : {}) });
}

const f3 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(3));

function rowLine(r: ReportRow): string {
  const vs = r.vsRandom ? `  vs random ${r.vsRandom.difference >= 0 ? '+' : ''}${f3(r.vsRandom.difference)} (p=${r.vsRandom.pValue.toPrecision(2)})` : '';
  return `${r.method.padEnd(28)} AUC ${f3(r.auc.estimate)} [${f3(r.auc.lower)}, ${f3(r.auc.upper)}]  sens ${f3(r.metrics.sensitivity?.estimate)}  spec ${f3(r.metrics.specificity?.estimate)}${vs}`;
}

/** Wraps an experiment command: opens the run, times it, logs `done`. */
function experiment(name: string, body: (args: RunArgs, log: RunLogger) => Promise<void>): CommandBody {
  return {
    run: async (ctx) => {
      const args = ctx.run as RunArgs;
      const log = await startRun(args, name);
      const t0 = performance.now();
      await body(args, log);
      log.log('done', { command: name, seconds: (performance.now() - t0) / 1000, warnings: log.warnings });
      return 0;
    },
  };
}

const downstream = (protocol: Protocol): CommandBody =>
  experiment(protocol, async (args, log) => {
    writeRunConfig(args.runDir, args.config);
    await runDownstream(args.config, args.runDir, { log, protocol });
  });

async function quickstart(ctx: CommandContext): Promise<number> {
  const t0 = performance.now();
  const a = ctx.run as RunArgs;
  const out = String(ctx.options.out ?? 'byolmed3d-quickstart');
  const dataDir = join(out, 'data');
  // Everything goes under --out, unless given explicitly.
  const config = parseConfig({ ...a.config, runsDir: ctx.options.runsDir ?? join(out, 'runs'), data: { ...a.config.data, root: a.config.data.root ?? dataDir } });
  const args: RunArgs = { ...a, config, runDir: ctx.options.run ? a.runDir : join(config.runsDir, config.name) };
  const log = await startRun(args, 'quickstart');
  const cpu0 = process.cpuUsage();
  const mark = (phase: string): void => {
    const u = process.cpuUsage(cpu0);
    log.log('phase', { phase, cpuSec: (u.user + u.system) / 1e6, wallSec: (performance.now() - t0) / 1000 });
  };
  const demo = demoPresets[String(ctx.options.preset ?? 'quickstart')] ?? (demoPresets.quickstart as NonNullable<(typeof demoPresets)['quickstart']>);
  log.info(`[1/5] demo data: ${demo.trainExams} train + ${demo.validExams} test phantom exams (${demo.size}x${demo.size}) -> ${config.data.root}`);
  generateDemoDataset({ out: config.data.root as string, seed: config.seed, ...demo });
  mark('demo-data');
  log.info(`[2/5] BYOL pretraining with gradient accumulation (${config.pretrain.microBatch} x ${config.pretrain.accumulation})`);
  await runPretrain(config, args.runDir, { log, resume: args.resume, overwrite: args.overwrite, force: args.force });
  mark('pretrain');
  const with_ = (kind: 'pretrained' | 'random', label: string): ExperimentConfig => mergeConfig(config, { init: { kind, label } });
  log.info('[3/5] fine-tuning: BYOL-pretrained and random-init encoders');
  await runDownstream(with_('pretrained', 'BYOL+accum / fine-tune'), args.runDir, { log, protocol: 'finetune' });
  await runDownstream(with_('random', 'random init / fine-tune'), args.runDir, { log, protocol: 'finetune' });
  mark('finetune');
  log.info('[4/5] linear probe');
  await runDownstream(with_('pretrained', 'BYOL+accum / linear probe'), args.runDir, { log, protocol: 'linear-probe' });
  await runDownstream(with_('random', 'random init / linear probe'), args.runDir, { log, protocol: 'linear-probe' });
  mark('linear-probe');
  log.info('[5/5] report');
  const s = buildReport(config, [args.runDir], join(args.runDir, 'report'), 'byolmed3d quickstart (demo phantoms, ACL tear)');
  for (const r of s.rows) {
    const vs = r.vsRandom ? `  Δ vs random ${r.vsRandom.difference >= 0 ? '+' : ''}${r.vsRandom.difference.toFixed(3)} (p=${r.vsRandom.pValue.toPrecision(2)})` : '';
    log.info(`  ${r.method.padEnd(28)} AUC ${f3(r.auc.estimate)} (95% CI ${f3(r.auc.lower)}–${f3(r.auc.upper)})${vs}`);
  }
  const secs = (performance.now() - t0) / 1000;
  log.log('done', { command: 'quickstart', seconds: secs, warnings: log.warnings });
  log.info(`quickstart finished in ${formatDuration(secs)}. Report: ${resolve(s.markdown)}`);
  return 0;
}

/** What `weights convert` writes for OUT: a `.pth`/`.pt` torch checkpoint, a `.safetensors` file, or an export folder. */
function weightsFormatOf(out: string): 'pth' | 'safetensors' | 'folder' {
  if (/\.(pth|pt)$/i.test(out)) return 'pth';
  return /\.safetensors$/i.test(out) ? 'safetensors' : 'folder';
}

async function weights(ctx: CommandContext): Promise<number> {
  const sub = ctx.options.sub;
  if (sub === 'inspect') {
    const { entries } = await readEncoderWeights(ctx.args[0] as string);
    const s = describeStateDict(entries);
    if (ctx.options.json) console.log(JSON.stringify({ parameterCount: s.parameterCount, bufferCount: s.bufferCount, dtypes: s.dtypes, tensors: s.tensors }));
    else console.log(s.text);
    return 0;
  }
  if (sub === 'convert') {
    const [inp, out] = ctx.args as [string, string];
    const to = weightsFormatOf(out);
    const target = to === 'folder' ? join(out, EXPORT_WEIGHTS) : out;
    if (!ctx.options.force && existsSync(target)) throw new ConfigError('OUT', `${target} exists; pass --force to replace it`);
    const { entries, config } = await readEncoderWeights(inp);
    const { encodeSafetensors, encodeTorchCheckpoint } = await import('@byolmed3d/resnet3d');
    const safetensors = (): Uint8Array => encodeSafetensors(entries, { metadata: { format: 'pt', producer: 'byolmed3d', ...(config ? { arch: config.arch } : {}) } });
    if (to === 'pth') writeFileAtomicSync(out, encodeTorchCheckpoint(entries, {}, out));
    else if (to === 'safetensors') writeFileAtomicSync(out, safetensors());
    else {
      mkdirSync(out, { recursive: true });
      writeFileAtomicSync(target, safetensors());
      if (config) writeFileAtomicSync(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    }
    const dropped = config && to !== 'folder' ? ` (${inp}'s config.json is not carried into a single file; keep it beside the weights)` : '';
    console.log(`wrote ${out}: ${Object.keys(entries).length} tensors as ${to === 'folder' ? `${EXPORT_WEIGHTS}${config ? ' + config.json' : ''}` : to}${dropped}`);
    return 0;
  }
  // export RUN [--out DIR]: the run's final export, or an export of its newest finite checkpoint.
  const run = ctx.args[0] as string;
  const outDir = ctx.options.out ? String(ctx.options.out) : encoderExportDir(run);
  const final = encoderExportDir(run);
  if (existsSync(join(final, EXPORT_WEIGHTS))) {
    if (resolve(outDir) !== resolve(final)) cpSync(final, outDir, { recursive: true });
    console.log(`encoder of ${run}: ${join(outDir, EXPORT_WEIGHTS)} (+ config.json)`);
    return 0;
  }
  const cfgFile = join(run, 'config.yaml');
  if (!existsSync(cfgFile) || !statSync(cfgFile).isFile()) throw new ConfigError('RUN', `${run} is not a run directory (no config.yaml)`);
  const { readConfigFile } = await import('../config/io.js');
  const config = parseConfig(readConfigFile(cfgFile));
  const record = readJson(join(pretrainDir(run), 'run.json')) as { runId: string; configHash: string };
  const last = latestCheckpoint(pretrainDir(run), { runId: record.runId });
  if (!last) throw new ConfigError('RUN', `${run} has no finite pretraining checkpoint to export`);
  await selectBackend({ backend: config.backend });
  const m = buildPretrainModel(config, planPretrain(config, Number.MAX_SAFE_INTEGER).totalSteps);
  try {
    await restoreState(m, last.ckpt.tensors, last.path);
    await exportEncoderAsync(m.encoder, outDir, config, { configHash: record.configHash, training: { method: config.pretrain.method, optimizerSteps: last.step, runId: record.runId, checkpoint: last.path } });
  } finally {
    m.dispose();
  }
  console.log(`encoder of ${run} at optimizer step ${last.step}: ${join(outDir, EXPORT_WEIGHTS)} (+ config.json)`);
  return 0;
}

/** The bodies of the commands in the registry, by name. */
export const bodies: Record<string, CommandBody> = {
  quickstart: { run: quickstart },
  pretrain: experiment('pretrain', async (args, log) => {
    const r = await runPretrain(args.config, args.runDir, { log, resume: args.resume, overwrite: args.overwrite, force: args.force });
    log.info(`pretrained encoder: ${join(r.encoderDir, EXPORT_WEIGHTS)} (${r.steps} optimizer steps${r.skipped ? `, ${r.skipped} exams skipped` : ''})`);
  }),
  finetune: downstream('finetune'),
  'linear-probe': downstream('linear-probe'),
  knn: downstream('knn'),
  evaluate: experiment('evaluate', async (args, log) => {
    const rows = runEvaluate(args.config, runDirsOf(args));
    if (args.mode === 'json') process.stdout.write(`${JSON.stringify({ event: 'evaluate', rows })}\n`);
    else for (const r of rows) log.info(rowLine(r));
  }),
  report: experiment('report', async (args, log) => {
    const s = buildReport(args.config, runDirsOf(args), join(args.runDir, 'report'));
    log.info(`report: ${resolve(s.markdown)}`);
  }),
  run: {
    // `config print` and `config schema`.
    run: async (ctx) => {
      if (ctx.options.sub === 'schema') {
        process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
        return 0;
      }
      const args = ctx.run as RunArgs;
      if (args.mode === 'json') process.stdout.write(`${JSON.stringify(args.config, null, 2)}\n`);
      else process.stdout.write(configToYaml(args.config));
      return 0;
    },
  },
  inspect: {
    run: async (ctx) => {
      let code = 0;
      for (const p of ctx.args) {
        try {
          const d = vio.describeVideo(await vio.readVideo(p));
          console.log(ctx.options.json ? JSON.stringify(d) : vio.formatDescription(d));
        } catch (err) {
          console.error(`byolmed3d inspect: ${(err as Error).message}`);
          code = 1;
        }
      }
      return code;
    },
  },
  weights: { run: weights },
  'demo-data': {
    run: async (ctx) => {
      const o = ctx.options as { out: string; exams?: number; validExams?: number; seed?: number; size?: number; slices?: [number, number]; preset?: string; quiet?: boolean };
      const preset = o.preset ? demoPresets[o.preset] : undefined;
      if (o.preset && !preset) throw new ConfigError('--preset', `unknown preset '${o.preset}' (known: ${Object.keys(demoPresets).join(', ')})`);
      const trainExams = o.exams ?? preset?.trainExams ?? 120;
      const t0 = performance.now();
      const s = generateDemoDataset({ out: o.out, trainExams, validExams: o.validExams ?? preset?.validExams ?? Math.max(4, Math.ceil(trainExams / 2)), seed: o.seed ?? 0, size: o.size ?? preset?.size ?? 256, slices: o.slices ?? preset?.slices ?? [20, 40] });
      if (!o.quiet) {
        const acl = s.splits.train.filter((e) => e.labels.acl).length;
        console.log(`demo data: ${s.splits.train.length} train + ${s.splits.valid.length} valid exams in ${o.out} (${acl} ACL tears in train) in ${formatDuration((performance.now() - t0) / 1000)}`);
      }
      return 0;
    },
  },
  backend: {
    run: async (ctx) => {
      if (ctx.options.build === true && buildOneDnnAddon() !== 0) return 1;
      const c = parseConfig({ backend: ctx.options.backend, precision: ctx.options.precision });
      const sel = await selectBackend({ backend: c.backend, precision: c.precision, ...(ctx.options.threads ? { threads: Number(ctx.options.threads) } : {}) });
      console.log(sel.message);
      return 0;
    },
  },
};

/** `backend --build`: runs @byolmed3d/tfjs-onednn's addon build (after oneDNN was installed); resolves to its exit code. */
function buildOneDnnAddon(): number {
  let script: string;
  try {
    script = join(dirname(createRequire(import.meta.url).resolve('@byolmed3d/tfjs-onednn/package.json')), 'scripts', 'build-addon.mjs');
  } catch {
    console.error('byolmed3d backend --build: @byolmed3d/tfjs-onednn is not installed (npm install @byolmed3d/tfjs-onednn)');
    return 1;
  }
  return spawnSync(process.execPath, [script, '--force'], { stdio: 'inherit' }).status ?? 1;
}
