import { InvalidArgumentError, type Command as Commander } from 'commander';
import type { CommandContext } from '../cli.js';

/** A loaded command body: runs with the parsed context, resolves to the exit code. */
export interface CommandBody {
  /** Runs the command. */
  run(ctx: CommandContext): Promise<number>;
}

/** A sub-command (`weights convert`, `config print`, ...). */
export interface SubcommandSpec {
  /** Name after the parent's. */
  name: string;
  /** One line for help. */
  summary: string;
  /** Adds arguments and options. */
  configure?(cmd: Commander): void;
  /** Takes the run options (config, preset, fields). */
  runOptions?: boolean;
  /** Config fields (or sections) it uses, for its help. */
  fields?: readonly string[];
  /** Runs it. */
  run(ctx: CommandContext): Promise<number>;
}

/** One entry of the command registry: the single place a command's name, summary, options and the config fields it reads are declared. */
export interface CommandSpec {
  /** Name typed after `byolmed3d`. */
  name: string;
  /** One line for `byolmed3d --help` and the command's own help. */
  summary: string;
  /** Longer description for the command's help (default the summary). */
  description?: string;
  /** `run`: takes the run options (config file, preset, every config field, --resume ...); `tool`: only its own options. */
  kind: 'run' | 'tool';
  /** Config fields or sections it reads (listed with defaults and docs in its help). */
  fields?: readonly string[];
  /** Preset applied before the config file (quickstart). */
  defaultPreset?: string;
  /** Adds the command's own arguments and options. */
  configure?(cmd: Commander): void;
  /** Sub-commands. */
  subcommands?: readonly SubcommandSpec[];
  /** Loads the body (lazily, so `--help` does not load tfjs). */
  load(): Promise<CommandBody>;
}

/** Parses a positive integer option value (commander `argParser`). */
export function positiveInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`--${name}: expected a positive integer, got '${v}'`);
    return n;
  };
}

/** Parses `MIN,MAX` slice counts (commander `argParser`). */
export function sliceRange(v: string): [number, number] {
  const parts = v.split(',');
  const nums = parts.map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((p) => !/^\s*\d+\s*$/.test(p)) || nums.some((n) => n < 1) || (nums[0] as number) > (nums[1] as number)) {
    throw new InvalidArgumentError(`--slices: expected MIN,MAX with 1 <= MIN <= MAX, got '${v}'`);
  }
  return nums as [number, number];
}

const REPRODUCE_HELP = [
  "Runs the paper's whole comparison as one plan of cells, each keyed by the hash of its config and written",
  'into <out>/cells/<key>/: pretraining (BYOL + accumulation, BYOL without accumulation, SimSiam and SimCLR',
  'with accumulation), baselines (random init; Kinetics-400 r3d_18 with --kinetics), protocols (fine-tune,',
  'linear probe, kNN), the imbalance study, planes (--planes all: each plane plus MRNet-style fusion) and',
  'several seeds; then writes <out>/report/. It first measures a few steps on the active backend and prints',
  'the estimated time of the plan. Done cells are never redone; after a kill, --resume finishes the plan',
  "with an uninterrupted run's results. 'byolmed3d report --run DIR' rebuilds the report at any time.",
  'Without --data: --preset demo generates phantom data into <out>/data; --dry-run assumes MRNet v1.0 sizes.',
].join(' ');

const common = ['seed', 'backend', 'precision', 'threads', 'strict'];
const pretrainFields = [...common, 'data.root', 'data.plane', 'data.task', 'data.valFraction', 'data.frames', 'data.crop', 'data.resize', 'data.channels', 'data.maxMB', 'model', 'pretrain'];
const downstreamFields = (own: string): string[] => [...common, 'data', 'model', own, 'finetune.batch', 'init'];
const runs = (): Promise<CommandBody> => import('./run-commands.js').then((m) => m.bodies.run as CommandBody);
const bodyOf = (name: string) => (): Promise<CommandBody> => import('./run-commands.js').then((m) => m.bodies[name] as CommandBody);

/** Every command of the CLI, in `--help` order. */
export const registry: readonly CommandSpec[] = [
  {
    name: 'quickstart',
    summary: 'Demo end to end: phantom data, BYOL+accumulation pretraining, fine-tune/probe vs random init, report.',
    kind: 'run',
    defaultPreset: 'quickstart',
    fields: [...pretrainFields, 'finetune', 'probe', 'evaluate'],
    configure: (c) => c.option('--out <dir>', 'everything goes here (data/, runs/<name>/)', 'byolmed3d-quickstart'),
    load: bodyOf('quickstart'),
  },
  {
    name: 'pretrain',
    summary: 'Self-supervised pretraining (BYOL, SimSiam, SimCLR) with gradient accumulation; --resume continues; exports the encoder.',
    kind: 'run',
    fields: pretrainFields,
    load: bodyOf('pretrain'),
  },
  { name: 'finetune', summary: 'Fine-tune the encoder + a linear head on the task; writes test predictions to results/.', kind: 'run', fields: downstreamFields('finetune'), load: bodyOf('finetune') },
  { name: 'linear-probe', summary: 'Logistic regression on frozen encoder features (C chosen on validation AUC).', kind: 'run', fields: downstreamFields('probe.C'), load: bodyOf('linear-probe') },
  { name: 'knn', summary: 'Cosine k-nearest-neighbour classifier on frozen encoder features.', kind: 'run', fields: downstreamFields('probe.k'), load: bodyOf('knn') },
  { name: 'evaluate', summary: "Print every method's metrics with 95% CIs from the run's results.", kind: 'run', fields: ['seed', 'evaluate', 'report'], load: bodyOf('evaluate') },
  {
    name: 'report',
    summary: 'Write report.md (metrics, CIs, DeLong vs random init), ROC and loss curves (PNG, SVG); on a reproduce folder, rebuild its report.',
    kind: 'run',
    fields: ['seed', 'evaluate', 'report'],
    load: () => Promise.all([bodyOf('report')(), import('../reproduce/command.js')]).then(([b, r]) => r.reproduceAwareReport(b)),
  },
  {
    name: 'reproduce',
    summary: "The paper's whole comparison as one resumable plan (methods x protocols x imbalance x planes x seeds) with its report.",
    description: REPRODUCE_HELP,
    kind: 'run',
    defaultPreset: 'paper',
    fields: [...pretrainFields, 'finetune', 'probe', 'evaluate', 'init.weights', 'reproduce'],
    configure: (c) =>
      c
        .option('--out <dir>', 'output folder (default <runsDir>/<name>; the same as --run)')
        .option('--kinetics <file>', "Kinetics-400 r3d_18 weights (= --reproduce.kinetics; without: 'not run: no weights')")
        .option('--planes <planes>', 'sagittal | coronal | axial | all (= --reproduce.planes)')
        .option('--seeds <n>', 'seeds per cell (= --reproduce.seeds)', positiveInt('seeds'))
        .option('--dry-run', 'print the plan and its estimated time (measured on this backend), run nothing'),
    load: () => import('../reproduce/command.js').then((m) => m.reproduceBody),
  },
  {
    name: 'config',
    summary: "'config print': the effective config as commented YAML; 'config schema': its JSON Schema.",
    kind: 'tool',
    subcommands: [
      { name: 'print', summary: 'Print the effective config (defaults < preset < file < flags) as commented YAML (--json: JSON).', runOptions: true, fields: [], run: (ctx) => runs().then((b) => b.run({ ...ctx, options: { ...ctx.options, sub: 'print' } })) },
      { name: 'schema', summary: 'Print the JSON Schema of config files (also written beside every run\'s config.yaml).', run: (ctx) => runs().then((b) => b.run({ ...ctx, options: { ...ctx.options, sub: 'schema' } })) },
    ],
    load: runs,
  },
  {
    name: 'inspect',
    summary: 'Describe a medical video/volume file (format, shape, dtype, spacing, stats).',
    kind: 'tool',
    configure: (c) => c.argument('<paths...>', 'files or DICOM folders').option('--json', 'one JSON line per file'),
    load: bodyOf('inspect'),
  },
  {
    name: 'weights',
    summary: "'weights export RUN' | 'weights convert IN OUT' | 'weights inspect FILE'.",
    kind: 'tool',
    subcommands: [
      {
        name: 'export',
        summary: "Export a run's pretrained encoder as model.safetensors (torchvision names) + config.json.",
        configure: (c) => c.argument('<run>', 'run directory').option('--out <dir>', 'output folder (default <run>/pretrain/encoder)'),
        run: (ctx) => bodyOf('weights')().then((b) => b.run({ ...ctx, options: { ...ctx.options, sub: 'export' } })),
      },
      {
        name: 'convert',
        summary: 'Convert weights: IN (.pth/.pt, .safetensors, or an export folder) to OUT (.pth/.pt for torch.load, .safetensors, or a folder: model.safetensors + config.json).',
        configure: (c) => c.argument('<in>').argument('<out>').option('--force', 'replace OUT when it exists'),
        run: (ctx) => bodyOf('weights')().then((b) => b.run({ ...ctx, options: { ...ctx.options, sub: 'convert' } })),
      },
      {
        name: 'inspect',
        summary: 'List the tensors of a weights file or export folder.',
        configure: (c) => c.argument('<file>').option('--json', 'as JSON'),
        run: (ctx) => bodyOf('weights')().then((b) => b.run({ ...ctx, options: { ...ctx.options, sub: 'inspect' } })),
      },
    ],
    load: bodyOf('weights'),
  },
  {
    name: 'demo-data',
    summary: 'Generate the seeded knee-MRI phantom dataset in the MRNet-v1.0 layout.',
    kind: 'tool',
    configure: (c) =>
      c
        .requiredOption('--out <dir>', 'output folder')
        .option('--exams <n>', 'train exams (default 120, or the preset\'s)', positiveInt('exams'))
        .option('--valid-exams <n>', 'valid (test) exams (default exams/2)', positiveInt('valid-exams'))
        .option('--seed <n>', 'seed (default 0)', (v) => {
          if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError(`--seed: expected an integer 0..2^53-1, got '${v}'`);
          return Number(v);
        })
        .option('--size <px>', 'in-plane size (default 256)', positiveInt('size'))
        .option('--slices <min,max>', 'slice-count range (default 20,40)', sliceRange)
        .option('--preset <name>', 'sizes of a preset: quickstart | tiny')
        .option('--quiet', 'print nothing'),
    load: bodyOf('demo-data'),
  },
  {
    name: 'backend',
    summary: 'Show which tfjs backend would be used (tfjs-node-gpu, WebGPU, tfjs-node, oneDNN, portable, cpu, wasm); --build first builds the oneDNN kernels.',
    kind: 'tool',
    configure: (c) =>
      c
        .option('--backend <name>', 'auto | tensorflow-gpu | webgpu | tensorflow | onednn | portable | cpu | wasm', 'auto')
        .option('--precision <p>', 'auto | fp32 | bf16', 'auto')
        .option('--threads <n>', 'threads of native kernels', positiveInt('threads'))
        .option('--build', 'first build the oneDNN kernels of @byolmed3d/tfjs-onednn (after installing oneDNN)'),
    load: bodyOf('backend'),
  },
];
