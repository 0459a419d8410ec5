import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { selectBackend, type BackendChoice } from './backend/select.js';
import { ConfigError, configToYaml, defaultConfig, flagToPartial, mergeConfig, readConfigFile, type ExperimentConfig } from './config/schema.js';
import { demoPresets, presets } from './config/presets.js';
import { generateDemoDataset } from './demo/generate.js';
import { RunLogger, formatDuration, type OutputMode } from './run/logger.js';

/** One sub-command of the `byolmed3d` CLI. */
export interface Command {
  /** Name typed after `byolmed3d`. */
  name: string;
  /** One line for `--help`. */
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run: (argv: string[]) => Promise<number>;
}

/** Flags common to the experiment commands, parsed by {@link parseRunArgs}. */
export interface RunArgs {
  /** The effective configuration. */
  config: ExperimentConfig;
  /** `--resume`. */
  resume: boolean;
  /** Terminal mode (`--quiet`, `--json`). */
  mode: OutputMode;
  /** `--run DIR` (default `<runsDir>/<name>`). */
  runDir: string;
  /** Positional arguments. */
  positionals: string[];
  /** `--help` was given. */
  help: boolean;
}

const SHORTCUTS: Record<string, string> = {
  data: 'data.root',
  name: 'name',
  seed: 'seed',
  backend: 'backend',
  plane: 'data.plane',
  task: 'data.task',
  method: 'pretrain.method',
  epochs: 'pretrain.epochs',
  init: 'init.kind',
  weights: 'init.weights',
  from: 'init.from',
  label: 'init.label',
  'runs-dir': 'runsDir',
};

/**
 * Parses `--config FILE` (JSON or YAML), `--preset NAME`, `--set path=value`,
 * `--<dotted.path> value` for any config field, the shortcuts (`--data`,
 * `--name`, `--seed`, `--init`, ...) and `--resume`, `--quiet`, `--json`,
 * `--strict`, `--run DIR`. Precedence: defaults < preset < file < flags.
 */
export function parseRunArgs(argv: string[], defaultPreset?: string): RunArgs {
  let preset = defaultPreset;
  let file: string | null = null;
  const overrides: Record<string, unknown>[] = [];
  let resume = false;
  let mode: OutputMode = 'human';
  let runDir: string | null = null;
  let help = false;
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) {
      if (a === '-h') help = true;
      else positionals.push(a);
      continue;
    }
    let key = a.slice(2);
    let value: string | undefined;
    const eq = key.indexOf('=');
    if (eq >= 0) [key, value] = [key.slice(0, eq), key.slice(eq + 1)];
    const takeValue = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new ConfigError(key, 'missing value');
      return v;
    };
    switch (key) {
      case 'help':
        help = true;
        break;
      case 'resume':
        resume = true;
        break;
      case 'quiet':
        mode = 'quiet';
        break;
      case 'json':
        mode = 'json';
        break;
      case 'strict':
        overrides.push({ strict: true });
        break;
      case 'config':
        file = takeValue();
        break;
      case 'preset': {
        preset = takeValue();
        if (!presets[preset]) throw new ConfigError('preset', `unknown preset '${preset}' (known: ${Object.keys(presets).join(', ')})`);
        break;
      }
      case 'run':
        runDir = takeValue();
        break;
      case 'set': {
        const kv = takeValue();
        const e = kv.indexOf('=');
        if (e < 0) throw new ConfigError('set', `expected path=value, got '${kv}'`);
        overrides.push(flagToPartial(kv.slice(0, e), kv.slice(e + 1)));
        break;
      }
      default:
        overrides.push(flagToPartial(SHORTCUTS[key] ?? key, takeValue()));
    }
  }
  let config = defaultConfig();
  if (preset) config = mergeConfig(config, presets[preset]);
  if (file) config = mergeConfig(config, readConfigFile(file));
  for (const o of overrides) config = mergeConfig(config, o);
  return { config, resume, mode, runDir: runDir ?? join(config.runsDir, config.name), positionals, help };
}

/** Opens (creates) a run directory: writes the effective config and returns a logger on its JSONL log. */
export async function openRun(args: RunArgs, command: string): Promise<RunLogger> {
  mkdirSync(args.runDir, { recursive: true });
  writeFileSync(join(args.runDir, 'config.yaml'), configToYaml(args.config));
  const log = new RunLogger(join(args.runDir, 'log.jsonl'), args.mode);
  const sel = await selectBackend({ backend: args.config.backend as BackendChoice, ...(args.config.threads > 0 ? { threads: args.config.threads } : {}) });
  log.info(sel.message);
  log.log('start', { command, runDir: resolve(args.runDir), backend: sel.choice, config: args.config });
  return log;
}

function runHelp(name: string, what: string): string {
  return [
    `Usage: byolmed3d ${name} [--config FILE] [--preset quickstart|tiny] [--data DIR] [--name NAME] [--run DIR] [--<field> VALUE]... [--resume] [--quiet|--json] [--strict]`,
    '',
    what,
    '',
    'Any config field can be set as --<dotted.path> VALUE (e.g. --pretrain.lr 0.1) or --set path=value;',
    "`byolmed3d config print` lists every field with its default and doc line.",
  ].join('\n');
}

/** Wraps a run body into a {@link Command}: parses flags, opens the run directory and logs start and end. */
function experimentCommand(name: string, summary: string, body: (args: RunArgs, log: RunLogger) => Promise<void>): Command {
  return {
    name,
    summary,
    run: async (argv) => {
      const args = parseRunArgs(argv);
      if (args.help) {
        console.log(runHelp(name, summary));
        return 0;
      }
      const log = await openRun(args, name);
      const t0 = performance.now();
      await body(args, log);
      log.log('done', { command: name, seconds: (performance.now() - t0) / 1000, warnings: log.warnings });
      return 0;
    },
  };
}

const backendCommand: Command = {
  name: 'backend',
  summary: 'Show which tfjs backend would be used (tfjs-node-gpu, tfjs-node, oneDNN, cpu, wasm).',
  run: async (argv) => {
    const args = parseRunArgs(argv);
    const sel = await selectBackend({ backend: args.config.backend as BackendChoice });
    console.log(sel.message);
    return 0;
  },
};

const demoDataCommand: Command = {
  name: 'demo-data',
  summary: 'Generate the seeded knee-MRI phantom dataset in the MRNet-v1.0 layout.',
  run: async (argv) => {
    const o: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === '--help' || a === '-h') {
        console.log('Usage: byolmed3d demo-data --out DIR [--exams N (train, default 120)] [--valid-exams M (default N/2)] [--seed S] [--size PX (default 256)] [--slices MIN,MAX (default 20,40)] [--preset quickstart|tiny] [--quiet]');
        return 0;
      }
      if (a === '--quiet') o.quiet = 'true';
      else if (a.startsWith('--')) o[a.slice(2)] = argv[++i] ?? '';
    }
    if (!o.out) throw new ConfigError('out', 'demo-data needs --out DIR');
    const preset = o.preset ? demoPresets[o.preset] : undefined;
    if (o.preset && !preset) throw new ConfigError('preset', `unknown preset '${o.preset}'`);
    const num = (k: string, d: number): number => {
      if (o[k] === undefined) return d;
      const v = Number(o[k]);
      if (!Number.isInteger(v)) throw new ConfigError(k, `expected an integer, got '${o[k]}'`);
      return v;
    };
    const trainExams = num('exams', preset?.trainExams ?? 120);
    const slices = o.slices ? (o.slices.split(',').map(Number) as [number, number]) : (preset?.slices ?? [20, 40]);
    const t0 = performance.now();
    const s = generateDemoDataset({ out: o.out, trainExams, validExams: num('valid-exams', preset?.validExams ?? Math.max(4, Math.ceil(trainExams / 2))), seed: num('seed', 0), size: num('size', preset?.size ?? 256), slices });
    if (!o.quiet) {
      const acl = s.splits.train.filter((e) => e.labels.acl).length;
      console.log(`demo data: ${s.splits.train.length} train + ${s.splits.valid.length} valid exams in ${o.out} (${acl} ACL tears in train) in ${formatDuration((performance.now() - t0) / 1000)}`);
    }
    return 0;
  },
};

const configCommand: Command = {
  name: 'config',
  summary: "'config print': print the effective config (defaults < preset < file < flags) as commented YAML.",
  run: async (argv) => {
    const [sub, ...rest] = argv;
    if (sub !== 'print') {
      console.error("Usage: byolmed3d config print [--config FILE] [--preset NAME] [--<field> VALUE]... [--json]");
      return 2;
    }
    const args = parseRunArgs(rest);
    if (args.mode === 'json') console.log(JSON.stringify(args.config, null, 2));
    else process.stdout.write(configToYaml(args.config));
    return 0;
  },
};

const lazy = (load: () => Promise<{ commands: Command[] }>, name: string, summary: string): Command => ({
  name,
  summary,
  run: async (argv) => {
    const mod = await load();
    const c = mod.commands.find((x) => x.name === name);
    if (!c) throw new Error(`internal: command ${name} missing`);
    return c.run(argv);
  },
});

const trainCommands = (): Promise<{ commands: Command[] }> => import('./commands/train.js');
const toolCommands = (): Promise<{ commands: Command[] }> => import('./commands/tools.js');
const reproduceCommands = (): Promise<{ commands: Command[] }> => import('./reproduce/command.js');

/** Every registered command, in `--help` order. */
export const commands: Command[] = [
  lazy(trainCommands, 'quickstart', 'Demo end to end: phantom data, BYOL+accumulation pretraining, fine-tune/probe vs random init, report.'),
  lazy(trainCommands, 'pretrain', 'Self-supervised pretraining (BYOL, SimSiam, SimCLR) with gradient accumulation; --resume continues.'),
  lazy(trainCommands, 'finetune', 'Fine-tune the encoder + a linear head on the task; writes test predictions.'),
  lazy(trainCommands, 'linear-probe', 'Logistic regression on frozen encoder features.'),
  lazy(trainCommands, 'knn', 'Cosine k-nearest-neighbour classifier on frozen features.'),
  lazy(trainCommands, 'evaluate', 'Print every method\'s metrics with 95% CIs from the run\'s results.'),
  lazy(trainCommands, 'report', 'Write report.md (metrics, CIs, DeLong vs random init), ROC and loss curves (PNG, SVG); rebuilds a reproduce report.'),
  lazy(reproduceCommands, 'reproduce', "The paper's whole comparison as one resumable plan (methods x protocols x imbalance x planes x seeds), with its report."),
  configCommand,
  lazy(toolCommands, 'inspect', 'Describe a medical video/volume file (format, shape, dtype, spacing, stats).'),
  lazy(toolCommands, 'weights', "'weights convert IN.pth OUT.safetensors' | 'weights inspect FILE'."),
  demoDataCommand,
  backendCommand,
];

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: byolmed3d <command> [options]',
    '',
    'Self-supervised learning on medical videos (BYOLMed3D).',
    '',
    'Commands:',
    ...lines,
    '',
    'Global options:',
    '  --backend NAME  auto | tensorflow-gpu | tensorflow | onednn | cpu | wasm (default auto)',
    '  --help, -h      Show help (also `byolmed3d <command> --help`)',
    '  --version       Print the version',
  ].join('\n');
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    console.log(usage());
    return 0;
  }
  if (first === '--version') {
    console.log(version());
    return 0;
  }
  const cmd = commands.find((c) => c.name === first);
  if (!cmd) {
    console.error(`byolmed3d: unknown command '${first}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`byolmed3d ${first}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

export { experimentCommand };
