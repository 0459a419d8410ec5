import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { setFaultInjection, UtilError } from '@byolmed3d/util/node';
import { benchResultsDir, repoRoot, writeBenchResult, type BenchRow } from '@byolmed3d/test-utils';

const rows: BenchRow[] = [
  { case: 'read .npy (32x256x256 uint8)', unit: 'MB/s', value: 812.5, peer: { name: 'numpy', value: 900.25 } },
  { case: 'step', unit: 'ms/step', value: 12.75, higherIsBetter: false, notes: 'cpu' },
];
const OLD = '{"name":"demo","rows":["the previous result, which a failed write must keep"]}\n';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bench-result-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  setFaultInjection(undefined);
  vi.restoreAllMocks();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('writeBenchResult writes atomically', () => {
  it('defaults to bench/results/ at the repository root', () => {
    expect(benchResultsDir).toBe(join(repoRoot, 'bench', 'results'));
  });

  it('writes the JSON document (creating the folder), prints the rows, leaves no temp, returns the path', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const dir = join(freshDir(), 'a', 'b');
    const file = writeBenchResult('demo', rows, { frames: 16 }, dir);
    expect(file).toBe(join(dir, 'demo.json'));
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { name: string; meta: unknown; rows: unknown; date: string; machine: { node: string } };
    expect(doc).toMatchObject({ name: 'demo', meta: { frames: 16 }, rows });
    expect(doc.machine.node).toBe(process.version);
    expect(Number.isNaN(Date.parse(doc.date))).toBe(false);
    expect(readdirSync(dir)).toEqual(['demo.json']);
    expect(log).toHaveBeenCalledTimes(2);
    expect(log).toHaveBeenCalledWith('demo  read .npy (32x256x256 uint8): 812.5 MB/s  numpy: 900.3');
  });

  for (const stage of ['open', 'write', 'fsync', 'rename'] as const) {
    it(`a full disk at the ${stage} stage keeps the previous result byte-identical, leaves no temp, names the file, prints nothing`, () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      const dir = freshDir();
      const file = join(dir, 'demo.json');
      writeFileSync(file, OLD);
      setFaultInjection(`enospc:demo.json:${stage}`);
      let err: unknown;
      try {
        writeBenchResult('demo', rows, {}, dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UtilError);
      const u = err as UtilError;
      expect(u.where).toBe(file);
      expect(u.message.startsWith(`${file}: `)).toBe(true);
      expect(u.reason).toBe('no-space');
      expect(u.code).toBe('ENOSPC');
      expect(readFileSync(file, 'utf8')).toBe(OLD);
      expect(readdirSync(dir)).toEqual(['demo.json']);
      expect(log).not.toHaveBeenCalled();
      // With the disk back, the next write replaces the file whole.
      setFaultInjection(undefined);
      writeBenchResult('demo', rows, {}, dir);
      expect((JSON.parse(readFileSync(file, 'utf8')) as { rows: unknown }).rows).toEqual(rows);
      expect(readdirSync(dir)).toEqual(['demo.json']);
    });
  }

  it('a folder at the file path fails naming it (EISDIR), leaving the folder and no temp', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'demo.json'));
    expect(() => writeBenchResult('demo', rows, {}, dir)).toThrow(expect.objectContaining({ name: 'UtilError', where: join(dir, 'demo.json'), code: 'EISDIR' }) as Error);
    expect(readdirSync(dir)).toEqual(['demo.json']);
  });
});
