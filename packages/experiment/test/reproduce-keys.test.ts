import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, demoPresets, expandPlan, generateDemoDataset, mergeConfig, presets, type Plan } from '@byolmed3d/experiment';
import { dataFingerprint, KEY_SCHEME, weightsFingerprint } from '@byolmed3d/experiment/internal';
import { Random } from '@byolmed3d/util';
import { cli } from './cli-helper.js';

const keys = (p: Plan): Map<string, string> => new Map(p.cells.map((c) => [c.id, c.key]));
const bytes = (n: number, seed: number): Buffer => {
  const r = new Random(seed);
  return Buffer.from(Array.from({ length: n }, () => Math.floor(r.next() * 256)));
};

describe('reproduce cell keys are content-based and location-free', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-keys-'));
  const data = join(dir, 'data');
  const plan = (root: string, over: Record<string, unknown> = {}, out = '/tmp/out-a'): Plan =>
    expandPlan(mergeConfig(mergeConfig(mergeConfig(defaultConfig(), presets.tiny), { data: { root } }), over), { out });

  beforeAll(() => {
    generateDemoDataset({ out: data, seed: 3, ...demoPresets.tiny! });
  });

  it('a copied, moved or renamed data folder (and another output folder) keeps every key', () => {
    const a = keys(plan(data, { reproduce: { planes: 'all', seeds: 1 } }));
    expect(a.size).toBeGreaterThan(10);
    const copy = join(dir, 'copy');
    cpSync(data, copy, { recursive: true });
    expect(dataFingerprint(copy, 'acl', 'sagittal')).toBe(dataFingerprint(data, 'acl', 'sagittal'));
    const renamed = join(dir, 'renamed-mri');
    renameSync(copy, renamed);
    expect(keys(plan(renamed, { reproduce: { planes: 'all', seeds: 1 } }, 'relative/out'))).toEqual(a);
    // Another spelling of the same folder: still the same.
    expect(keys(plan(`${renamed}/`, { reproduce: { planes: 'all', seeds: 1 } }))).toEqual(a);
  });

  it('one changed label changes the data key of every cell on that task; other tasks keep theirs', () => {
    const copy = join(dir, 'relabelled');
    cpSync(data, copy, { recursive: true });
    const before = { acl: dataFingerprint(copy, 'acl', 'sagittal'), meniscus: dataFingerprint(copy, 'meniscus', 'sagittal') };
    const a = keys(plan(copy, { reproduce: { seeds: 1 } }));
    const csv = join(copy, 'train-acl.csv');
    const lines = readFileSync(csv, 'utf8').split('\n');
    const [id, label] = (lines[0] as string).split(',');
    lines[0] = `${id},${label === '1' ? '0' : '1'}`;
    writeFileSync(csv, lines.join('\n'));
    expect(statSync(csv).size).toBe(Buffer.byteLength(readFileSync(join(data, 'train-acl.csv')))); // same size, other bytes
    expect(dataFingerprint(copy, 'acl', 'sagittal')).not.toBe(before.acl);
    expect(dataFingerprint(copy, 'meniscus', 'sagittal')).toBe(before.meniscus);
    const b = keys(plan(copy, { reproduce: { seeds: 1 } }));
    for (const [cellId, k] of a) expect(b.get(cellId), cellId).not.toBe(k);
  });

  it('an exam removed from the plane folder changes the fingerprint of that plane only', () => {
    const copy = join(dir, 'fewer');
    cpSync(data, copy, { recursive: true });
    const sag = dataFingerprint(copy, 'acl', 'sagittal');
    const ax = dataFingerprint(copy, 'acl', 'axial');
    rmSync(join(copy, 'train', 'sagittal', '0000.npy'));
    expect(dataFingerprint(copy, 'acl', 'sagittal')).not.toBe(sag);
    expect(dataFingerprint(copy, 'acl', 'axial')).toBe(ax);
  });

  it('weights are keyed by a SHA-256 of their bytes: a same-size replacement changes the Kinetics cells only, a copy elsewhere changes nothing', () => {
    const wdir = join(dir, 'weights');
    mkdirSync(wdir, { recursive: true });
    const w = join(wdir, 'r3d_18.safetensors');
    writeFileSync(w, bytes(4096, 1));
    expect(weightsFingerprint(w)).toBe(createHash('sha256').update(readFileSync(w)).digest('hex'));
    expect(weightsFingerprint(join(wdir, 'absent.pth'))).toBeNull();
    const a = keys(plan(data, { reproduce: { seeds: 1, kinetics: w } }));
    const moved = join(dir, 'elsewhere.safetensors');
    cpSync(w, moved);
    expect(keys(plan(data, { reproduce: { seeds: 1, kinetics: moved } }))).toEqual(a);
    writeFileSync(w, bytes(4096, 2));
    expect(statSync(w).size).toBe(statSync(moved).size);
    const b = keys(plan(data, { reproduce: { seeds: 1, kinetics: w } }));
    const kin = [...a.keys()].filter((id) => id.includes('/kinetics/'));
    expect(kin.length).toBeGreaterThan(0);
    for (const [id, k] of a) {
      if (id.includes('/kinetics/')) expect(b.get(id), id).not.toBe(k);
      else expect(b.get(id), id).toBe(k);
    }
    // An exported encoder folder: its weights and its config.json count.
    const exp = join(dir, 'export');
    mkdirSync(exp);
    writeFileSync(join(exp, 'model.safetensors'), bytes(256, 3));
    writeFileSync(join(exp, 'config.json'), '{"a":1}');
    const f1 = weightsFingerprint(exp);
    writeFileSync(join(exp, 'config.json'), '{"a":2}');
    expect(weightsFingerprint(exp)).not.toBe(f1);
  });
});

describe('reproduce --resume of a folder that moved (tiny plan, cpu backend)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-moved-'));
  const plan = ['--preset', 'tiny', '--backend', 'cpu', '--quiet', '--seeds', '1', '--reproduce.methods', 'byol-accum', '--reproduce.protocols', 'knn',
    '--reproduce.positiveFractions', '0.1', '--reproduce.imbalanceInits', 'random', '--reproduce.imbalanceProtocols', 'knn',
    '--pretrain.epochs', '1', '--reproduce.monitorEvery', '0', '--reproduce.estimateSteps', '1'];
  afterEach(() => vi.restoreAllMocks());

  it('runs nothing again after the data and output folders are copied elsewhere and the data folder renamed; refuses an old-scheme folder clearly', async () => {
    const first = join(dir, 'first');
    generateDemoDataset({ out: join(first, 'data'), seed: 3, ...demoPresets.tiny! });
    const r = await cli('reproduce', ...plan, '--data', join(first, 'data'), '--out', join(first, 'out'));
    expect(r.code, r.err).toBe(0);
    const planFile = JSON.parse(readFileSync(join(first, 'out', 'plan.json'), 'utf8')) as { keyScheme: number; cells: { key: string; kind: string }[] };
    expect(planFile.keyScheme).toBe(KEY_SCHEME);
    const n = planFile.cells.length;
    expect(n).toBe(6);

    // Copy both folders elsewhere, rename the data folder there.
    const second = join(dir, 'second');
    cpSync(first, second, { recursive: true });
    renameSync(join(second, 'data'), join(second, 'mri'));
    const args = ['reproduce', ...plan.filter((a) => a !== '--quiet'), '--data', join(second, 'mri'), '--out', join(second, 'out'), '--resume'];
    const again = await cli(...args);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain(`reproduce: 0 cells run, ${n} already done`);

    // A pretraining cell interrupted before the move resumes from its checkpoints in the new place (same encoder).
    const pre = planFile.cells.find((c) => c.kind === 'pretrain')!;
    const encoder = (root: string): Buffer => readFileSync(join(root, 'out', 'cells', pre.key, 'pretrain', 'encoder', 'model.safetensors'));
    rmSync(join(second, 'out', 'cells', pre.key, 'cell.json'));
    const resumed = await cli(...args);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain(`reproduce: 1 cells run, ${n - 1} already done`);
    expect(readFileSync(join(second, 'out', 'cells', pre.key, 'log.jsonl'), 'utf8')).toMatch(/the data folder moved since this pretraining started/);
    expect(encoder(second).equals(encoder(first))).toBe(true);

    // A folder whose plan was written with the old keys (no keyScheme): a clear refusal, --force runs anyway.
    const pf = join(second, 'out', 'plan.json');
    const { keyScheme: _k, ...old } = JSON.parse(readFileSync(pf, 'utf8')) as Record<string, unknown>;
    void _k;
    writeFileSync(pf, JSON.stringify(old));
    const refused = await cli(...args);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--resume: .*out: its 6 finished cells were keyed by an earlier byolmed3d, whose cell keys came from the data folder's absolute path .* pass --force to run every cell again here/);
    expect(existsSync(pf)).toBe(true);
    const forced = await cli(...args, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(forced.err + forced.out).toMatch(/--force: running every cell again/);
    expect((JSON.parse(readFileSync(pf, 'utf8')) as { keyScheme: number }).keyScheme).toBe(KEY_SCHEME);
  }, 600_000);
});
