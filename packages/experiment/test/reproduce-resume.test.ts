import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { demoPresets, generateDemoDataset } from '@byolmed3d/experiment';
import { bin, killWhen } from './cli-helper.js';

/** Every file under `dir`, relative paths. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p).map((x) => join(f, x)) : [f];
  });
}

/**
 * The results files of a reproduce folder: what cells computed. Left out are
 * timings, logs, checkpoints and the run bookkeeping that carries a random
 * run id (pretrain/run.json, the export's config.json), the monitor's
 * append-only JSONL (curves.json is its deduplicated result), the worker's
 * input and output files (paths and CPU times), and the report
 * (its environment section has wall times).
 */
function resultFiles(out: string): string[] {
  const skip = /(timing\.json|worker-(input|output)\.json|log\.jsonl|\.ckpt|run\.json|encoder\/config\.json|curves\.jsonl|config\.yaml|config\.schema\.json)$/;
  return files(join(out, 'cells')).filter((f) => !skip.test(f)).sort();
}

describe('reproduce resume after SIGKILL', () => {
  it('finishes with results files identical to an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-reproduce-resume-'));
    const data = join(dir, 'data');
    generateDemoDataset({ out: data, seed: 3, ...demoPresets.tiny! });
    const args = (out: string): string[] => [
      'reproduce', '--preset', 'tiny', '--data', data, '--out', out, '--backend', 'cpu', '--quiet', '--seeds', '1',
      '--reproduce.methods', 'byol-accum,byol-noaccum', '--reproduce.protocols', 'knn,linear-probe',
      '--reproduce.positiveFractions', '0.1', '--reproduce.imbalanceInits', 'random', '--reproduce.imbalanceProtocols', 'knn',
      '--pretrain.epochs', '2', '--pretrain.checkpointEvery', '1', '--reproduce.monitorEvery', '1', '--reproduce.monitorK', '3', '--reproduce.monitorBank', '8', '--reproduce.estimateSteps', '1',
    ];
    const full = join(dir, 'full');
    const r = spawnSync(process.execPath, [bin, ...args(full)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);

    // Kill the second run with SIGKILL in the middle of its second pretraining cell (the first cell done, a checkpoint written).
    const cut = join(dir, 'cut');
    const cells = join(cut, 'cells');
    const killedIn = await killWhen(args(cut), () => {
      if (!existsSync(cells)) return undefined;
      const ds = readdirSync(cells);
      const done = ds.filter((d) => existsSync(join(cells, d, 'cell.json')));
      const mid = ds.find((d) => !done.includes(d) && existsSync(join(cells, d, 'pretrain', 'step-00000002.ckpt')));
      return done.length >= 1 ? mid : undefined;
    }, 10);
    expect(killedIn).not.toBeNull();
    expect(existsSync(join(cells, killedIn, 'cell.json'))).toBe(false);

    const resumed = spawnSync(process.execPath, [bin, ...args(cut).filter((a) => a !== '--quiet'), '--resume'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/reproduce: \d+ cells run, [1-9]\d* already done/);

    const a = resultFiles(full), b = resultFiles(cut);
    expect(b).toEqual(a);
    expect(a.filter((f) => f.endsWith('model.safetensors')).length).toBe(2);
    expect(a.some((f) => /results\/.*\.json$/.test(f))).toBe(true);
    for (const f of a) expect(readFileSync(join(cut, 'cells', f)).equals(readFileSync(join(full, 'cells', f))), relative(dir, join(cut, 'cells', f))).toBe(true);
    // The report is rebuilt from these files: its tables agree too.
    const table = (out: string): string => readFileSync(join(out, 'report', 'report.md'), 'utf8').split('## Environment')[0] as string;
    expect(table(cut)).toBe(table(full));
  }, 900_000);
});
