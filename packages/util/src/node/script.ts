// Namespace imports only: a browser bundle that reaches this module through video-io's (Node-only, dynamically imported) cache must not fail on a named import of a node: built-in.
import * as nodeUtil from 'node:util';
import * as nodePath from 'node:path';
import { UtilError } from '../errors.js';

/**
 * A flag's default, which also says its type: a number (the flag is parsed as
 * a finite number), a string, a boolean (a switch, `--name` sets it), or
 * `null` (an optional string, `undefined` when absent).
 */
export type FlagDefault = number | string | boolean | null;

/**
 * The parsed value type of each flag of a {@link ScriptSpec}: a string flag
 * keeps its default's declared type (so a default cast to a union of names
 * types the value as that union; the value itself is not checked against it).
 */
export type FlagValues<F extends Record<string, FlagDefault>> = {
  -readonly [K in keyof F]: F[K] extends number ? number : F[K] extends boolean ? boolean : F[K] extends string ? F[K] : string | undefined;
};

/** What a small command-line script takes: see {@link parseScriptArgs}. */
export interface ScriptSpec<F extends Record<string, FlagDefault>> {
  /**
   * The script's flags and their defaults (the default's type is the flag's
   * type, see {@link FlagDefault}), named in camelCase: `microBatch` is
   * `--micro-batch` on the command line. `--tiny` (a self-checking run on
   * bundled or generated data) and `--help`/`-h` are always added.
   */
  flags: F;
  /**
   * Defaults that replace those of `flags` in a `--tiny` run (a flag given on
   * the command line still wins). Default: none.
   */
  tiny?: Partial<FlagValues<F>>;
  /**
   * The positional arguments in the usage line, e.g. `'DATA_FOLDER'`. When
   * set, a run without `--tiny` needs at least one positional. Default: none.
   */
  positional?: string;
  /** Extra text printed after the usage line by `--help`. Default: none. */
  help?: string;
  /** The arguments to parse. Default `process.argv.slice(2)`. */
  argv?: readonly string[];
  /** The script's name in the usage line. Default: the file name of `process.argv[1]`. */
  name?: string;
}

/** The flags every script has. */
export interface BuiltInFlags {
  /** `--tiny`: a self-checking run on bundled or generated data (with {@link ScriptSpec.tiny}'s defaults). */
  tiny: boolean;
  /** `--help` / `-h`: print the usage and exit 0. */
  help: boolean;
}

/** What {@link parseScriptArgs} returns. */
export interface ScriptArgs<F extends Record<string, FlagDefault>> {
  /** Every flag, typed and with its default filled in, plus `tiny` and `help`. */
  values: FlagValues<F> & BuiltInFlags;
  /** The positional arguments. */
  positionals: string[];
  /** The usage text (`usage: node NAME ...`), as `--help` prints it. */
  usage: string;
  /**
   * Why the run cannot start (a missing positional argument), or `undefined`.
   * Not an exception: `--help` must still work without the positional.
   */
  missing: string | undefined;
}

/** `microBatch` -> `micro-batch`. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function flagHint(name: string, def: FlagDefault): string {
  if (typeof def === 'boolean') return `[--${name}]`;
  if (def === null) return `[--${name} ${name.toUpperCase().replace(/-/g, '_')}]`;
  return `[--${name} ${String(def)}]`;
}

function usageText(name: string, flags: Record<string, FlagDefault>, positional: string | undefined, help: string | undefined): string {
  const hints = Object.entries(flags).map(([k, d]) => flagHint(kebab(k), d));
  const first = ['usage:', 'node', name, ...(positional ? [positional] : []), ...hints].join(' ');
  const pad = ' '.repeat('usage: '.length);
  return `${first}\n${pad}node ${name} --tiny${help ? `\n\n${help}` : ''}`;
}

/**
 * Parses a script's command line against flags declared by their defaults:
 * numbers are checked (`--epochs x` is refused, not `NaN`), unknown flags and
 * missing values are refused, and a usage line is built from the flags. Every
 * refusal is a {@link UtilError} with `reason` `'invalid-argument'` whose
 * message names the flag.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseScriptArgs({
 *   positional: 'DATA_FOLDER',
 *   flags: { out: null, epochs: 100, microBatch: 4, arch: 'r3d_18', nonStrict: false },
 *   tiny: { epochs: 2 },
 * });
 * values.epochs;     // number: --epochs 5, 100 by default, 2 with --tiny
 * values.microBatch; // number: --micro-batch 8
 * values.out;        // string | undefined
 * ```
 *
 * @param spec - see {@link ScriptSpec}
 * @returns see {@link ScriptArgs}
 */
export function parseScriptArgs<F extends Record<string, FlagDefault>>(spec: ScriptSpec<F>): ScriptArgs<F> {
  const name = spec.name ?? nodePath.basename(process.argv[1] ?? 'script');
  const declared: Record<string, FlagDefault> = spec.flags;
  for (const k of ['tiny', 'help']) {
    if (k in declared) throw new UtilError('parseScriptArgs', 'invalid-argument', `--${k} is built in; do not declare it`);
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { tiny: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const [k, d] of Object.entries(declared)) options[kebab(k)] = { type: typeof d === 'boolean' ? 'boolean' : 'string' };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = nodeUtil.parseArgs({ args: [...(spec.argv ?? process.argv.slice(2))], options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new UtilError(name, 'invalid-argument', e instanceof Error ? e.message : String(e), { cause: e });
  }
  const tiny = parsed.values['tiny'] === true;
  const tinyDefaults: Record<string, unknown> = tiny ? (spec.tiny ?? {}) : {};
  const values: Record<string, unknown> = { tiny, help: parsed.values['help'] === true };
  for (const [k, d] of Object.entries(declared)) {
    const raw = parsed.values[kebab(k)];
    if (raw === undefined) {
      values[k] = k in tinyDefaults ? tinyDefaults[k] : d === null ? undefined : d;
    } else if (typeof d === 'number') {
      const s = String(raw).trim();
      const n = s === '' ? NaN : Number(s);
      if (!Number.isFinite(n)) throw new UtilError(name, 'invalid-argument', `--${kebab(k)} takes a number, got ${JSON.stringify(raw)}`);
      values[k] = n;
    } else {
      values[k] = raw;
    }
  }
  const missing = spec.positional && !tiny && parsed.positionals.length === 0 ? `${spec.positional} is missing` : undefined;
  return { values: values as ScriptArgs<F>['values'], positionals: parsed.positionals, usage: usageText(name, declared, spec.positional, spec.help), missing };
}

/** Options of {@link startScript}. */
export interface StartScriptOptions {
  /** Where the usage and error lines go. Default `console.log` / `console.error`. */
  log?: (line: string) => void;
  /** Where error lines go. Default `console.error`. */
  error?: (line: string) => void;
  /** How the process ends. Default `process.exit`. */
  exit?: (code: number) => never;
}

/**
 * Starts a command-line script: {@link parseScriptArgs}, then `--help` prints
 * the usage and exits 0; a bad or missing argument prints `error: ...` and the
 * usage and exits 2; and an uncaught error later in the script prints its
 * message (its full stack with `--tiny`, for CI logs) and exits 1.
 *
 * @param spec - see {@link ScriptSpec}
 * @param opts - see {@link StartScriptOptions}
 * @returns the parsed arguments; `missing` is always `undefined` here
 */
export function startScript<F extends Record<string, FlagDefault>>(spec: ScriptSpec<F>, opts: StartScriptOptions = {}): ScriptArgs<F> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const error = opts.error ?? ((line: string) => console.error(line));
  const exit = opts.exit ?? ((code: number): never => process.exit(code));
  let args: ScriptArgs<F>;
  try {
    args = parseScriptArgs(spec);
  } catch (e) {
    if (!(e instanceof UtilError)) throw e;
    error(`error: ${e.message}`);
    return exit(2);
  }
  if (args.values.help) {
    log(args.usage);
    return exit(0);
  }
  if (args.missing) {
    error(`error: ${args.missing}\n${args.usage}`);
    return exit(2);
  }
  const tiny = args.values.tiny;
  process.on('uncaughtException', (e) => {
    error(tiny ? String(e instanceof Error ? (e.stack ?? e.message) : e) : `error: ${e instanceof Error ? e.message : String(e)}`);
    exit(1);
  });
  return args;
}

/** Options of {@link Checklist}. */
export interface ChecklistOptions {
  /** Where the check lines go. Default `console.log`. */
  log?: (line: string) => void;
  /** Where the failure summary goes. Default `console.error`. */
  error?: (line: string) => void;
  /** How a failed checklist ends the process. Default `process.exit`. */
  exit?: (code: number) => never;
}

/** Options of {@link Checklist.finish}. */
export interface ChecklistFinishOptions {
  /** Appended to the success line, e.g. what the run does not check. Default: none. */
  note?: string;
  /** A folder left for inspection when a check failed; named in the failure line. Default: none. */
  keep?: string;
  /** Runs only when every check passed, before the success line (e.g. remove a temp folder). */
  cleanup?: () => void;
}

/**
 * The checks of a script's self-checking run (`--tiny`): each check prints
 * `[ok]` or `[FAIL]` and its description; {@link Checklist.finish} prints the
 * verdict and exits 1 when any failed.
 */
export class Checklist {
  /** The descriptions of the checks that failed so far. */
  readonly failures: string[] = [];
  private readonly log: (line: string) => void;
  private readonly error: (line: string) => void;
  private readonly exit: (code: number) => never;

  /** @param opts - see {@link ChecklistOptions} */
  constructor(opts: ChecklistOptions = {}) {
    this.log = opts.log ?? ((line: string) => console.log(line));
    this.error = opts.error ?? ((line: string) => console.error(line));
    this.exit = opts.exit ?? ((code: number): never => process.exit(code));
  }

  /**
   * Records one check (an arrow property, so `const { check } = checklist` works).
   *
   * @param ok - whether it held
   * @param what - what was checked, with the measured values
   * @returns `ok`
   */
  readonly check = (ok: boolean, what: string): boolean => {
    this.log(`  [${ok ? 'ok' : 'FAIL'}] ${what}`);
    if (!ok) this.failures.push(what);
    return ok;
  };

  /**
   * Ends the checklist (an arrow property, like {@link Checklist.check}): with failures, prints how many (and the kept folder)
   * and exits 1; otherwise runs `cleanup` and prints `NAME: all checks passed`.
   *
   * @param name - the script's name, e.g. `pretrain-on-folder`
   * @param opts - see {@link ChecklistFinishOptions}
   */
  readonly finish = (name: string, opts: ChecklistFinishOptions = {}): void => {
    const n = this.failures.length;
    if (n > 0) {
      this.error(`\n${n} check(s) failed${opts.keep ? ` (data left in ${opts.keep})` : ''}`);
      this.exit(1);
      return;
    }
    opts.cleanup?.();
    this.log(`\n${name}: all checks passed${opts.note ? ` ${opts.note}` : ''}`);
  };
}
