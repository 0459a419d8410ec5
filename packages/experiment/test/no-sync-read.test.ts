import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { byolMed3dViews } from '@byolmed3d/augment3d';
import { defaultConfig, mergeConfig } from '@byolmed3d/experiment';
import { embedExams, loadEvalClips } from '@byolmed3d/experiment/internal';
import { useBackend } from '@byolmed3d/test-utils';
import { cli } from './cli-helper.js';
import { forbidSyncReads } from './sync-reads.js';

// The webgpu backend cannot read synchronously in Node (dataSync/arraySync
// throw there). This suite runs every training and evaluation command of the
// CLI on the cpu backend with Tensor.dataSync/arraySync made to throw, so a
// new synchronous read on those paths fails CI even without a GPU adapter.
describe('the CLI training and evaluation paths read nothing synchronously (cpu backend, dataSync/arraySync throw)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-nosync-'));
  const data = join(dir, 'data');
  const run = join(dir, 'run');
  const common = ['--preset', 'tiny', '--data', data, '--run', run, '--backend', 'cpu', '--quiet'];

  beforeAll(async () => {
    await useBackend('cpu');
    expect((await cli('demo-data', '--out', data, '--preset', 'tiny', '--seed', '3')).code).toBe(0);
  });
  afterEach(() => vi.restoreAllMocks());

  it('the guard itself catches a synchronous read (so this suite can fail)', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    await expect(forbidSyncReads(async () => x.dataSync())).rejects.toThrow(/synchronous read: dataSync/);
    await expect(forbidSyncReads(async () => x.arraySync())).rejects.toThrow(/synchronous read: arraySync/);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]); // restored afterwards
    x.dispose();
  });

  it('pretrain (and resuming it from its checkpoint), finetune, linear-probe, knn, evaluate', async () => {
    const before = tf.memory().numTensors;
    const codes = await forbidSyncReads(async () => {
      const out: Record<string, number> = {};
      const step = async (name: string, ...argv: string[]): Promise<void> => {
        const r = await cli(...argv);
        if (r.code !== 0) throw new Error(`${name} exited ${r.code}: ${r.err}`);
        out[name] = r.code;
      };
      await step('pretrain', 'pretrain', ...common);
      // Resume: restores learner and accumulator from the last checkpoint, then re-exports.
      await step('resume', 'pretrain', ...common, '--resume');
      await step('finetune', 'finetune', ...common, '--init', 'pretrained', '--label', 'BYOL / fine-tune');
      await step('linear-probe', 'linear-probe', ...common, '--init', 'pretrained', '--label', 'BYOL / probe');
      await step('knn', 'knn', ...common, '--init', 'random', '--label', 'random / kNN');
      await step('evaluate', 'evaluate', ...common);
      return out;
    });
    expect(Object.keys(codes)).toEqual(['pretrain', 'resume', 'finetune', 'linear-probe', 'knn', 'evaluate']);
    expect(existsSync(join(run, 'pretrain', 'encoder', 'model.safetensors'))).toBe(true);
    expect(readdirSync(join(run, 'results')).sort()).toEqual(['byol-fine-tune.json', 'byol-probe.json', 'random-knn.json']);
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);

  it('the embedding step (embedExams) reads back asynchronously', async () => {
    const cfg = mergeConfig(defaultConfig(), { data: { root: data, frames: 4, crop: 16, resize: 0, channels: 1, testClips: 2 }, model: { widthMultiplier: 0.0625 } });
    const { createVideoResNet } = await import('@byolmed3d/resnet3d');
    const enc = createVideoResNet('r3d_18', { numClasses: 0, widthMultiplier: 0.0625, inChannels: 1, seed: 1 });
    const log = { warn: () => {}, info: () => {}, log: () => {} } as unknown as Parameters<typeof loadEvalClips>[2];
    const { makeSplits } = await import('@byolmed3d/experiment/internal');
    const set = await loadEvalClips(cfg, makeSplits(data, cfg.data.task, 0.25, 0).test, log);
    const rows = await forbidSyncReads(() => embedExams(enc, set, 3, 'embedding'));
    expect(rows.length).toBe(set.exams.length);
    expect(rows[0]?.length).toBe(enc.featureDim);
    expect(rows.every((r) => r.every(Number.isFinite))).toBe(true);
    enc.dispose();
  });

  it("reproduce's time estimate (measureUnitTimes) reads back asynchronously", async () => {
    const { measureUnitTimes } = await import('@byolmed3d/experiment');
    const cfg = mergeConfig(defaultConfig(), { data: { frames: 4, crop: 16, resize: 0, channels: 1 }, model: { widthMultiplier: 0.0625 }, pretrain: { microBatch: 2, accumulation: 2 }, finetune: { batch: 2 }, reproduce: { estimateSteps: 1 } });
    const before = tf.memory().numTensors;
    const m = await forbidSyncReads(() => measureUnitTimes(cfg, { volume: [6, 20, 20] }));
    for (const k of ['byolMicro', 'noTargetMicro', 'finetuneStep', 'embedClip'] as const) expect(m.wall[k]).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the two-view presets run on the tensor path without a synchronous read', async () => {
    const v = byolMed3dViews({ size: 12, frames: 3, normalize: 'zscore' });
    const x = tf.randomUniform([1, 5, 17, 15, 1], 0, 1, 'float32', 2) as tf.Tensor5D;
    const [a, b] = await forbidSyncReads(async () => v.sampleBatch(x));
    expect(a.shape).toEqual([1, 3, 12, 12, 3]);
    expect(b.shape).toEqual([1, 3, 12, 12, 3]);
    tf.dispose([x, a, b]);
  });
});
