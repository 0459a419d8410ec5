import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { formulaInputNdhwc, formulaStateDict, maxRelErr, readTestJson } from '@byolmed3d/test-utils';
import { ConfigError, defaultConfig, exportEncoder, loadEncoderWeights, mergeConfig, selectBackend } from '@byolmed3d/experiment';
import { buildEncoder } from '@byolmed3d/experiment/internal';

interface Fixture {
  exportSha256: string;
  keys: number;
  inputShapeNCDHW: [number, number, number, number, number];
  features: number[];
}

// tools/fixtures/experiment.py: torchvision's r3d_18 (fc = Identity) loaded this export with load_state_dict(strict=True).
const fx = readTestJson<Fixture>('..', 'packages', 'experiment', 'test', 'fixtures', 'torchvision_export.json');

describe('encoder export (model.safetensors + config.json)', () => {
  it('is the file torchvision r3d_18 loads strictly, and gives torchvision\'s features', async () => {
    await selectBackend({ backend: 'cpu' });
    const before = tf.memory().numTensors;
    const cfg = defaultConfig();
    const enc = buildEncoder(cfg);
    enc.loadStateDict(formulaStateDict(enc.stateDict()), { strict: true });
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-export-'));
    exportEncoder(enc, dir, cfg, { configHash: null, training: { fixture: 'golden formula' } });
    enc.dispose();
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(fx.exportSha256);
    const meta = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ format: 'byolmed3d-encoder', arch: 'r3d_18', widthMultiplier: 1, norm: 'batch', inChannels: 3, featureDim: 512, layout: 'NTHWC' });
    expect(meta.inputNormalization).toEqual({ scale: 255, mean: 58.09 / 255, std: 49.73 / 255 });

    // init.kind=weights takes the export folder: the features match torchvision's.
    const back = buildEncoder(mergeConfig(cfg, { seed: 9 }));
    const r = await loadEncoderWeights(dir, back, cfg, true);
    expect(r.missing).toEqual([]);
    expect(Object.keys(back.stateDict())).toHaveLength(fx.keys);
    const [n, c, t, h, w] = fx.inputShapeNCDHW;
    const x = tf.tensor5d(formulaInputNdhwc(fx.inputShapeNCDHW), [n, t, h, w, c]);
    const f = tf.tidy(() => back.apply(x, { training: false }).features);
    expect(maxRelErr(await f.data(), fx.features)).toBeLessThan(1e-4);
    tf.dispose([x, f]);
    back.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('refuses an export whose architecture differs from the configuration, naming the field', async () => {
    await selectBackend({ backend: 'cpu' });
    const small = mergeConfig(defaultConfig(), { model: { widthMultiplier: 0.0625 }, data: { channels: 1 } });
    const enc = buildEncoder(small);
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-export-'));
    exportEncoder(enc, dir, small, { configHash: 'abc' });
    const other = mergeConfig(small, { data: { channels: 3 } });
    const enc3 = buildEncoder(other);
    await expect(loadEncoderWeights(dir, enc3, other, true)).rejects.toThrow(ConfigError);
    await expect(loadEncoderWeights(dir, enc3, other, true)).rejects.toThrow(/data\.channels: is 3 but the weights in .* were trained with 1/);
    enc.dispose();
    enc3.dispose();
  });
});

describe('byolmed3d weights export / convert', () => {
  it("exports a run's encoder, also from its newest checkpoint when the export is missing (same bytes), and converts it", async () => {
    const { cli } = await import('./cli-helper.js');
    const { generateDemoDataset, demoPresets } = await import('@byolmed3d/experiment');
    const { rmSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-wexport-'));
    generateDemoDataset({ out: join(dir, 'data'), seed: 1, ...demoPresets.tiny! });
    const run = join(dir, 'run');
    expect((await cli('pretrain', '--preset', 'tiny', '--data', join(dir, 'data'), '--run', run, '--backend', 'cpu', '--quiet', '--pretrain.epochs', '1')).code).toBe(0);
    const final = readFileSync(join(run, 'pretrain', 'encoder', 'model.safetensors'));
    const a = await cli('weights', 'export', run, '--out', join(dir, 'a'));
    expect(a.code).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, 'a', 'model.safetensors')), final)).toBe(0);
    rmSync(join(run, 'pretrain', 'encoder'), { recursive: true });
    const b = await cli('weights', 'export', run, '--out', join(dir, 'b'));
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/at optimizer step 3/);
    expect(Buffer.compare(readFileSync(join(dir, 'b', 'model.safetensors')), final)).toBe(0);
    const c = await cli('weights', 'convert', join(dir, 'b'), join(dir, 'c.safetensors'));
    expect(c.code).toBe(0);
    const ins = await cli('weights', 'inspect', join(dir, 'c.safetensors'));
    expect(ins.out).toMatch(/layer4\.1\.conv2\.1\.num_batches_tracked/);

    // Both ways through .pth: export folder -> .pth -> folder, the same tensors (int64 counters kept).
    const { readSafetensors, readTorchCheckpoint } = await import('@byolmed3d/resnet3d');
    const want = await readSafetensors(join(dir, 'b', 'model.safetensors'));
    const p = await cli('weights', 'convert', join(dir, 'b'), join(dir, 'd.pth'));
    expect(p.code, p.err).toBe(0);
    expect(p.out).toMatch(/as pth .*config\.json is not carried/);
    const fromPth = await readTorchCheckpoint(join(dir, 'd.pth'));
    expect(fromPth).toEqual(want);
    expect(fromPth['layer4.1.conv2.1.num_batches_tracked']!.dtype).toBe('int64');
    const e = await cli('weights', 'convert', join(dir, 'd.pth'), join(dir, 'e'));
    expect(e.code, e.err).toBe(0);
    expect(await readSafetensors(join(dir, 'e', 'model.safetensors'))).toEqual(want);
    // Nothing is silently replaced: an existing OUT needs --force.
    const again = await cli('weights', 'convert', join(dir, 'b'), join(dir, 'd.pth'));
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/d\.pth exists; pass --force/);
    expect((await cli('weights', 'convert', join(dir, 'e'), join(dir, 'd.pth'), '--force')).code).toBe(0);
    expect(await readTorchCheckpoint(join(dir, 'd.pth'))).toEqual(want);
  }, 120_000);
});
