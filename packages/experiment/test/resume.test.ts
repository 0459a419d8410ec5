import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemoDataset, demoPresets } from '@byolmed3d/experiment';
import { bin, killWhen } from './cli-helper.js';

describe('pretraining resume after SIGKILL', () => {
  it('gives bit-identical final weights to an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-resume-'));
    const data = join(dir, 'data');
    generateDemoDataset({ out: data, seed: 2, ...demoPresets.tiny! });
    const args = (run: string): string[] => ['pretrain', '--preset', 'tiny', '--data', data, '--run', run, '--backend', 'cpu', '--quiet', '--pretrain.epochs', '3', '--pretrain.checkpointEvery', '1'];

    const full = join(dir, 'full');
    const r = spawnSync(process.execPath, [bin, ...args(full)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);

    // Kill the second run with SIGKILL once it has written its second checkpoint.
    const cut = join(dir, 'cut');
    const ckdir = join(cut, 'pretrain');
    await killWhen(args(cut), () => existsSync(ckdir) && readdirSync(ckdir).includes('step-00000002.ckpt'));
    expect(existsSync(join(ckdir, 'encoder', 'model.safetensors'))).toBe(false);

    const resumed = spawnSync(process.execPath, [bin, ...args(cut).filter((a) => a !== '--quiet'), '--resume'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from .*step-0000000[2-9]\.ckpt/);

    // The exported encoders (safetensors: weights, running statistics, num_batches_tracked) are byte-identical.
    const a = readFileSync(join(full, 'pretrain', 'encoder', 'model.safetensors'));
    const b = readFileSync(join(cut, 'pretrain', 'encoder', 'model.safetensors'));
    expect(b.length).toBe(a.length);
    expect(Buffer.compare(a, b)).toBe(0);
    const la = JSON.parse(readFileSync(join(full, 'pretrain', 'losses.json'), 'utf8')) as { losses: number[] };
    const lb = JSON.parse(readFileSync(join(cut, 'pretrain', 'losses.json'), 'utf8')) as { losses: number[] };
    expect(lb.losses).toEqual(la.losses);
  });
});
