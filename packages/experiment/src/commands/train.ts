import { join, resolve } from 'node:path';
import { experimentCommand, openRun, parseRunArgs, type Command, type RunArgs } from '../cli.js';
import { mergeConfig } from '../config/schema.js';
import { demoPresets } from '../config/presets.js';
import { generateDemoDataset } from '../demo/generate.js';
import { writeReport, readResults, reportRow, withPlaneFusion } from '../report/report.js';
import { formatDuration, type RunLogger } from '../run/logger.js';
import { runDownstream, type Protocol } from '../train/downstream.js';
import { pretrain } from '../train/pretrain.js';
import { isReproduceRun } from '../reproduce/command.js';
import { buildReport } from '../reproduce/report.js';

function runDirsOf(args: RunArgs): string[] {
  return args.config.report.runs ? args.config.report.runs.split(',').map((s) => s.trim()).filter(Boolean) : [args.runDir];
}

const downstream = (protocol: Protocol, summary: string): Command =>
  experimentCommand(protocol, summary, async (args, log) => {
    await runDownstream(args.config, args.runDir, log, { protocol });
  });

function printRows(args: RunArgs, log: RunLogger): void {
  const results = withPlaneFusion(readResults(runDirsOf(args)));
  if (results.length === 0) throw new Error(`evaluate: no results under ${runDirsOf(args).join(', ')}`);
  const rows = results.map((r) => reportRow(r, results, args.config.evaluate.bootstrap, args.config.seed));
  if (args.mode === 'json') {
    process.stdout.write(`${JSON.stringify({ event: 'evaluate', rows })}\n`);
    return;
  }
  for (const r of rows) {
    const vs = r.vsRandom ? `  vs random: ${r.vsRandom.difference >= 0 ? '+' : ''}${r.vsRandom.difference.toFixed(3)} (DeLong p=${r.vsRandom.pValue.toPrecision(2)})` : '';
    log.info(`${r.method.padEnd(32)} AUC ${r.auc.estimate.toFixed(3)} [${r.auc.lower.toFixed(3)}, ${r.auc.upper.toFixed(3)}]  acc ${r.metrics.accuracy?.estimate.toFixed(3)}  sens ${r.metrics.sensitivity?.estimate.toFixed(3)}  spec ${r.metrics.specificity?.estimate.toFixed(3)}${vs}`);
  }
}

/** `report` on a `reproduce` folder rebuilds its report from the cells on disk (and writes nothing else there). */
function reproduceAwareReport(cmd: Command): Command {
  return {
    ...cmd,
    run: async (argv) => {
      const args = parseRunArgs(argv);
      if (args.help || !isReproduceRun(args.runDir)) return cmd.run(argv);
      const r = buildReport(args.runDir);
      if (args.mode !== 'quiet') console.log(`report (${r.done} of ${r.planned} cells done): ${resolve(r.markdown)}`);
      return 0;
    },
  };
}

/** The experiment commands (loaded lazily by the CLI). */
export const commands: Command[] = [
  experimentCommand('pretrain', 'Self-supervised pretraining.', async (args, log) => {
    const r = await pretrain(args.config, args.runDir, log, args.resume);
    log.info(`pretrained encoder: ${r.encoderPath} (${r.steps} optimizer steps${r.skipped ? `, ${r.skipped} exams skipped` : ''})`);
  }),
  downstream('finetune', 'Fine-tune.'),
  downstream('linear-probe', 'Linear probe.'),
  downstream('knn', 'kNN.'),
  experimentCommand('evaluate', 'Evaluate.', async (args, log) => printRows(args, log)),
  reproduceAwareReport(
    experimentCommand('report', 'Report.', async (args, log) => {
      const out = join(args.runDir, 'report');
      const s = writeReport(runDirsOf(args), out, { bootstrap: args.config.evaluate.bootstrap, seed: args.config.seed });
      log.info(`report: ${resolve(s.markdown)}`);
    }),
  ),
  {
    name: 'quickstart',
    summary: 'Quickstart.',
    run: async (argv) => {
      const t0 = performance.now();
      // Everything goes under --out (default ./byolmed3d-quickstart).
      const outIdx = argv.indexOf('--out');
      const out = outIdx >= 0 ? (argv[outIdx + 1] ?? 'byolmed3d-quickstart') : 'byolmed3d-quickstart';
      const rest = outIdx >= 0 ? [...argv.slice(0, outIdx), ...argv.slice(outIdx + 2)] : argv;
      const presetIdx = rest.indexOf('--preset');
      const presetName = presetIdx >= 0 ? (rest[presetIdx + 1] ?? 'quickstart') : 'quickstart';
      const dataDir = join(out, 'data');
      const base = parseRunArgs(['--runs-dir', join(out, 'runs'), '--data', dataDir, ...rest], 'quickstart');
      if (base.help) {
        console.log('Usage: byolmed3d quickstart [--out DIR (default ./byolmed3d-quickstart)] [--preset quickstart|tiny] [--<field> VALUE]... [--quiet|--json]');
        return 0;
      }
      const log = await openRun(base, 'quickstart');
      const cpu0 = process.cpuUsage();
      const mark = (phase: string): void => {
        const u = process.cpuUsage(cpu0);
        log.log('phase', { phase, cpuSec: (u.user + u.system) / 1e6, wallSec: (performance.now() - t0) / 1000 });
      };
      const demo = demoPresets[presetName] ?? demoPresets.quickstart!;
      log.info(`[1/5] demo data: ${demo.trainExams} train + ${demo.validExams} test phantom exams (${demo.size}x${demo.size}) -> ${dataDir}`);
      generateDemoDataset({ out: dataDir, seed: base.config.seed, ...demo });
      mark('demo-data');
      log.info(`[2/5] BYOL pretraining with gradient accumulation (${base.config.pretrain.microBatch} x ${base.config.pretrain.accumulation})`);
      await pretrain(base.config, base.runDir, log, base.resume);
      const pre = mergeConfig(base.config, { init: { kind: 'pretrained', label: 'BYOL+accum' } });
      const rnd = mergeConfig(base.config, { init: { kind: 'random', label: 'random init' } });
      mark('pretrain');
      log.info('[3/5] fine-tuning: BYOL-pretrained and random-init encoders');
      await runDownstream({ ...pre, init: { ...pre.init, label: 'BYOL+accum / fine-tune' } }, base.runDir, log, { protocol: 'finetune' });
      await runDownstream({ ...rnd, init: { ...rnd.init, label: 'random init / fine-tune' } }, base.runDir, log, { protocol: 'finetune' });
      mark('finetune');
      log.info('[4/5] linear probe');
      await runDownstream({ ...pre, init: { ...pre.init, label: 'BYOL+accum / linear probe' } }, base.runDir, log, { protocol: 'linear-probe' });
      await runDownstream({ ...rnd, init: { ...rnd.init, label: 'random init / linear probe' } }, base.runDir, log, { protocol: 'linear-probe' });
      mark('linear-probe');
      log.info('[5/5] report');
      const s = writeReport([base.runDir], join(base.runDir, 'report'), { bootstrap: base.config.evaluate.bootstrap, seed: base.config.seed, title: 'byolmed3d quickstart (demo phantoms, ACL tear)' });
      for (const r of s.rows) {
        const vs = r.vsRandom ? `  Δ vs random ${r.vsRandom.difference >= 0 ? '+' : ''}${r.vsRandom.difference.toFixed(3)} (p=${r.vsRandom.pValue.toPrecision(2)})` : '';
        log.info(`  ${r.method.padEnd(28)} AUC ${r.auc.estimate.toFixed(3)} (95% CI ${r.auc.lower.toFixed(3)}–${r.auc.upper.toFixed(3)})${vs}`);
      }
      const secs = (performance.now() - t0) / 1000;
      log.log('done', { command: 'quickstart', seconds: secs });
      log.info(`quickstart finished in ${formatDuration(secs)}. Report: ${resolve(s.markdown)}`);
      return 0;
    },
  },
];
