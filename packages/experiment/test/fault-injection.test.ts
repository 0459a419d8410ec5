// Issue 21, experiment side: each case replayed against the CLI (in-process)
// or the functions under it. Every case failed (or passed silently with a
// wrong result) before the fix; the comment above each says what happened.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '@byolmed3d/video-io';
import { decodeSafetensors } from '@byolmed3d/resnet3d';
import { demoPresets, generateDemoDataset, readResults } from '@byolmed3d/experiment';
import { checkpointPath, encodeCheckpoint, latestCheckpoint, listCheckpoints, loadCheckpoint, makeSplits, nonFiniteTensors, pruneCheckpoints, saveCheckpoint, writeResult } from '@byolmed3d/experiment/internal';
import { cli } from './cli-helper.js';

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-faults-'));
const data = join(dir, 'data');
const tiny = (run: string, ...more: string[]): string[] => ['--preset', 'tiny', '--data', data, '--run', run, '--backend', 'cpu', '--quiet', '--pretrain.epochs', '1', ...more];
const ck = (step: number, runId: string, value = 1): Parameters<typeof saveCheckpoint>[1] => ({ state: { runId, step }, tensors: { w: { shape: [2], data: Float32Array.of(value, value) } } });

beforeAll(() => {
  generateDemoDataset({ out: data, seed: 5, ...demoPresets.tiny! });
});

describe('1. checkpoints are owned by their run', () => {
  // Before: pruning sorted by file name, so a new run's checkpoints were deleted right after being written, and
  // --resume resumed the OLD run's step-90.
  it('a fresh start over an earlier pretraining is refused without --resume or --overwrite; --overwrite starts over', async () => {
    const run = join(dir, 'owned');
    expect((await cli('pretrain', ...tiny(run))).code).toBe(0);
    const first = listCheckpoints(join(run, 'pretrain'));
    const again = await cli('pretrain', ...tiny(run, '--pretrain.lr', '0.05'));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--resume: .*holds an earlier pretraining \(checkpoints up to step 3\): pass --resume to continue it, or --overwrite to start over/);
    expect(listCheckpoints(join(run, 'pretrain'))).toEqual(first);
    const over = await cli('pretrain', ...tiny(run, '--pretrain.lr', '0.05', '--overwrite'));
    expect(over.code).toBe(0);
    const runId = (JSON.parse(readFileSync(join(run, 'pretrain', 'run.json'), 'utf8')) as { runId: string }).runId;
    for (const c of listCheckpoints(join(run, 'pretrain'))) expect(loadCheckpoint(c.path).state.runId).toBe(runId);
  }, 120_000);

  it('prunes by step number, only its own run, and resumes only its own', () => {
    const d = mkdtempSync(join(tmpdir(), 'byolmed3d-prune-'));
    saveCheckpoint(checkpointPath(d, 90), ck(90, 'old'));
    saveCheckpoint(join(d, 'step-8.ckpt'), ck(8, 'new')); // an unpadded name (older versions) sorts after step-00000010 by text
    saveCheckpoint(checkpointPath(d, 9), ck(9, 'new'));
    saveCheckpoint(checkpointPath(d, 10), ck(10, 'new'));
    pruneCheckpoints(d, 2, 'new');
    expect(listCheckpoints(d).map((c) => c.step)).toEqual([9, 10, 90]);
    expect(latestCheckpoint(d, { runId: 'new' })?.step).toBe(10);
    expect(latestCheckpoint(d, { runId: 'other' })).toBeNull();
  });
});

describe('2. resume checks the configuration', () => {
  // Before: --resume --seed 7 went ahead silently; --resume --pretrain.microBatch 4 labelled 2 steps "5 optimizer steps".
  it('refuses a resume with changed pretraining fields, naming them; --force resumes anyway', async () => {
    const run = join(dir, 'resume-config');
    expect((await cli('pretrain', ...tiny(run))).code).toBe(0);
    const yaml = readFileSync(join(run, 'config.yaml'), 'utf8');
    for (const [flag, value, field] of [['--seed', '7', 'seed'], ['--pretrain.microBatch', '4', 'pretrain.microBatch']] as const) {
      const r = await cli('pretrain', ...tiny(run, '--resume', flag, value));
      expect(r.code, flag).toBe(2);
      expect(r.err, flag).toMatch(new RegExp(`the pretraining configuration changed since this run started \\(${field.replace('.', '\\.')}\\)`));
    }
    expect(readFileSync(join(run, 'config.yaml'), 'utf8')).toBe(yaml); // not overwritten by the refused runs
    const forced = await cli('pretrain', ...tiny(run, '--resume', '--seed', '7', '--force'));
    expect(forced.code).toBe(0);
    expect(forced.err).toMatch(/warning: resuming with a changed configuration \(--force\): seed/);
  }, 120_000);
});

describe('3. poisoned checkpoints are never kept', () => {
  // Before: SGD lr 1e6 exited 0 with Inf in running_var, and the exported encoder held ~1e32.
  it('a run whose weights go non-finite stops with the last finite checkpoint named, keeps no poisoned file and exports nothing', async () => {
    const run = join(dir, 'poison');
    await expect(cli('pretrain', ...tiny(run, '--pretrain.optimizer', 'sgd', '--pretrain.lr', '1e12', '--pretrain.epochs', '3'))).rejects.toThrow(/NaN|Inf/);
    for (const c of listCheckpoints(join(run, 'pretrain'))) expect(nonFiniteTensors(loadCheckpoint(c.path))).toEqual([]);
    expect(existsSync(join(run, 'pretrain', 'encoder', 'model.safetensors'))).toBe(false);
  }, 120_000);

  it('saveCheckpoint refuses non-finite tensors; latestCheckpoint skips a poisoned file and falls back to the last finite one', () => {
    const d = mkdtempSync(join(tmpdir(), 'byolmed3d-poison-'));
    saveCheckpoint(checkpointPath(d, 1), ck(1, 'r'));
    expect(() => saveCheckpoint(checkpointPath(d, 2), ck(2, 'r', Number.POSITIVE_INFINITY))).toThrow(/not written: 1 tensor\(s\) hold NaN or Inf \(w\)/);
    expect(existsSync(checkpointPath(d, 2))).toBe(false);
    writeFileSync(checkpointPath(d, 3), encodeCheckpoint(ck(3, 'r', Number.NaN))); // e.g. written by an older version
    const skipped: string[] = [];
    expect(latestCheckpoint(d, { runId: 'r', onSkip: (e) => skipped.push(e.message) })?.step).toBe(1);
    expect(skipped.join('\n')).toMatch(/step-00000003\.ckpt: checkpoint: holds NaN or Inf in w/);
    pruneCheckpoints(d, 1, 'r');
    expect(existsSync(checkpointPath(d, 1))).toBe(true); // the last finite one
    expect(existsSync(checkpointPath(d, 3))).toBe(false); // the poisoned one
  });
});

describe('3. an exam scaled by 1e30 poisons no checkpoint', () => {
  // Before: an exam scaled by 1e30 left a poisoned step-2.ckpt (non-finite batch-norm statistics) that was kept and resumed from.
  it('pretraining over it keeps only finite checkpoints and exports no non-finite encoder', async () => {
    const huge = join(dir, 'huge-data');
    cpSync(data, huge, { recursive: true });
    const id = makeSplits(huge, 'acl', 0.25, 0).train[0]!.id;
    const vol = new Float32Array(8 * 24 * 24).map((_, i) => (1 + (i % 7)) * 1e30);
    writeFileSync(join(huge, 'train', 'sagittal', `${id}.npy`), encodeNpy({ data: vol, shape: [8, 24, 24, 1], dtype: 'float32' }, [8, 24, 24]));
    const run = join(dir, 'huge');
    const r = await cli('pretrain', ...tiny(run).map((a) => (a === data ? huge : a))).catch((e: unknown) => ({ code: 1, out: '', err: String(e) }));
    const kept = listCheckpoints(join(run, 'pretrain'));
    for (const c of kept) expect(nonFiniteTensors(loadCheckpoint(c.path)), c.path).toEqual([]);
    if (r.code === 0) {
      // Finished: every exported value finite (batch-norm running_var included), as in every kept checkpoint.
      const { entries } = decodeSafetensors(readFileSync(join(run, 'pretrain', 'encoder', 'model.safetensors')));
      const bad = Object.entries(entries).filter(([, t]) => t.data instanceof Float32Array && !t.data.every(Number.isFinite)).map(([n]) => n);
      expect(bad).toEqual([]);
      expect(Object.keys(entries).some((n) => n.endsWith('running_var'))).toBe(true);
      expect(kept.length).toBeGreaterThan(0);
    } else {
      expect(r.err).toMatch(/NaN|Inf/);
      expect(existsSync(join(run, 'pretrain', 'encoder', 'model.safetensors'))).toBe(false);
    }
  }, 120_000);
});

describe('3./4. a diverging downstream run stops instead of reporting', () => {
  // Before: finetune --finetune.lr 1e30 exited 0 with every score null, and evaluate/report then showed AUC 0.500, sens 1.000.
  it('finetune with a diverging lr stops at the first non-finite loss, naming the exams, and writes no results', async () => {
    const run = join(dir, 'ft-diverge');
    await expect(cli('finetune', ...tiny(run, '--init', 'random', '--finetune.lr', '1e30', '--finetune.epochs', '3'))).rejects.toThrow(/loss became (NaN|-?Infinity) at epoch \d+ \(exams \d+/);
    expect(existsSync(join(run, 'results')) ? readdirSync(join(run, 'results')) : []).toEqual([]);
  }, 120_000);
});

describe('4. non-finite scores never become metrics', () => {
  // Before: evaluate printed "AUC 0.750 [0.378, 1.000]" with a null score included.
  it('writeResult refuses a NaN score and evaluate/report refuse a results file holding one, naming the file', async () => {
    const run = join(dir, 'nan-results');
    const result = { method: 'm', init: 'random', protocol: 'knn' as const, task: 'acl', plane: 'sagittal', ids: ['a', 'b', 'c'], labels: [0, 1, 1], scores: [0.1, Number.NaN, 0.7], val: { labels: [0, 1], scores: [0.2, 0.8] } };
    expect(() => writeResult(run, result)).toThrow(/m\.json: not written: test: score 1 \(exam b\) is null, not a finite number/);
    mkdirSync(join(run, 'results'), { recursive: true });
    writeFileSync(join(run, 'results', 'm.json'), JSON.stringify(result));
    expect(() => readResults([run])).toThrow(/results\/m\.json: refusing these results: test: score 1 \(exam b\) is null/);
    await expect(cli('evaluate', '--run', run, '--backend', 'cpu', '--quiet')).rejects.toThrow(/m\.json: refusing these results/);
    await expect(cli('report', '--run', run, '--backend', 'cpu', '--quiet')).rejects.toThrow(/m\.json: refusing these results/);
  });

  // Before: "Expected ',' ... position 280" and no file name.
  it('a truncated results file is reported with its name', () => {
    const run = join(dir, 'torn-results');
    mkdirSync(join(run, 'results'), { recursive: true });
    writeFileSync(join(run, 'results', 'cut.json'), '{"method":"m","labels":[0,1');
    expect(() => readResults([run])).toThrow(/cut\.json/);
  });
});

describe('5. bad volumes are bad exams: skipped and counted naming the file, the rest of their micro-batch kept', () => {
  const bad = join(dir, 'bad-data');
  let badIds: string[] = [];
  beforeAll(() => {
    cpSync(data, bad, { recursive: true });
    const train = makeSplits(bad, 'acl', 0.25, 0).train.map((e) => e.id);
    badIds = train.slice(0, 3);
    const f32 = (shape: [number, number, number], fill: number): Uint8Array => encodeNpy({ data: new Float32Array(shape[0] * shape[1] * shape[2]).fill(fill), shape: [...shape, 1], dtype: 'float32' }, shape);
    writeFileSync(join(bad, 'train', 'sagittal', `${badIds[0]}.npy`), f32([6, 24, 24], Number.NaN)); // all-NaN
    writeFileSync(join(bad, 'train', 'sagittal', `${badIds[1]}.npy`), encodeNpy({ data: new Uint8Array(0), shape: [0, 24, 24, 1], dtype: 'uint8' }, [0, 24, 24])); // (0, 24, 24)
    writeFileSync(join(bad, 'train', 'sagittal', `${badIds[2]}.npy`), encodeNpy({ data: new Uint8Array(6), shape: [6, 1, 1, 1], dtype: 'uint8' }, [6, 1, 1])); // 6x1x1
  });

  // Before: "loss became NaN at micro-batch 2" (no file named), a (0,24,24) exam killed the run, 6x1x1 was accepted,
  // and one bad exam threw away its whole micro-batch.
  it('pretraining skips them, names each file, keeps the rest of the batch; --strict stops at the first', async () => {
    const run = join(dir, 'bad-pretrain');
    const r = await cli('pretrain', ...tiny(run).map((a) => (a === data ? bad : a)));
    expect(r.code).toBe(0);
    for (const id of badIds) expect(r.err).toMatch(new RegExp(`warning: .*skipping .*train/sagittal/${id}\\.npy`));
    expect(r.err).toMatch(/non-finite values/);
    expect(r.err).toMatch(/empty volume/);
    expect(r.err).toMatch(/smaller than the minimum \[2, 8, 8\]/);
    const losses = JSON.parse(readFileSync(join(run, 'pretrain', 'losses.json'), 'utf8')) as { losses: number[] };
    // 12 train exams, 3 unreadable: the 9 others fill 4 micro-batches of 2 (2 optimizer steps), none thrown away.
    expect(losses.losses).toHaveLength(4);
    expect(losses.losses.every(Number.isFinite)).toBe(true);
    const done = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; warnings?: number }).filter((x) => x.event === 'done');
    expect(done.at(-1)?.warnings).toBe(3);
    await expect(cli('pretrain', ...tiny(join(dir, 'bad-strict'), '--strict').map((a) => (a === data ? bad : a)))).rejects.toThrow(new RegExp(`(${badIds.join('|')})\\.npy`));
  }, 120_000);

  // Before: linear-probe/knn stopped with "train.data[32] is NaN" (no file).
  it('kNN skips them too and writes finite scores', async () => {
    const run = join(dir, 'bad-knn');
    const r = await cli('knn', ...tiny(run, '--init', 'random').map((a) => (a === data ? bad : a)));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(new RegExp(`warning: .*${badIds[0]}\\.npy`));
    const [res] = readResults([run]);
    expect(res?.scores.every(Number.isFinite)).toBe(true);
  }, 120_000);
});

describe('6. size limits come from the config', () => {
  // Before: maxBytes could not be set from the config (only the 2 GiB default of the reader applied).
  it('data.maxMB refuses an exam whose header declares more, naming the file; without it the exam is read', async () => {
    const big = join(dir, 'big-data');
    cpSync(data, big, { recursive: true });
    const id = makeSplits(big, 'acl', 0.25, 0).train[0]!.id;
    const file = join(big, 'train', 'sagittal', `${id}.npy`);
    writeFileSync(file, encodeNpy({ data: new Uint8Array(8 * 380 * 380).fill(9), shape: [8, 380, 380, 1], dtype: 'uint8' }, [8, 380, 380])); // 1.16 MB
    const limited = await cli('knn', ...tiny(join(dir, 'big-limited'), '--init', 'random', '--data.maxMB', '1').map((a) => (a === data ? big : a)));
    expect(limited.code).toBe(0);
    expect(limited.err).toMatch(new RegExp(`warning: .*train/sagittal/${id}\\.npy.*maxBytes=1048576`));
    const free = await cli('knn', ...tiny(join(dir, 'big-free'), '--init', 'random').map((a) => (a === data ? big : a)));
    expect(free.code).toBe(0);
    expect(free.err).not.toMatch(new RegExp(`${id}\\.npy`));
  }, 120_000);
});

describe('7. files and disk', () => {
  // Before: *.ckpt.tmp-PID files of killed runs were never cleaned.
  it('removes temp files of killed writers at start and repairs a torn last log line', async () => {
    const run = join(dir, 'stale');
    mkdirSync(join(run, 'pretrain'), { recursive: true });
    const stale = join(run, 'pretrain', 'step-00000001.ckpt.tmp-999999999');
    writeFileSync(stale, 'partial');
    writeFileSync(join(run, 'log.jsonl'), '{"event":"start"}\n{"event":"prog');
    const r = await cli('config', 'print', '--run', run); // not a run: nothing removed
    expect(r.code).toBe(0);
    expect(existsSync(stale)).toBe(true);
    await cli('evaluate', '--run', run, '--backend', 'cpu', '--quiet').catch(() => undefined);
    expect(existsSync(stale)).toBe(false);
    const lines = readFileSync(join(run, 'log.jsonl'), 'utf8').split('\n');
    expect(lines[1]).toBe('{"event":"prog');
    for (const l of lines.slice(2).filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
  });

  // Before: a read-only run dir failed only after a step was computed.
  it('a run directory that cannot be written fails before anything is computed, naming it', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await cli('pretrain', ...tiny(file));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--run: .*not-a-dir is not a writable folder/);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only run directory fails before anything is computed', async () => {
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = await cli('pretrain', ...tiny(ro));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/read-only is not a writable folder/);
    expect(readdirSync(ro)).toEqual([]);
  });
});

describe('8. config gaps', () => {
  // Before: --pretrain.microBatch 1 took 0 optimizer steps, exited 0 and called the random encoder "pretrained".
  it('a plan without one optimizer step is refused naming the field', async () => {
    const r = await cli('pretrain', ...tiny(join(dir, 'no-steps'), '--pretrain.accumulation', '7'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/pretrain\.microBatch: 12 train exams are fewer than microBatch x accumulation = 2 x 7/);
    expect((await cli('pretrain', ...tiny(join(dir, 'mb1'), '--pretrain.microBatch', '1'))).err).toMatch(/pretrain\.microBatch: must be >= 2/);
  });
});
