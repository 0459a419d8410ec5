import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAULT_ENV, appendRecordSync, faultInjectionArmed, faultPoint, setFaultInjection, UtilError, writeFileAtomic, writeFileAtomicSync, type FaultStage } from '@byolmed3d/util/node';

const here = fileURLToPath(new URL('.', import.meta.url));
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'util-fault-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  setFaultInjection(undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

describe('BYOLMED3D_FAULT parsing', () => {
  it('is disarmed by default (the test environment does not set it) and by undefined or ""', () => {
    expect(process.env[FAULT_ENV]).toBeUndefined();
    expect(faultInjectionArmed()).toBe(false);
    setFaultInjection('kill:x:open');
    expect(faultInjectionArmed()).toBe(true);
    setFaultInjection('');
    expect(faultInjectionArmed()).toBe(false);
    expect(() => faultPoint('/any/x', 'open')).not.toThrow();
  });

  it.each(['kill', 'kill:x', 'boom:x:open', 'kill:x:later', 'kill:x:open:0', 'kill:x:open:1.5', 'kill::open', 'kill:x:open:1:2'])('refuses %j naming the variable', (spec) => {
    const e = caught(() => setFaultInjection(spec));
    expect(e).toBeInstanceOf(UtilError);
    expect((e as UtilError).reason).toBe('invalid-argument');
    expect((e as UtilError).message).toMatch(/^BYOLMED3D_FAULT: cannot parse/);
  });
});

describe('enospc faults through the writers', () => {
  const failing: FaultStage[] = ['open', 'write', 'fsync', 'rename'];
  it.each(failing)('writeFileAtomicSync, stage %s: a no-space error naming the file, the temp removed, the old file unchanged', (stage) => {
    const d = tmp();
    const p = join(d, 'a.json');
    writeFileSync(p, 'old');
    setFaultInjection(`enospc:a.json:${stage}`);
    const e = caught(() => writeFileAtomicSync(p, 'new contents'));
    expect(e).toBeInstanceOf(UtilError);
    expect((e as UtilError).where).toBe(p);
    expect((e as UtilError).reason).toBe('no-space');
    expect((e as UtilError).code).toBe('ENOSPC');
    expect(readdirSync(d)).toEqual(['a.json']);
    expect(readFileSync(p, 'utf8')).toBe('old');
    writeFileAtomicSync(p, 'retry'); // the fault fired once (N = 1)
    expect(readFileSync(p, 'utf8')).toBe('retry');
  });

  it.each(failing)('writeFileAtomic (async), stage %s: same contract', async (stage) => {
    const d = tmp();
    const p = join(d, 'a.bin');
    writeFileSync(p, 'old');
    setFaultInjection(`enospc:*.bin:${stage}`);
    const e = await writeFileAtomic(p, new Uint8Array(100).fill(7)).catch((x: unknown) => x);
    expect((e as UtilError).reason).toBe('no-space');
    expect((e as UtilError).message).toContain(p);
    expect(readdirSync(d)).toEqual(['a.bin']);
    expect(readFileSync(p, 'utf8')).toBe('old');
  });

  it('dirsync: the new file is in place and the error says its folder was not fsynced', () => {
    const d = tmp();
    const p = join(d, 'a.json');
    setFaultInjection('enospc:a.json:dirsync');
    expect(() => writeFileAtomicSync(p, 'new')).toThrow(/a\.json: written, but its folder could not be fsynced: ENOSPC/);
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(readdirSync(d)).toEqual(['a.json']);
  });

  it('strikes on the N-th matching event only; a glob with a slash matches the last path segments', () => {
    const d = tmp();
    mkdirSync(join(d, 'sub'));
    setFaultInjection('enospc:sub/*.json:rename:2');
    writeFileAtomicSync(join(d, 'x.json'), '1'); // not under sub/
    writeFileAtomicSync(join(d, 'sub', 'x.json'), '1'); // 1st
    expect(() => writeFileAtomicSync(join(d, 'sub', 'y.json'), '2')).toThrow(/sub\/y\.json: could not write/); // 2nd
    writeFileAtomicSync(join(d, 'sub', 'y.json'), '3'); // 3rd
    expect(readFileSync(join(d, 'sub', 'y.json'), 'utf8')).toBe('3');
    setFaultInjection('enospc:**/deep/*.txt:open');
    mkdirSync(join(d, 'a', 'deep'), { recursive: true });
    expect(() => writeFileAtomicSync(join(d, 'a', 'deep', 'f.txt'), 'x')).toThrow(/no space|ENOSPC/);
  });

  it('appendRecordSync: ENOSPC halfway through a record leaves the file as it was (no torn line)', () => {
    const d = tmp();
    const p = join(d, 'log.jsonl');
    appendRecordSync(p, '{"a":1}\n');
    setFaultInjection('enospc:log.jsonl:append');
    const e = caught(() => appendRecordSync(p, '{"b":"a longer record"}\n'));
    expect((e as UtilError).reason).toBe('no-space');
    expect((e as UtilError).where).toBe(p);
    expect(readFileSync(p, 'utf8')).toBe('{"a":1}\n');
    appendRecordSync(p, '{"c":3}\n');
    expect(readFileSync(p, 'utf8')).toBe('{"a":1}\n{"c":3}\n');
  });
});

describe('kill faults (child processes on the built package)', () => {
  const script = (body: string): string => `import * as u from '@byolmed3d/util/node'; ${body}`;
  const run = (spec: string, body: string): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script(body)], { cwd: here, env: { ...process.env, [FAULT_ENV]: spec }, encoding: 'utf8' });

  it.each([
    ['write', 'a torn temp file'],
    ['fsync', 'the whole data in the temp file'],
    ['rename', 'a complete temp file'],
  ] as const)('SIGKILL at %s leaves %s and the old file under the final name', (stage, _what) => {
    const d = tmp();
    const p = join(d, 'f.json');
    writeFileSync(p, '"old"');
    const r = run(`kill:f.json:${stage}`, `u.writeFileAtomicSync(${JSON.stringify(p)}, JSON.stringify('x'.repeat(1000))); console.log('survived');`);
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).not.toContain('survived');
    expect(r.stderr).toContain(`BYOLMED3D_FAULT: kill at ${stage} of ${p}`);
    expect(readFileSync(p, 'utf8')).toBe('"old"');
    const temps = readdirSync(d).filter((f) => f !== 'f.json');
    expect(temps).toHaveLength(1);
    const size = readFileSync(join(d, temps[0] as string)).length;
    expect(size).toBe(stage === 'write' ? 501 : 1002);
  });

  it('SIGKILL at dirsync: the new file is already whole under its name; at append: a torn last line', () => {
    const d = tmp();
    const p = join(d, 'f.json');
    const r = run('kill:f.json:dirsync', `u.writeFileAtomicSync(${JSON.stringify(p)}, '"new"');`);
    expect(r.signal).toBe('SIGKILL');
    expect(readFileSync(p, 'utf8')).toBe('"new"');
    const log = join(d, 'log.jsonl');
    const a = run('kill:log.jsonl:append:2', `u.appendRecordSync(${JSON.stringify(log)}, '{"n":1}\\n'); u.appendRecordSync(${JSON.stringify(log)}, '{"n":2}\\n');`);
    expect(a.signal).toBe('SIGKILL');
    expect(readFileSync(log, 'utf8')).toBe('{"n":1}\n{"n"'); // 4 of the 8 bytes
  });

  it('a malformed variable makes the first write fail quoting it (nothing is written)', () => {
    const d = tmp();
    const p = join(d, 'f.json');
    const r = run('kill:f.json', `try { u.writeFileAtomicSync(${JSON.stringify(p)}, '1'); } catch (e) { console.log(e.message); }`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${p}: could not write the file atomically`);
    expect(r.stdout).toContain('BYOLMED3D_FAULT: cannot parse "kill:f.json"');
    expect(readdirSync(d)).toEqual([]);
  });

  it('unset, the same script runs to the end', () => {
    const d = tmp();
    const p = join(d, 'f.json');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(`u.writeFileAtomicSync(${JSON.stringify(p)}, '1'); console.log('survived');`)], { cwd: here, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('survived');
  });
});
