import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultConfig, mergeConfig, selectBackend } from '@byolmed3d/experiment';
import { pretrainViews } from '@byolmed3d/experiment/internal';
import { maxAbsDiff } from '@byolmed3d/test-utils';
import type { Clip } from '@byolmed3d/augment3d';
import { makeViews } from '../src/train/pretrain.js';
import { cli } from './cli-helper.js';

// Whether a webgpu backend starts here (in CI: Mesa's llvmpipe through Dawn's
// OpenGL ES backend), and if not, why. `--backend webgpu` accepts a software
// adapter (`auto` never picks one).
const gpu: { adapter: string | null; reason: string } = await (async () => {
  try {
    const sel = await selectBackend({ backend: 'webgpu' });
    return { adapter: sel.message, reason: '' };
  } catch (e) {
    return { adapter: null, reason: (e as Error).message.split('\n')[0] ?? String(e) };
  } finally {
    await tf.setBackend('cpu');
  }
})();

const title = gpu.adapter == null ? ` (SKIPPED: no WebGPU adapter: ${gpu.reason})` : '';

// The CLI's own code path on webgpu, where dataSync/arraySync throw (the
// sync-read guard of @byolmed3d/tfjs-webgpu): a tiny BYOL pretraining with
// gradient accumulation, a checkpoint, the encoder export, and a fine-tuning
// run from it; then both presets' views made on the device (augment3d's
// tensor path, what pretrain uses on a hardware adapter) against the CPU path.
describe.skipIf(gpu.adapter == null)(`pretrain + finetune through the CLI on webgpu${title}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-webgpu-cli-'));
  const data = join(dir, 'data');
  const run = join(dir, 'run');
  const common = ['--preset', 'tiny', '--data', data, '--run', run, '--backend', 'webgpu', '--quiet', '--pretrain.epochs', '1', '--data.channels', '3'];

  beforeAll(async () => {
    expect((await cli('demo-data', '--out', data, '--preset', 'tiny', '--seed', '4')).code).toBe(0);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await tf.setBackend('cpu');
  });

  it('runs with only asynchronous reads, finite losses and results, the views on the path measured faster for the adapter', async () => {
    const pre = await cli('pretrain', ...common);
    expect(pre.code, pre.err).toBe(0);
    expect(tf.getBackend()).toBe('webgpu');
    // The guard is active: a synchronous read of a value computed on the device throws
    // (tiny ops may run on the CPU; a 64 x 64 matmul does not).
    const probe = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])));
    expect(() => probe.dataSync()).toThrow(/dataSync|synchronous/i);
    probe.dispose();
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; message?: string; loss?: number });
    expect(log.find((r) => r.event === 'info' && /^backend: webgpu/.test(r.message ?? ''))?.message).toMatch(/adapter: /);
    // Views: on the device with a hardware adapter; on the CPU with a software one (measured faster there).
    const software = /, software[;)]/.test(gpu.adapter ?? '');
    const viewsLine = software ? /views on the CPU \(typed arrays: faster than the tensor path on a software adapter\)/ : /views on the webgpu device \(augment3d tensor path\)/;
    expect(log.some((r) => r.event === 'info' && viewsLine.test(r.message ?? ''))).toBe(true);
    expect(log.some((r) => r.event === 'checkpoint')).toBe(true);
    const losses = (JSON.parse(readFileSync(join(run, 'pretrain', 'losses.json'), 'utf8')) as { losses: number[] }).losses;
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(existsSync(join(run, 'pretrain', 'encoder', 'model.safetensors'))).toBe(true);

    const ft = await cli('finetune', ...common, '--init', 'pretrained', '--label', 'BYOL / fine-tune', '--finetune.epochs', '1');
    expect(ft.code, ft.err).toBe(0);
    const res = JSON.parse(readFileSync(join(run, 'results', 'byol-fine-tune.json'), 'utf8')) as { scores: number[]; losses: number[] };
    expect(res.scores.length).toBeGreaterThan(0);
    expect(res.scores.every(Number.isFinite)).toBe(true);
    expect(res.losses.every(Number.isFinite)).toBe(true);
  }, 1_200_000);

  it('both presets: views made on webgpu (tensor path) match the typed-array path on the CPU, same seeds, odd sizes, 3 channels', async () => {
    const clip = (t: number, seed: number): Clip => {
      const data = new Float32Array(t * 19 * 17);
      let a = seed;
      for (let i = 0; i < data.length; i++) data[i] = ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      return { data, shape: [t, 19, 17, 1] };
    };
    const clips = [clip(6, 1), clip(9, 2)];
    expect(await tf.setBackend('webgpu')).toBe(true);
    for (const views of ['byolmed3d', 'byol'] as const) {
      const v = makeViews(mergeConfig(defaultConfig(), { data: { frames: 5, crop: 13, channels: 3 }, pretrain: { views, minScale: 0.3 } }));
      const [ta, tb] = pretrainViews(v, clips, [21, 22], false);
      const want = [await ta.data(), await tb.data()];
      tf.dispose([ta, tb]);
      const before = tf.memory().numTensors;
      const [ga, gb] = pretrainViews(v, clips, [21, 22], true);
      expect(tf.getBackend()).toBe('webgpu');
      expect(ga.shape).toEqual([2, 5, 13, 13, 3]);
      const got = [await ga.data(), await gb.data()];
      tf.dispose([ga, gb]);
      expect(tf.memory().numTensors).toBe(before);
      expect(maxAbsDiff(got[0]!, want[0]!), `${views} view 1`).toBeLessThan(1e-3);
      expect(maxAbsDiff(got[1]!, want[1]!), `${views} view 2`).toBeLessThan(1e-3);
    }
  }, 600_000);
});
