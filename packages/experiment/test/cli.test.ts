import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { ConfigError, RunLogger, parseRunArgs, selectBackend } from '@byolmed3d/experiment';
import { progressLine } from '@byolmed3d/experiment/internal';
import { isOneDnnAvailable } from '@byolmed3d/tfjs-onednn';
import { cli } from './cli-helper.js';

const bin = fileURLToPath(new URL('../bin/byolmed3d.js', import.meta.url));


afterEach(() => vi.restoreAllMocks());

describe('byolmed3d CLI', () => {
  it('lists the commands in --help, and each command has its own summary and config fields in its help', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/Commands:[\s\S]*quickstart[\s\S]*backend/);
    const pre = await cli('pretrain', '--help');
    expect(pre.code).toBe(0);
    expect(pre.out).toMatch(/Self-supervised pretraining \(BYOL, SimSiam, SimCLR\) with gradient accumulation/);
    expect(pre.out).toMatch(/--pretrain\.lr <number>\s+\(default 0\.3\)\n\s+Peak learning rate/);
    expect(pre.out).not.toMatch(/--finetune\.lr/);
    const ft = await cli('finetune', '--help');
    expect(ft.out).toMatch(/Fine-tune the encoder \+ a linear head/);
    expect(ft.out).toMatch(/--finetune\.balanced <boolean>\s+\(default true\)/);
    expect(ft.out).not.toMatch(/--pretrain\.lr/);
  });

  it('rejects unknown commands with exit code 2', async () => {
    expect((await cli('no-such-command')).code).toBe(2);
  });

  it('rejects misspelt flags in every command with exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-cli-'));
    for (const argv of [
      ['pretrain', '--pretrain.lrr', '1'],
      ['pretrain', '--reusme'],
      ['demo-data', '--out', dir, '--exmas', '3'],
      ['inspect', 'x.npy', '--jsn'],
      ['weights', 'inspect', 'x.safetensors', '--jsno'],
      ['weights', 'export', dir, '--otu', dir],
      ['backend', '--backedn', 'cpu'],
      ['config', 'print', '--no-such-flag', '1'],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/unknown option '--(pretrain\.lrr|reusme|exmas|jsn|jsno|otu|backedn|no-such-flag)'/);
    }
  });

  it('--slices must be MIN,MAX integers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-cli-'));
    for (const bad of ['10,x', '10', '5,3', '0,4']) {
      const r = await cli('demo-data', '--out', dir, '--slices', bad);
      expect(r.code, bad).toBe(2);
      expect(r.err, bad).toMatch(/--slices: expected MIN,MAX/);
    }
  });

  it('a boolean flag takes an optional true/false and never swallows the next flag', () => {
    const a = parseRunArgs(['--finetune.balanced', '--resume']);
    expect(a.config.finetune.balanced).toBe(true);
    expect(a.resume).toBe(true);
    expect(parseRunArgs(['--finetune.balanced', 'false']).config.finetune.balanced).toBe(false);
    expect(parseRunArgs(['--strict', 'false']).config.strict).toBe(false);
    expect(parseRunArgs(['--strict']).config.strict).toBe(true);
    expect(parseRunArgs(['--strict=true']).config.strict).toBe(true);
    expect(() => parseRunArgs(['--strict', 'maybe'])).toThrow(/strict.*expected true or false, got 'maybe'/);
    // Cross-field checks see the final values of all flags, whatever their order.
    expect(parseRunArgs(['--init', 'weights', '--weights', 'x.pth']).config.init).toMatchObject({ kind: 'weights', weights: 'x.pth' });
  });

  it('accepts --flag=value for every option, quickstart --out=DIR included', async () => {
    expect(parseRunArgs(['--seed=7', '--pretrain.lr=0.5', '--run=somewhere']).config.seed).toBe(7);
    expect(parseRunArgs(['--run=somewhere']).runDir).toBe('somewhere');
    // --out=DIR parses; the bad lr is then refused before anything runs.
    const r = await cli('quickstart', `--out=${mkdtempSync(join(tmpdir(), 'byolmed3d-qs-'))}`, '--preset', 'tiny', '--pretrain.lr', 'Infinity');
    expect(r.err).not.toMatch(/unknown option/);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/pretrain\.lr: expected a finite number, got 'Infinity'/);
  });

  it('user mistakes are ConfigErrors (exit 2) naming the flag or field', async () => {
    const cases: [string[], RegExp][] = [
      [['--pretrain.lr', 'abc'], /pretrain\.lr: expected a number, got 'abc'/],
      [['--pretrain.lr', '-Infinity'], /pretrain\.lr: expected a finite number/],
      [['--seed', '9007199254740993'], /seed: must be an integer <= 2\^53 - 1/],
      [['--seed', '-1'], /seed: must be >= 0/],
      [['--pretrain.microBatch', '1'], /pretrain\.microBatch: must be >= 2/],
      [['--data.channels', '2'], /data\.channels: must be 1 \(grey\) or 3/],
      [['--data.plane', 'oblique'], /data\.plane: must be one of sagittal, coronal, axial/],
      [['--set', 'pretrain.lr'], /--set: expected path=value/],
      [['--set', 'pretrain.nope=1'], /--set pretrain\.nope: unknown option/],
      [['--preset', 'huge'], /--preset: unknown preset 'huge'/],
      [['--init', 'weights'], /init\.weights: init\.kind=weights needs init\.weights/],
      [['--resume', '--overwrite'], /--overwrite: give --resume or --overwrite, not both/],
      [['--probe.C', '0.1,x'], /probe\.C: expected a number, got 'x'/],
    ];
    for (const [argv, re] of cases) {
      expect(() => parseRunArgs(argv), argv.join(' ')).toThrow(ConfigError);
      expect(() => parseRunArgs(argv), argv.join(' ')).toThrow(re);
    }
    const r = await cli('pretrain', '--pretrain.lr', 'abc');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/byolmed3d pretrain: config: pretrain\.lr: expected a number/);
    const noData = await cli('pretrain', '--run', mkdtempSync(join(tmpdir(), 'byolmed3d-cli-')), '--backend', 'cpu', '--quiet');
    expect(noData.code).toBe(2);
    expect(noData.err).toMatch(/data\.root: not set \(--data DIR\)/);
  });

  it('runs as a built binary', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toContain('Usage: byolmed3d');
  });
});

describe('progress line', () => {
  it('fits an 80-column terminal, and warnings never land on an unfinished progress line', () => {
    const writes: { to: string; s: string }[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (writes.push({ to: 'out', s: String(s) }), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (writes.push({ to: 'err', s: String(s) }), true));
    const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    const cols = Object.getOwnPropertyDescriptor(process.stdout, 'columns');
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    Object.defineProperty(process.stdout, 'columns', { value: 80, configurable: true });
    try {
      const log = new RunLogger(null, 'human');
      log.progress({ phase: 'finetune:random-init-encoder', step: 123456, total: 999999, loss: 12345.678901 }, 8);
      log.warn('skipping an exam');
      log.progress({ phase: 'finetune:random-init-encoder', step: 999999, total: 999999, loss: 1 }, 8);
    } finally {
      vi.restoreAllMocks();
      if (tty) Object.defineProperty(process.stdout, 'isTTY', tty);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
      if (cols) Object.defineProperty(process.stdout, 'columns', cols);
      else delete (process.stdout as { columns?: number }).columns;
    }
    for (const w of writes) for (const line of w.s.split(/[\r\n]/)) expect(line.length, line).toBeLessThanOrEqual(79);
    const warnAt = writes.findIndex((w) => w.to === 'err');
    expect(writes[warnAt - 1]).toEqual({ to: 'out', s: '\n' });
    expect(writes.at(-1)?.s.endsWith('\n')).toBe(true);
    expect(progressLine({ phase: 'pretrain:byol', step: 3, total: 10, loss: 1.5 }, 2.5, 12)).toBe('[pretrain:byol] step 3/10 loss 1.5000 2.5 clips/s ETA 12s');
  });
});

describe('selectBackend', () => {
  it('falls back to a pure-JS backend when tfjs-node is absent, and can be forced', async () => {
    const auto = await selectBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'onednn', 'portable', 'cpu']).toContain(auto.choice);
    expect(auto.message).toMatch(/^backend: /);
    const cpu = await selectBackend({ backend: 'cpu', precision: 'fp32' });
    expect(cpu.tfBackend).toBe('cpu');
  });

  it('--backend portable runs the wasm backend with the portable Conv3D kernels', async () => {
    const p = await selectBackend({ backend: 'portable' });
    expect(p).toMatchObject({ choice: 'portable', tfBackend: 'wasm', message: 'backend: portable' });
    expect(tf.getBackend()).toBe('wasm');
    // The stock wasm Conv3DBackpropInputV2 is wrong; the portable one gives
    // d/dx sum(conv3d(x, ones 3x3x3)) = the number of output taps covering each voxel.
    const dx = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.conv3d(x as tf.Tensor5D, tf.ones([3, 3, 3, 1, 1]) as tf.Tensor5D, 1, 'same')))(tf.zeros([1, 3, 3, 3, 1])).dataSync());
    expect(Array.from(dx.slice(0, 3))).toEqual([8, 12, 8]);
    expect(dx[13]).toBe(27);
    await selectBackend({ backend: 'cpu' });
  });

  const hasTfjsNode = (() => {
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(hasTfjsNode)('without the oneDNN kernels, `byolmed3d backend` says in its one line which backend runs, how much faster oneDNN is and how to get it', () => {
    const out = execFileSync(process.execPath, [bin, 'backend'], { encoding: 'utf8', env: { ...process.env, TFJS_ONEDNN_DISABLE: '1' } });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).toMatch(/^backend: \S+ \(skipped: .*onednn: tfjs-onednn disabled by TFJS_ONEDNN_DISABLE=1\)/);
    expect(line).toMatch(/ \| the oneDNN kernels would be .*; to get them: apt-get install libdnnl-dev .*npx byolmed3d backend --build$/);
    if (line.startsWith('backend: cpu ')) expect(line).toContain('about 66x faster than the cpu backend (measured: r3d_18 forward+backward at 2x4x32x32, 0.22 s vs 14.6 s');
  });

  const oneDnn = isOneDnnAvailable() && process.env.TFJS_ONEDNN_DISABLE !== '1';

  it.skipIf(!oneDnn)('--precision bf16 on a CPU where oneDNN cannot run bf16 (forced: ONEDNN_MAX_CPU_ISA=AVX2) stays on onednn in fp32 and says why', () => {
    const out = execFileSync(process.execPath, [bin, 'backend', '--precision', 'bf16'], { encoding: 'utf8', env: { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX2' } });
    const line = out.trim().split('\n')[0] as string;
    expect(line).toMatch(/^backend: onednn \(fp32: avx2; bf16 requested, but oneDNN cannot run bf16 kernels on this CPU \(needs avx512_core or newer\), so fp32\)/);
  });

  it('a forced backend gets no oneDNN hint', async () => {
    expect((await selectBackend({ backend: 'cpu' })).message).toBe('backend: cpu');
  });

  it.skipIf(hasTfjsNode)('says why a forced backend is unusable', async () => {
    await expect(selectBackend({ backend: 'tensorflow' })).rejects.toThrow(/tensorflow: not installed/);
  });
});
