import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { testdataPath } from '@byolmed3d/test-utils';
import { cli } from './cli-helper.js';

describe('byolmed3d end to end (tiny config, cpu backend)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-e2e-'));
  const data = join(dir, 'data');
  const run = join(dir, 'run');
  const common = ['--preset', 'tiny', '--data', data, '--run', run, '--backend', 'cpu'];

  beforeAll(async () => {
    expect((await cli('demo-data', '--out', data, '--preset', 'tiny', '--seed', '5')).code).toBe(0);
  });
  afterEach(() => vi.restoreAllMocks());

  it('prints the effective config and rejects a bad one with exit code 2', async () => {
    const r = await cli('config', 'print', ...common, '--pretrain.lr', '0.07');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/lr: 0\.07/);
    expect(r.out).toMatch(/# Micro-batches per optimizer step/);
    const bad = await cli('pretrain', ...common, '--pretrain.optimizer', 'adam9');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/pretrain\.optimizer: must be one of lars, adamw, sgd/);
  });

  it('pretrains, fine-tunes, probes, evaluates and reports', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const pre = await cli('pretrain', ...common);
    expect(pre.code).toBe(0);
    expect(pre.out).toMatch(/backend: cpu/);
    expect(pre.out).toMatch(/\[pretrain:byol\] step \d+\/\d+ +loss [\d.]+ +[\d.]+ clips\/s/);
    expect(existsSync(join(run, 'pretrain', 'encoder', 'model.safetensors'))).toBe(true);
    expect(readFileSync(join(run, 'config.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./config.schema.json');
    expect(existsSync(join(run, 'config.schema.json'))).toBe(true);
    expect(existsSync(join(run, 'config.yaml'))).toBe(true);
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(log.some((r) => r.event === 'checkpoint')).toBe(true);
    expect((await cli('finetune', ...common, '--init', 'pretrained', '--label', 'BYOL / fine-tune', '--quiet')).code).toBe(0);
    expect((await cli('finetune', ...common, '--init', 'random', '--label', 'random / fine-tune', '--quiet')).code).toBe(0);
    expect((await cli('linear-probe', ...common, '--init', 'pretrained', '--label', 'BYOL / probe', '--quiet')).code).toBe(0);
    expect((await cli('linear-probe', ...common, '--init', 'random', '--label', 'random / probe', '--quiet')).code).toBe(0);
    expect((await cli('knn', ...common, '--init', 'pretrained', '--label', 'BYOL / kNN', '--quiet')).code).toBe(0);
    // Two planes of the same protocol: the report adds their MRNet-style fusion.
    expect((await cli('knn', ...common, '--init', 'random', '--label', 'random / kNN sagittal', '--quiet')).code).toBe(0);
    expect((await cli('knn', ...common, '--init', 'random', '--plane', 'coronal', '--label', 'random / kNN coronal', '--quiet')).code).toBe(0);
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const ev = await cli('evaluate', ...common, '--json');
    expect(ev.code).toBe(0);
    const rows = (ev.out.split('\n').map((l) => (l.startsWith('{') ? (JSON.parse(l) as { event: string; rows?: unknown[] }) : null)).find((r) => r?.event === 'evaluate')?.rows ?? []) as {
      method: string;
      auc: { estimate: number; lower: number; upper: number };
      vsRandom: { pValue: number } | null;
    }[];
    expect(rows.map((r) => r.method).sort()).toEqual([
      'BYOL / fine-tune',
      'BYOL / kNN',
      'BYOL / probe',
      'random / fine-tune',
      'random / kNN coronal',
      'random / kNN sagittal',
      'random / knn / fusion (coronal+sagittal)',
      'random / probe',
    ]);
    for (const r of rows) {
      expect(r.auc.lower).toBeLessThanOrEqual(r.auc.estimate);
      expect(r.auc.upper).toBeGreaterThanOrEqual(r.auc.estimate);
    }
    expect(rows.find((r) => r.method === 'BYOL / fine-tune')?.vsRandom?.pValue).toBeGreaterThanOrEqual(0);

    const rep = await cli('report', ...common);
    expect(rep.code).toBe(0);
    const md = readFileSync(join(run, 'report', 'report.md'), 'utf8');
    expect(md).toMatch(/\| method \| protocol \| AUC \(95% CI\) \| accuracy \| sensitivity \| specificity \| F1 \| kappa/);
    expect(md).toMatch(/\| BYOL \/ fine-tune \| finetune \| [\d.]+ \([\d.]+–[\d.]+\)/);
    // The report says what computed the scores (backend and precision, from the results files).
    expect(md).toMatch(/^Computed on backend `[a-z-]+`, precision \*\*(fp32|bf16|f16)\*\*\.$/m);
    for (const f of ['roc.png', 'loss.png']) expect(Array.from(readFileSync(join(run, 'report', f)).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    for (const f of ['roc.svg', 'loss.svg']) expect(readFileSync(join(run, 'report', f), 'utf8')).toMatch(/^<svg[\s\S]*<path[\s\S]*<\/svg>/);
  });

  it('runs quickstart with the tiny preset and prints where the report is', async () => {
    const r = await cli('quickstart', '--preset', 'tiny', '--out', join(dir, 'qs'), '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/backend: cpu/);
    expect(r.out).toMatch(/random init \/ fine-tune +AUC/);
    const m = /Report: (.*report\.md)/.exec(r.out);
    expect(m && existsSync(m[1] as string)).toBe(true);
  });

  it('skips an unreadable exam with a warning, and stops on it with --strict', async () => {
    const { cpSync, writeFileSync } = await import('node:fs');
    const bad = join(dir, 'bad-data');
    cpSync(data, bad, { recursive: true });
    writeFileSync(join(bad, 'train', 'sagittal', '0001.npy'), 'not a numpy file');
    const args = ['--preset', 'tiny', '--data', bad, '--run', join(dir, 'bad-run'), '--backend', 'cpu', '--init', 'random', '--quiet'];
    const ok = await cli('knn', ...args);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/warning: .*skipping .*0001\.npy/);
    const done = readFileSync(join(dir, 'bad-run', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; warnings?: number }).filter((r) => r.event === 'done');
    expect(done.at(-1)?.warnings).toBe(1);
    await expect(cli('knn', ...args, '--strict')).rejects.toThrow(/0001\.npy/);
  });

  it('inspects a volume, converts and inspects weights, shows the backend', async () => {
    const ins = await cli('inspect', join(data, 'train', 'sagittal', '0000.npy'), '--json');
    expect(ins.code).toBe(0);
    expect(ins.out).toMatch(/"format":"npy"/);
    expect(ins.out).toMatch(/uint8/);
    const st = join(dir, 'w.safetensors');
    const conv = await cli('weights', 'convert', testdataPath('golden', 'r3d_18_stem_layer1.pth'), st);
    expect(conv.code).toBe(0);
    const insp = await cli('weights', 'inspect', st);
    expect(insp.code).toBe(0);
    expect(insp.out).toMatch(/stem\.0\.weight/);
    expect((await cli('weights', 'frobnicate')).code).toBe(2);
    const be = await cli('backend', '--backend', 'cpu');
    expect(be.out).toMatch(/^backend: cpu/);
  });
});
