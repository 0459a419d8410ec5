import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ConfigError, listFields, type ExperimentConfig } from './schema.js';

/** File name of the JSON Schema written beside every run's `config.yaml`. */
export const CONFIG_SCHEMA_FILE = 'config.schema.json';

/** Reads a JSON or YAML config file (by extension; YAML is a superset of JSON); problems raise a {@link ConfigError} naming the file. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('--config', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError('--config', `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

/**
 * Renders a config as YAML with each field's doc line and default as a
 * comment. The first line points editors (yaml-language-server) at
 * `schemaRef` (default `./config.schema.json`).
 */
export function configToYaml(config: ExperimentConfig, schemaRef = `./${CONFIG_SCHEMA_FILE}`): string {
  const lines: string[] = [`# yaml-language-server: $schema=${schemaRef}`];
  let section = '';
  for (const f of listFields()) {
    const parts = f.path.split('.');
    const indent = parts.length > 1 ? '  ' : '';
    if (parts.length > 1 && parts[0] !== section) {
      section = parts[0] as string;
      lines.push(`${section}:`);
    } else if (parts.length === 1) section = '';
    let value: unknown = config;
    for (const p of parts) value = (value as Record<string, unknown>)[p];
    lines.push(`${indent}# ${f.doc} (default ${JSON.stringify(f.default)})`);
    lines.push(`${indent}${parts.at(-1)}: ${stringifyYaml(value, { collectionStyle: 'flow' }).trim()}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The configuration reference as a Markdown table (field, default and allowed values, doc line), as in the package README. */
export function configReferenceMarkdown(): string {
  const rows = listFields().map((f) => {
    const values = f.values ? ` (${f.values.join(' \\| ')})` : '';
    return `| \`${f.path}\` | ${JSON.stringify(f.default)}${values} | ${f.doc.replace(/\|/g, '\\|')} |`;
  });
  return ['| field | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

const TYPE_NAMES: Record<string, string> = { data: 'DataConfig', model: 'ModelConfig', pretrain: 'PretrainConfig', finetune: 'FinetuneConfig', probe: 'ProbeConfig', evaluate: 'EvaluateConfig', init: 'InitConfig', report: 'ReportConfig', reproduce: 'ReproduceConfig' };

/**
 * The TypeScript source of `src/config/types.ts`: documented interfaces
 * generated from the schema (the schema stays the one source; a test checks
 * the file is current and the compiler checks it equals the schema's type).
 */
export function configTypesSource(): string {
  const tsType = (f: ReturnType<typeof listFields>[number]): string =>
    f.type === 'enum' ? (f.values ?? []).map((v) => `'${v}'`).join(' | ') : f.type === 'integer' ? 'number' : f.type === 'number[]' ? 'number[]' : f.type === 'string?' ? 'string | null' : f.type;
  const member = (f: ReturnType<typeof listFields>[number], key: string): string[] => [`  /** ${f.doc} Default \`${JSON.stringify(f.default)}\`. */`, `  ${key}: ${tsType(f)};`];
  const sections = new Map<string, string[]>();
  const top: string[] = [];
  for (const f of listFields()) {
    const [a, b] = f.path.split('.') as [string, string | undefined];
    if (b === undefined) top.push(...member(f, a));
    else sections.set(a, [...(sections.get(a) ?? []), ...member(f, b)]);
  }
  const out = ['// Generated from configSchema by configTypesSource() (src/config/io.ts); do not edit. A test checks it is current.', ''];
  for (const [name, lines] of sections) out.push(`/** The \`${name}\` section of an {@link ExperimentConfig}. */`, `export interface ${TYPE_NAMES[name] ?? name} {`, ...lines, '}', '');
  out.push('/** The effective experiment configuration: the output type of `configSchema` (defaults: `defaultConfig()`). */', 'export interface ExperimentConfig {', ...top);
  for (const name of sections.keys()) out.push(`  /** ${name} settings. */`, `  ${name}: ${TYPE_NAMES[name] ?? name};`);
  out.push('}', '');
  return out.join('\n');
}
