import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { main } from '@byolmed3d/experiment';

/** Runs the CLI in-process and returns its exit code and what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const l = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    w.mockRestore();
    e.mockRestore();
    l.mockRestore();
  }
}

/** A tiny plan: 2 seeds, BYOL with and without accumulation, fine-tune and kNN, one lower positive fraction, all planes (kNN on random init for the fusion). */
export const TINY_PLAN = [
  '--preset', 'tiny', '--backend', 'cpu', '--seeds', '2', '--planes', 'all',
  '--reproduce.methods', 'byol-accum,byol-noaccum', '--reproduce.protocols', 'finetune,knn',
  '--reproduce.positiveFractions', '0.1', '--reproduce.imbalanceInits', 'byol-accum,random', '--reproduce.imbalanceProtocols', 'knn',
  '--reproduce.planeInits', 'random', '--reproduce.planeProtocols', 'knn',
  '--pretrain.epochs', '1', '--reproduce.monitorEvery', '2', '--reproduce.monitorK', '3', '--reproduce.monitorBank', '8', '--reproduce.estimateSteps', '1',
];

describe('byolmed3d reproduce end to end (tiny plan, cpu backend)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-reproduce-'));
  const data = join(dir, 'data');
  const out = join(dir, 'out');

  beforeAll(async () => {
    expect((await cli('demo-data', '--out', data, '--preset', 'tiny', '--seed', '5', '--quiet')).code).toBe(0);
  });
  afterEach(() => vi.restoreAllMocks());

  it('--dry-run prints the plan and the measured estimate, and writes nothing', async () => {
    const r = await cli('reproduce', ...TINY_PLAN, '--data', data, '--out', out, '--dry-run');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/unit times \(wall\): views [\d.]+ m?s\/clip, BYOL micro-batch [\d.]+ m?s/);
    expect(r.out).toMatch(/plan: \d+ cells \(4 pretraining, \d+ downstream, 3 embeddings\), seeds 0, 1, planes sagittal, coronal, axial/);
    expect(r.out).toMatch(/Kinetics-400 r3d_18: not run: no weights/);
    expect(r.out).toMatch(/estimated time: .+ for the plan on this machine with backend cpu/);
    expect(existsSync(out)).toBe(false);
    // Without data the estimate assumes MRNet v1.0.
    const m = await cli('reproduce', ...TINY_PLAN, '--out', out, '--dry-run');
    expect(m.code, m.err).toBe(0);
    expect(m.out).toMatch(/exam counts assumed: 1130 train \/ 120 valid, MRNet v1\.0/);
  }, 300_000);

  it('runs every cell, writes the report, rebuilds it with `report`, refuses a second run without --resume and redoes nothing with it', async () => {
    const before = tf.memory().numTensors;
    const r = await cli('reproduce', ...TINY_PLAN, '--data', data, '--out', out, '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { cells: { key: string; kind: string }[] };
    for (const c of plan.cells) expect(existsSync(join(out, 'cells', c.key, 'cell.json')), c.key).toBe(true);
    const md = readFileSync(join(out, 'report', 'report.md'), 'utf8');
    for (const h of ['## Main comparison', '## Gradient accumulation ablation', '## Pretraining', '## Class imbalance', '## Planes and MRNet-style fusion', '## ROC curves', '## Pretraining curves', '## 2-D embedding of test features', '## Environment and time']) expect(md).toContain(h);
    expect(md).toMatch(/\| BYOL \+ accumulation \| fine-tune \| \d\.\d{3} ± \d\.\d{3} \[/);
    expect(md).toMatch(/\| Kinetics-400 r3d_18 \| all \| not run: no weights/);
    expect(md).toMatch(/\| random init \| kNN \| [\d.± ]+ \| [\d.± ]+ \| [\d.± ]+ \| \d\.\d{3}/);
    expect(md).not.toMatch(/NaN/);
    const pngs = readdirSync(join(out, 'report')).filter((f) => f.endsWith('.png'));
    for (const f of ['roc-finetune.png', 'roc-knn.png', 'pretrain-loss.png', 'knn-monitor.png', 'pretrain-lr.png', 'pretrain-tau.png', 'imbalance.png', 'embedding-byol-accum.png', 'embedding-random.png']) expect(pngs).toContain(f);
    for (const f of pngs) expect(Array.from(readFileSync(join(out, 'report', f)).subarray(0, 4)), f).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const pre = plan.cells.find((c) => c.kind === 'pretrain')!;
    const curves = JSON.parse(readFileSync(join(out, 'cells', pre.key, 'curves.json'), 'utf8')) as { step: number; knnAuc?: number; lr: number; tau: number }[];
    expect(curves.map((p) => p.step)).toEqual(curves.map((_, i) => i + 1));
    expect(curves.some((p) => typeof p.knnAuc === 'number')).toBe(true);

    const t0 = statSync(join(out, 'report', 'report.md')).mtimeMs;
    const rep = await cli('report', '--run', out);
    expect(rep.code, rep.err).toBe(0);
    expect(rep.out).toMatch(/report \(\d+ of \d+ cells done\)/);
    expect(statSync(join(out, 'report', 'report.md')).mtimeMs).toBeGreaterThanOrEqual(t0);
    expect(readFileSync(join(out, 'report', 'report.md'), 'utf8').split('## Environment')[0]).toBe(md.split('## Environment')[0]);

    const again = await cli('reproduce', ...TINY_PLAN, '--data', data, '--out', out);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--resume: .* already holds a reproduce run/);
    const resumed = await cli('reproduce', ...TINY_PLAN, '--data', data, '--out', out, '--resume');
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/reproduce: 0 cells run, \d+ already done/);
  }, 900_000);
});
