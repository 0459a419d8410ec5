import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ByolMed3dFileError, setFaultInjection, UtilError } from '@byolmed3d/util/node';
import {
  decodeSafetensors,
  readSafetensors,
  readTorchCheckpoint,
  WeightsError,
  writeSafetensors,
  writeTorchCheckpoint,
  type StateDict,
  type WeightsFormat,
} from '@byolmed3d/resnet3d';
import { smallStateDict } from './torch-writer-input.js';
import { expectSame } from './expect-state-dict.js';

/** The bytes an earlier, good write left: a failed write must keep them exactly. */
const OLD = Buffer.from('the previous weights, which a failed write must keep byte for byte\n');

interface Writer {
  format: WeightsFormat;
  file: string;
  write: (path: string, sd: StateDict) => Promise<void>;
  read: (path: string) => Promise<StateDict>;
}

const writers: Writer[] = [
  { format: 'safetensors', file: 'model.safetensors', write: (p, sd) => writeSafetensors(p, sd, { metadata: { arch: 'small' } }), read: (p) => readSafetensors(p) },
  { format: 'pth', file: 'model.pth', write: (p, sd) => writeTorchCheckpoint(p, sd), read: (p) => readTorchCheckpoint(p) },
];

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'resnet3d-atomic-'));
  dirs.push(d);
  return d;
}
afterEach(() => setFaultInjection(undefined));
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** All names under `dir`, sorted. */
const names = (dir: string): string[] => readdirSync(dir).sort();

/** The rejection of `p`, which must be a WeightsError of `format` naming `file`, with a cause. */
async function writeFailure(p: Promise<unknown>, file: string, format: WeightsFormat): Promise<WeightsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WeightsError);
  expect(e).toBeInstanceOf(ByolMed3dFileError);
  const w = e as WeightsError;
  expect(w.file).toBe(file);
  expect(w.where).toBe(file);
  expect(w.format).toBe(format);
  expect(w.message.startsWith(`${file}: ${format}: `)).toBe(true);
  // The prefix names the path once (the underlying UtilError's own `PATH: ` is not repeated).
  expect(w.message.startsWith(`${file}: ${format}: ${file}: `)).toBe(false);
  expect(w.cause).toBeDefined();
  return w;
}

for (const w of writers) {
  describe(`${w.format} writer (${w.file}) writes atomically`, () => {
    it('writes what the reader reads back, exactly, and leaves no temp file', async () => {
      const dir = freshDir();
      const file = join(dir, w.file);
      await w.write(file, smallStateDict());
      expectSame(await w.read(file), smallStateDict());
      if (w.format === 'safetensors') expect(decodeSafetensors(readFileSync(file)).metadata).toEqual({ arch: 'small' });
      expect(names(dir)).toEqual([w.file]);
    });

    it('replaces an existing file whole', async () => {
      const dir = freshDir();
      const file = join(dir, w.file);
      writeFileSync(file, OLD);
      await w.write(file, smallStateDict());
      expectSame(await w.read(file), smallStateDict());
      expect(names(dir)).toEqual([w.file]);
    });

    for (const stage of ['open', 'write', 'fsync', 'rename'] as const) {
      it(`a full disk at the ${stage} stage keeps the old file byte-identical, leaves no temp, and names the file`, async () => {
        const dir = freshDir();
        const file = join(dir, w.file);
        writeFileSync(file, OLD);
        setFaultInjection(`enospc:${w.file}:${stage}`);
        const e = await writeFailure(w.write(file, smallStateDict()), file, w.format);
        expect(e.message).toContain('could not write the file atomically (temp file removed, the old file is unchanged): ENOSPC');
        expect(e.cause).toBeInstanceOf(UtilError);
        const cause = e.cause as UtilError;
        expect(cause.code).toBe('ENOSPC');
        expect(cause.reason).toBe('no-space');
        expect(cause.where).toBe(file);
        expect(Buffer.compare(readFileSync(file), OLD)).toBe(0);
        expect(names(dir)).toEqual([w.file]);
        // With the disk back, the next write succeeds and leaves a whole file.
        setFaultInjection(undefined);
        await w.write(file, smallStateDict());
        expectSame(await w.read(file), smallStateDict());
        expect(names(dir)).toEqual([w.file]);
      });
    }

    it('a full disk at the folder fsync (after the rename) is reported naming the file; the new file is whole', async () => {
      const dir = freshDir();
      const file = join(dir, w.file);
      writeFileSync(file, OLD);
      setFaultInjection(`enospc:${w.file}:dirsync`);
      const e = await writeFailure(w.write(file, smallStateDict()), file, w.format);
      expect(e.message).toContain('written, but its folder could not be fsynced: ENOSPC');
      expect((e.cause as UtilError).code).toBe('ENOSPC');
      expectSame(await w.read(file), smallStateDict());
      expect(names(dir)).toEqual([w.file]);
    });

    it('a path that is a folder fails naming it, leaving the folder and no temp', async () => {
      const dir = freshDir();
      const target = join(dir, w.file);
      mkdirSync(target);
      const e = await writeFailure(w.write(target, smallStateDict()), target, w.format);
      expect((e.cause as UtilError).code).toBe('EISDIR');
      expect(names(dir)).toEqual([w.file]);
      expect(names(target)).toEqual([]);
    });

    it('a missing parent folder fails naming the file (ENOENT in the cause), creating nothing', async () => {
      const dir = freshDir();
      const target = join(dir, 'no-such-folder', w.file);
      const e = await writeFailure(w.write(target, smallStateDict()), target, w.format);
      expect((e.cause as UtilError).code).toBe('ENOENT');
      expect(names(dir)).toEqual([]);
    });

    it('an entry that cannot be encoded fails before the file is touched', async () => {
      const dir = freshDir();
      const file = join(dir, w.file);
      writeFileSync(file, OLD);
      const bad = { 'a.weight': { shape: [2, 2], data: new Float32Array(3) } };
      await expect(w.write(file, bad as unknown as StateDict)).rejects.toThrow(WeightsError);
      expect(Buffer.compare(readFileSync(file), OLD)).toBe(0);
      expect(names(dir)).toEqual([w.file]);
    });
  });
}

/**
 * A real short write, no fault hook: a child process under `ulimit -f` (a
 * file-size limit, which Node meets as EFBIG mid-write, like a full disk)
 * writes a weights file larger than the limit over an existing small one.
 * A plain writeFile truncates the old file and leaves the first 32 KiB of
 * the new one under the final name; the atomic write keeps the old file.
 */
const CHILD = `
import { writeSafetensors, writeTorchCheckpoint } from '@byolmed3d/resnet3d';
const [format, file] = process.argv.slice(1);
const sd = { 'big.weight': { shape: [100000], dtype: 'float32', data: new Float32Array(100000).fill(0.5) } };
try {
  await (format === 'pth' ? writeTorchCheckpoint(file, sd) : writeSafetensors(file, sd));
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, name: e.name, file: e.file, message: e.message, code: e.cause?.code ?? e.code }));
}
`;

describe.skipIf(process.platform === 'win32')('a write cut short by a file-size limit (child process, ulimit -f 64)', () => {
  for (const w of writers) {
    it(`${w.format}: the old file stays byte-identical, no temp is left, and the WeightsError names the file (EFBIG)`, () => {
      const dir = freshDir();
      const file = join(dir, w.file);
      writeFileSync(file, OLD);
      const r = spawnSync(
        'sh',
        ['-c', 'ulimit -f 64 && exec "$0" "$@"', process.execPath, '--conditions=@byolmed3d/source', '--import', 'tsx', '--input-type=module', '-e', CHILD, w.format, file],
        { encoding: 'utf8', env: { ...process.env, TSX_DISABLE_CACHE: '1' } },
      );
      expect(r.status, r.stderr).toBe(0);
      const now = readFileSync(file);
      expect(now.equals(OLD), `the file now holds ${now.length} bytes, not the old ${OLD.length}`).toBe(true);
      expect(names(dir)).toEqual([w.file]);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { ok: boolean; name?: string; file?: string; message?: string; code?: string };
      expect(out).toMatchObject({ ok: false, name: 'WeightsError', file, code: 'EFBIG' });
      expect(out.message?.startsWith(`${file}: ${w.format}: `)).toBe(true);
    });
  }
});
