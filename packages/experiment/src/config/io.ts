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
