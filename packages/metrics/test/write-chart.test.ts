import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineChart, MetricsError, writeChart } from '@byolmed3d/metrics';
import { setFaultInjection, UtilError } from '@byolmed3d/util/node';
import { decodePng } from './png-decode.js';

const chart = lineChart([{ label: 'loss', x: [1, 2, 3], y: [3, 2, 1.5] }], { width: 320, height: 240 });
const IEND = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
const OLD = 'the previous plot, which a failed write must keep';

/** All names under `dir`, recursively, relative to it. */
function names(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** The rejection of `p`, which must be a MetricsError 'write-failed' naming `file`. */
async function writeFailure(p: Promise<unknown>, file: string): Promise<MetricsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MetricsError);
  const m = e as MetricsError;
  expect(m.fn).toBe('writeChart');
  expect(m.reason).toBe('write-failed');
  expect(m.message).toContain(file);
  return m;
}

afterEach(() => setFaultInjection(undefined));

describe('writeChart writes atomically', () => {
  it('writes a PNG that decodes and ends with IEND, and an SVG, leaving no temp file; returns the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-write-'));
    const png = join(dir, 'a', 'b', 'roc.png');
    const svg = join(dir, 'roc.svg');
    expect(await writeChart(png, chart)).toBe(png);
    expect(await writeChart(svg, chart)).toBe(svg);
    const bytes = new Uint8Array(readFileSync(png));
    expect([...bytes.subarray(bytes.length - 12)]).toEqual(IEND);
    expect(decodePng(bytes).width).toBe(320);
    expect(readFileSync(svg, 'utf8').trimEnd().endsWith('</svg>')).toBe(true);
    expect(names(dir)).toEqual(['a', join('a', 'b'), join('a', 'b', 'roc.png'), 'roc.svg']);
  });

  it('replaces an existing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-write-'));
    const png = join(dir, 'roc.png');
    writeFileSync(png, OLD);
    await writeChart(png, chart);
    expect(decodePng(new Uint8Array(readFileSync(png))).width).toBe(320);
    expect(names(dir)).toEqual(['roc.png']);
  });

  for (const stage of ['write', 'fsync', 'rename'] as const) {
    for (const ext of ['png', 'svg'] as const) {
      it(`a full disk at the ${stage} stage of a .${ext} keeps the old file intact and leaves no temp`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'metrics-write-'));
        const file = join(dir, `roc.${ext}`);
        writeFileSync(file, OLD);
        setFaultInjection(`enospc:roc.${ext}:${stage}`);
        const e = await writeFailure(writeChart(file, chart), file);
        expect(e.cause).toBeInstanceOf(UtilError);
        expect((e.cause as UtilError).code).toBe('ENOSPC');
        expect((e.cause as UtilError).where).toBe(file);
        expect(readFileSync(file, 'utf8')).toBe(OLD);
        expect(names(dir)).toEqual([`roc.${ext}`]);
        // The next write, with the disk back, succeeds and leaves a whole file.
        setFaultInjection(undefined);
        await writeChart(file, chart);
        if (ext === 'png') expect([...new Uint8Array(readFileSync(file)).subarray(-12)]).toEqual(IEND);
        else expect(readFileSync(file, 'utf8')).toContain('</svg>');
        expect(names(dir)).toEqual([`roc.${ext}`]);
      });
    }
  }

  it('a failure at the folder fsync (after the rename) is reported naming the file; the new file is whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-write-'));
    const file = join(dir, 'roc.png');
    writeFileSync(file, OLD);
    setFaultInjection('enospc:roc.png:dirsync');
    await writeFailure(writeChart(file, chart), file);
    expect(decodePng(new Uint8Array(readFileSync(file))).width).toBe(320);
    expect(names(dir)).toEqual(['roc.png']);
  });

  it('a path that is a folder fails naming it, leaving the folder and no temp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-write-'));
    const target = join(dir, 'roc.png');
    mkdirSync(target);
    const e = await writeFailure(writeChart(target, chart), target);
    expect((e.cause as UtilError).code).toBe('EISDIR');
    expect(names(dir)).toEqual(['roc.png']);
  });

  it('a parent that is a file fails naming the file, leaving no temp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-write-'));
    writeFileSync(join(dir, 'plots'), OLD);
    const target = join(dir, 'plots', 'roc.svg');
    const e = await writeFailure(writeChart(target, chart), target);
    expect(e.message).toContain('could not create its folder');
    expect(readFileSync(join(dir, 'plots'), 'utf8')).toBe(OLD);
    expect(names(dir)).toEqual(['plots']);
  });

  it('still refuses another extension with invalid-argument, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-write-'));
    await expect(writeChart(join(dir, 'roc.jpg'), chart)).rejects.toMatchObject({ name: 'MetricsError', reason: 'invalid-argument' });
    expect(names(dir)).toEqual([]);
  });
});
