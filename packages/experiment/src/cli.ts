import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Command as Commander, CommanderError, Option } from 'commander';
import { presets } from './config/presets.js';
import { readConfigFile } from './config/io.js';
import { ConfigError, deepMerge, fieldSpec, flagToPartial, listFields, parseConfig, type ExperimentConfig, type FieldEntry } from './config/schema.js';
import type { OutputMode } from './run/logger.js';
import { registry, type CommandSpec } from './commands/registry.js';

/** One sub-command of the `byolmed3d` CLI: its name and one-line summary (from the command registry). */
export interface CommandInfo {
  /** Name typed after `byolmed3d`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
}

/** Every registered command, in `--help` order. */
export const commands: readonly CommandInfo[] = registry.map(({ name, summary }) => ({ name, summary }));

/** Options common to the experiment commands, parsed by {@link parseRunArgs}. */
export interface RunArgs {
  /** The effective configuration. */
  config: ExperimentConfig;
  /** `--resume`: continue this run's pretraining from its newest finite checkpoint. */
  resume: boolean;
  /** `--overwrite`: start over, deleting this run's earlier checkpoints. */
  overwrite: boolean;
  /** `--force`: resume even though the configuration changed. */
  force: boolean;
  /** Terminal mode (`--quiet`, `--json`). */
  mode: OutputMode;
  /** `--run DIR` (default `<runsDir>/<name>`). */
  runDir: string;
  /** Positional arguments. */
  positionals: string[];
}

/** Shortcut flags: `--data DIR` is `--data.root DIR`, and so on. */
export const SHORTCUTS: Readonly<Record<string, string>> = {
  data: 'data.root',
  name: 'name',
  seed: 'seed',
  backend: 'backend',
  precision: 'precision',
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
const SHORTCUT_OF = new Map(Object.entries(SHORTCUTS).map(([k, v]) => [v, k]));

const typeHint = (f: FieldEntry): string => (f.type === 'enum' ? (f.values ?? []).join('|') : f.type === 'number[]' ? 'n,n,...' : f.type === 'string?' ? 'string' : f.type);

/** Adds the run options (config, preset, every config field, resume/overwrite/force, output mode) to a commander command. */
function addRunOptions(cmd: Commander, spec: CommandSpec | undefined): void {
  cmd
    .option('--config <file>', 'JSON or YAML config file (defaults < preset < file < flags)')
    .option('--preset <name>', `named preset: ${Object.keys(presets).join(', ')}`)
    .option('--set <path=value>', 'set any config field (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--run <dir>', 'run directory (default <runsDir>/<name>)')
    .option('--resume', 'continue the run from its newest finite checkpoint')
    .option('--overwrite', "start over in a run directory that has another run's checkpoints (deletes them)")
    .option('--force', 'resume even though the configuration changed')
    .option('--quiet', 'print only warnings and errors')
    .option('--json', 'print JSON lines instead of human progress');
  const used = new Set(spec?.fields ?? []);
  const isUsed = (path: string): boolean => [...used].some((u) => path === u || path.startsWith(`${u}.`));
  for (const f of listFields()) {
    const short = SHORTCUT_OF.get(f.path);
    const value = f.type === 'boolean' ? ' [bool]' : ` <${typeHint(f)}>`;
    const o = new Option(`--${f.path}${value}`, f.doc).hideHelp();
    cmd.addOption(o);
    if (short && short !== f.path) cmd.addOption(new Option(`--${short}${value}`, `= --${f.path}`).hideHelp(!isUsed(f.path)));
  }
  if (spec) cmd.addHelpText('after', fieldHelp(spec, isUsed));
}

function fieldHelp(spec: CommandSpec, isUsed: (p: string) => boolean): string {
  const fields = listFields().filter((f) => isUsed(f.path));
  const lines = ['', `Config fields used by '${spec.name}' (set as --<field> VALUE, --set field=value, or in --config FILE):`];
  for (const f of fields) {
    const short = SHORTCUT_OF.get(f.path);
    lines.push(`  --${f.path}${short && short !== f.path ? `, --${short}` : ''} <${typeHint(f)}>  (default ${JSON.stringify(f.default)})`);
    lines.push(`      ${f.doc}`);
  }
  lines.push('', "Every other field is accepted too; 'byolmed3d config print' shows them all with their docs.");
  return lines.join('\n');
}

interface RawRunOptions {
  config?: string;
  preset?: string;
  set?: string[];
  run?: string;
  resume?: boolean;
  overwrite?: boolean;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
  [key: string]: unknown;
}

/** Builds {@link RunArgs} from parsed commander options (precedence: defaults < preset < file < flags). */
function toRunArgs(o: RawRunOptions, positionals: string[], defaultPreset: string | undefined, argvOrder: string[]): RunArgs {
  const presetName = o.preset ?? defaultPreset;
  if (presetName !== undefined && !presets[presetName]) throw new ConfigError('--preset', `unknown preset '${presetName}' (known: ${Object.keys(presets).join(', ')})`);
  const overrides: Record<string, unknown>[] = [];
  // Flags in the order given (a later flag wins over an earlier one for the same field).
  const keys = Object.keys(o).filter((k) => !['config', 'preset', 'set', 'run', 'resume', 'overwrite', 'force', 'quiet', 'json'].includes(k));
  keys.sort((a, b) => argvOrder.lastIndexOf(a) - argvOrder.lastIndexOf(b));
  for (const k of keys) {
    const path = SHORTCUTS[k] ?? k;
    const raw = o[k];
    const f = fieldSpec(path);
    if (!f) continue;
    const text = raw === true ? 'true' : String(raw);
    overrides.push(flagToPartial(path, text, `--${k}`));
  }
  for (const kv of o.set ?? []) {
    const e = kv.indexOf('=');
    if (e < 0) throw new ConfigError('--set', `expected path=value, got '${kv}'`);
    overrides.push(flagToPartial(kv.slice(0, e), kv.slice(e + 1), `--set ${kv.slice(0, e)}`));
  }
  // Layers merged first, validated once (cross-field checks see the final values).
  let raw: unknown = {};
  for (const layer of [presetName ? presets[presetName] : undefined, o.config ? readConfigFile(o.config) : undefined, ...overrides]) {
    if (layer === undefined || layer === null) continue;
    if (typeof layer !== 'object' || Array.isArray(layer)) throw new ConfigError(o.config ?? '', `expected a mapping, got ${JSON.stringify(layer)}`);
    raw = deepMerge(raw, layer);
  }
  const config = parseConfig(raw);
  if (o.quiet && o.json) throw new ConfigError('--quiet', 'give --quiet or --json, not both');
  if (o.resume && o.overwrite) throw new ConfigError('--overwrite', 'give --resume or --overwrite, not both');
  const mode: OutputMode = o.json ? 'json' : o.quiet ? 'quiet' : 'human';
  return { config, resume: o.resume === true, overwrite: o.overwrite === true, force: o.force === true, mode, runDir: o.run ?? join(config.runsDir, config.name), positionals };
}

/** The option names in the order they appear in argv (for flag precedence). */
function optionOrder(argv: string[]): string[] {
  return argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0] as string);
}

function newProgram(name: string): Commander {
  const cmd = new Commander(name);
  cmd.exitOverride();
  cmd.allowExcessArguments(false);
  cmd.showSuggestionAfterError(true);
  cmd.configureOutput({
    writeOut: (s) => process.stdout.write(s),
    writeErr: (s) => process.stderr.write(s),
    outputError: (s, write) => write(s),
  });
  return cmd;
}

/**
 * Parses the options of an experiment command: `--config FILE` (JSON or
 * YAML), `--preset NAME`, `--set path=value`, `--<dotted.path> VALUE` for any
 * config field, the shortcuts ({@link SHORTCUTS}), `--resume`,
 * `--overwrite`, `--force`, `--quiet`, `--json`, `--run DIR`. Precedence:
 * defaults < preset < file < flags. Mistakes raise a {@link ConfigError}
 * naming the flag or field (unknown flags included).
 */
export function parseRunArgs(argv: string[], defaultPreset?: string): RunArgs {
  const cmd = newProgram('byolmed3d').argument('[args...]');
  cmd.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  addRunOptions(cmd, undefined);
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw new ConfigError(flagOf(err.message), err.message.replace(/^error: /, ''), { cause: err });
    throw err;
  }
  return toRunArgs(cmd.opts<RawRunOptions>(), cmd.args, defaultPreset, optionOrder(argv));
}

function flagOf(message: string): string {
  return /'(--?[^' ]+)/.exec(message)?.[1] ?? '';
}

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

/** What a command body receives. */
export interface CommandContext {
  /** The parsed run options (experiment commands) or null. */
  run: RunArgs | null;
  /** Positional arguments. */
  args: string[];
  /** The command's own options (non-run commands). */
  options: Record<string, unknown>;
}

function buildProgram(onRun: (spec: CommandSpec, ctx: CommandContext) => Promise<void>): Commander {
  const program = newProgram('byolmed3d')
    .description('Self-supervised learning on medical videos (BYOLMed3D).')
    .version(version(), '--version', 'print the version')
    .helpOption('-h, --help', 'show help (also `byolmed3d <command> --help`)');
  for (const spec of registry) {
    const cmd = newProgram(spec.name).description(spec.description ?? spec.summary).summary(spec.summary);
    spec.configure?.(cmd);
    if (spec.kind === 'run') addRunOptions(cmd, spec);
    if (spec.subcommands) {
      for (const sub of spec.subcommands) {
        const sc = newProgram(sub.name).description(sub.summary);
        sub.configure?.(sc);
        if (sub.runOptions) addRunOptions(sc, { ...spec, name: `${spec.name} ${sub.name}`, fields: sub.fields ?? [] });
        sc.action(async (...a: unknown[]) => {
          const c = a.at(-1) as Commander;
          const o = c.opts();
          const ctx: CommandContext = { run: sub.runOptions ? toRunArgs(o as RawRunOptions, c.args, undefined, optionOrder(rawArgv)) : null, args: c.args, options: o };
          await onRun({ ...spec, name: `${spec.name} ${sub.name}`, load: async () => ({ run: (x) => sub.run(x) }) }, ctx);
        });
        cmd.addCommand(sc);
      }
    } else {
      cmd.action(async (...a: unknown[]) => {
        const c = a.at(-1) as Commander;
        const o = c.opts();
        const ctx: CommandContext = { run: spec.kind === 'run' ? toRunArgs(o as RawRunOptions, c.args, spec.defaultPreset, optionOrder(rawArgv)) : null, args: c.args, options: o };
        await onRun(spec, ctx);
      });
    }
    program.addCommand(cmd);
  }
  return program;
}

let rawArgv: string[] = [];

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code (0 ok, 1 failure, 2 usage or config mistake). */
export async function main(argv: string[]): Promise<number> {
  rawArgv = argv;
  let code = 0;
  const program = buildProgram(async (spec, ctx) => {
    const mod = await spec.load();
    code = await mod.run(ctx);
  });
  if (argv.length === 0) {
    process.stdout.write(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`byolmed3d ${argv[0] ?? ''}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
