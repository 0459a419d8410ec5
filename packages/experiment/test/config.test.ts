import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configToYaml, defaultConfig, listFields, mergeConfig, parseRunArgs } from '@byolmed3d/experiment';

describe('config schema', () => {
  it('has the seed paper defaults and a doc line for every field', () => {
    const c = defaultConfig();
    expect(c.data.frames).toBe(16);
    expect(c.data.crop).toBe(224);
    expect(c.pretrain.projectorHidden).toBe(2048);
    expect(c.pretrain.projectorOut).toBe(128);
    expect(c.pretrain.tauBase).toBe(0.99);
    expect(c.pretrain.optimizer).toBe('lars');
    expect(c.pretrain.lr).toBe(0.3);
    expect(c.pretrain.weightDecay).toBe(1e-6);
    expect(c.pretrain.microBatch * c.pretrain.accumulation).toBe(64);
    expect(c.precision).toBe('auto');
    expect(c.data.plane).toBe('sagittal');
    expect(c.data.valFraction).toBe(0.1);
    expect(c.data.testClips).toBe(5);
    for (const f of listFields()) expect(f.doc.length, f.path).toBeGreaterThan(10);
  });

  it('rejects unknown fields, wrong types, out-of-range and non-enum values, naming the field', () => {
    const base = defaultConfig();
    expect(() => mergeConfig(base, { pretrain: { lrr: 1 } })).toThrow(/pretrain\.lrr: unknown field/);
    expect(() => mergeConfig(base, { pretrain: { lr: 'fast' } })).toThrow(/pretrain\.lr: expected a number/);
    expect(() => mergeConfig(base, { pretrain: { microBatch: 2.5 } })).toThrow(/pretrain\.microBatch: expected an integer/);
    expect(() => mergeConfig(base, { pretrain: { tauBase: 1.5 } })).toThrow(/pretrain\.tauBase: must be <= 1/);
    expect(() => mergeConfig(base, { data: { plane: 'oblique' } })).toThrow(/data\.plane: must be one of sagittal, coronal, axial/);
    expect(() => mergeConfig(base, { data: 3 })).toThrow(ConfigError);
    expect(() => mergeConfig(base, { strict: 'yes' })).toThrow(/strict: expected true or false/);
  });

  it('layers defaults < preset < YAML/JSON file < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-cfg-'));
    const yaml = join(dir, 'exp.yaml');
    writeFileSync(yaml, 'name: from-file\npretrain:\n  lr: 0.5\n  accumulation: 16\n');
    const a = parseRunArgs(['--preset', 'quickstart', '--config', yaml, '--pretrain.lr', '0.05', '--set', 'data.task=meniscus', '--seed=7']);
    expect(a.config.name).toBe('from-file');
    expect(a.config.pretrain.lr).toBe(0.05);
    expect(a.config.pretrain.accumulation).toBe(16);
    expect(a.config.data.crop).toBe(24); // preset
    expect(a.config.data.task).toBe('meniscus');
    expect(a.config.seed).toBe(7);
    expect(a.runDir).toBe(join('runs', 'from-file'));
    const json = join(dir, 'exp.json');
    writeFileSync(json, JSON.stringify({ data: { frames: 8 } }));
    expect(parseRunArgs(['--config', json]).config.data.frames).toBe(8);
    writeFileSync(json, '{ bad json');
    expect(() => parseRunArgs(['--config', json])).toThrow(/not valid JSON/);
    expect(() => parseRunArgs(['--no-such-flag', '1'])).toThrow(/no-such-flag: unknown option/);
    expect(() => parseRunArgs(['--pretrain.epochs', 'many'])).toThrow(/expected a number/);
  });

  it('prints the effective config as YAML that reads back to the same config', async () => {
    const c = mergeConfig(defaultConfig(), { pretrain: { lr: 0.123 }, data: { root: '/x' } });
    const text = configToYaml(c);
    expect(text).toMatch(/# Peak learning rate/);
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-cfg-'));
    writeFileSync(join(dir, 'c.yaml'), text);
    expect(parseRunArgs(['--config', join(dir, 'c.yaml')]).config).toEqual(c);
  });
});

describe('config reference', () => {
  it("the README's field table is the schema's (regenerate it with configReferenceMarkdown())", async () => {
    const { readFileSync } = await import('node:fs');
    const { configReferenceMarkdown } = await import('@byolmed3d/experiment');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configReferenceMarkdown());
  });

  it('the JSON Schema describes every field with its default and doc, and config.yaml points at it', async () => {
    const { configJsonSchema, listFields } = await import('@byolmed3d/experiment');
    const s = configJsonSchema() as { properties: Record<string, { properties?: Record<string, { default?: unknown; description?: string }>; default?: unknown; description?: string }>; additionalProperties?: boolean };
    for (const f of listFields()) {
      const [a, b] = f.path.split('.') as [string, string | undefined];
      const node = b ? s.properties[a]?.properties?.[b] : s.properties[a];
      expect(node?.description, f.path).toBe(f.doc);
      expect(node?.default, f.path).toEqual(f.default);
    }
    expect(s.additionalProperties).toBe(false);
    expect(configToYaml(defaultConfig()).split('\n')[0]).toBe('# yaml-language-server: $schema=./config.schema.json');
  });
});

describe('config types', () => {
  it('src/config/types.ts is the one generated from the schema (regenerate with configTypesSource())', async () => {
    const { readFileSync } = await import('node:fs');
    const { configTypesSource } = await import('@byolmed3d/experiment');
    expect(readFileSync(new URL('../src/config/types.ts', import.meta.url), 'utf8')).toBe(configTypesSource());
  });
});
