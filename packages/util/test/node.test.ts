import { afterEach, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readJsonFile, readJsonFileSync, removeStaleTemps, UtilError, writeFileAtomic, writeFileAtomicSync } from '@byolmed3d/util/node';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'util-node-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

describe('writeFileAtomic', () => {
  it('writes, replaces, and leaves no temp file', async () => {
    const d = tmp();
    const p = join(d, 'a.json');
    await writeFileAtomic(p, '{"a":1}');
    await writeFileAtomic(p, new Uint8Array([0x7b, 0x7d]));
    writeFileAtomicSync(join(d, 'b.txt'), 'hello');
    expect(readFileSync(p, 'utf8')).toBe('{}');
    expect(readFileSync(join(d, 'b.txt'), 'utf8')).toBe('hello');
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.txt']);
  });

  it('ENOSPC mid-write: a typed error naming the file, the temp removed, the old file unchanged, and a retry works', async () => {
    const d = tmp();
    const p = join(d, 'step-3.ckpt');
    writeFileSync(p, 'old');
    const realOpen = fs.promises.open;
    const spy = vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof realOpen>) => {
      const h = await realOpen(...args);
      const realWrite = h.writeFile.bind(h);
      h.writeFile = async (data: Parameters<typeof realWrite>[0]) => {
        await realWrite(typeof data === 'string' ? data.slice(0, 2) : data);
        throw enospc();
      };
      return h;
    });
    const err = await writeFileAtomic(p, 'new contents').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UtilError);
    expect((err as UtilError).reason).toBe('no-space');
    expect((err as UtilError).code).toBe('ENOSPC');
    expect((err as UtilError).where).toBe(p);
    expect((err as UtilError).message).toContain(p);
    expect((err as UtilError).message).toContain('ENOSPC');
    expect(readdirSync(d)).toEqual(['step-3.ckpt']);
    expect(readFileSync(p, 'utf8')).toBe('old');
    spy.mockRestore();
    await writeFileAtomic(p, 'new contents');
    expect(readFileSync(p, 'utf8')).toBe('new contents');
  });

  it('the sync form also names the file and removes its temp on failure', () => {
    const d = tmp();
    const p = join(d, 'missing-dir', 'x.json');
    expect(() => writeFileAtomicSync(p, 'x')).toThrow(UtilError);
    try {
      writeFileAtomicSync(p, 'x');
    } catch (e) {
      expect((e as UtilError).message).toContain(p);
      expect((e as UtilError).code).toBe('ENOENT');
    }
  });
});

describe('removeStaleTemps', () => {
  it('removes temps of dead writers, keeps live ones and other files', () => {
    const d = tmp();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(d, `step-1.ckpt.tmp-${dead}-abcd1234`), 'x');
    writeFileSync(join(d, `step-2.ckpt.tmp-${dead}`), 'x');
    writeFileSync(join(d, `step-3.ckpt.tmp-${process.pid}-00ff00ff`), 'x');
    writeFileSync(join(d, 'step-4.ckpt'), 'x');
    const removed = removeStaleTemps(d).map((p) => p.slice(d.length + 1)).sort();
    expect(removed).toEqual([`step-1.ckpt.tmp-${dead}-abcd1234`, `step-2.ckpt.tmp-${dead}`]);
    expect(readdirSync(d).sort()).toEqual(['step-3.ckpt.tmp-' + process.pid + '-00ff00ff', 'step-4.ckpt']);
    expect(removeStaleTemps(join(d, 'nope'))).toEqual([]);
  });
});

describe('readJsonFile', () => {
  it('a truncated file gives an error naming the file', async () => {
    const d = tmp();
    const p = join(d, 'results.json');
    writeFileSync(p, '{"auc": 0.8, "ci": [0.7,');
    const err = await readJsonFile(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UtilError);
    expect((err as UtilError).reason).toBe('invalid-json');
    expect((err as UtilError).message).toContain(p);
    expect(() => readJsonFileSync(p)).toThrow(p);
    expect(() => readJsonFileSync(join(d, 'none.json'))).toThrow(/none\.json/);
    writeFileSync(p, '{"auc": 0.8}');
    expect(await readJsonFile(p)).toEqual({ auc: 0.8 });
  });
});
