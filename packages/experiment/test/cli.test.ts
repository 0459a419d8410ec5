import { describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { main, selectBackend } from '@byolmed3d/experiment';

const bin = fileURLToPath(new URL('../bin/byolmed3d.js', import.meta.url));

describe('byolmed3d CLI', () => {
  it('lists the commands in --help', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['--help'])).toBe(0);
    expect(log.mock.calls.flat().join('\n')).toMatch(/Commands:[\s\S]*backend/);
    log.mockRestore();
  });

  it('rejects unknown commands with exit code 2', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await main(['no-such-command'])).toBe(2);
    err.mockRestore();
  });

  it('runs as a built binary', () => {
    const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(out).toContain('Usage: byolmed3d');
  });
});

describe('selectBackend', () => {
  it('falls back to a pure-JS backend when tfjs-node is absent, and can be forced', async () => {
    const auto = await selectBackend();
    expect(['tensorflow-gpu', 'tensorflow', 'onednn', 'cpu']).toContain(auto.choice);
    expect(auto.message).toMatch(/^backend: /);
    const cpu = await selectBackend({ backend: 'cpu' });
    expect(cpu.tfBackend).toBe('cpu');
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

  it('a forced backend gets no oneDNN hint', async () => {
    expect((await selectBackend({ backend: 'cpu' })).message).toBe('backend: cpu');
  });

  it.skipIf(hasTfjsNode)('says why a forced backend is unusable', async () => {
    await expect(selectBackend({ backend: 'tensorflow' })).rejects.toThrow(/tensorflow: not installed/);
  });
});
