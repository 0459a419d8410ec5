import { describe, expect, it } from 'vitest';
import { Checklist, parseScriptArgs, startScript, UtilError } from '@byolmed3d/util/node';

const flags = { out: null as string | null, epochs: 100, arch: 'r3d_18', nonStrict: false };

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
const exit = (code: number): never => {
  throw new Exit(code);
};

describe('parseScriptArgs', () => {
  it('fills defaults, types numbers and switches, keeps positionals', () => {
    const a = parseScriptArgs({ flags, positional: 'DATA', argv: ['data', '--epochs', '7', '--non-strict'], name: 'x.mjs' });
    expect(a.values).toEqual({ tiny: false, help: false, out: undefined, epochs: 7, arch: 'r3d_18', nonStrict: true });
    expect(a.positionals).toEqual(['data']);
    expect(a.missing).toBeUndefined();
    expect(a.usage).toBe('usage: node x.mjs DATA [--out OUT] [--epochs 100] [--arch r3d_18] [--non-strict]\n       node x.mjs --tiny');
    expect(parseScriptArgs({ flags, argv: ['--out=o.st', '--epochs=2e1'] }).values).toMatchObject({ out: 'o.st', epochs: 20 });
  });

  it('maps camelCase names to kebab-case flags and applies the --tiny defaults unless a flag is given', () => {
    const spec = { flags: { microBatch: 4, epochs: 100, out: null }, tiny: { microBatch: 2, epochs: 1 } };
    expect(parseScriptArgs({ ...spec, argv: ['--micro-batch', '8'] }).values).toMatchObject({ microBatch: 8, epochs: 100 });
    expect(parseScriptArgs({ ...spec, argv: ['--tiny', '--epochs', '3'] }).values).toMatchObject({ tiny: true, microBatch: 2, epochs: 3 });
    expect(() => parseScriptArgs({ ...spec, argv: ['--microBatch', '8'] })).toThrow(UtilError);
    expect(parseScriptArgs({ ...spec, argv: [], name: 'y' }).usage).toContain('[--micro-batch 4] [--epochs 100] [--out OUT]');
  });

  it('refuses a non-number, an unknown flag and a missing value, naming the flag', () => {
    const bad = (argv: string[]): UtilError => {
      try {
        parseScriptArgs({ flags, argv, name: 'x.mjs' });
      } catch (e) {
        return e as UtilError;
      }
      throw new Error('no error');
    };
    for (const [argv, what] of [
      [['--epochs', '10,x'], '--epochs takes a number, got "10,x"'],
      [['--epochs', ''], '--epochs takes a number'],
      [['--epoch', '3'], '--epoch'],
      [['--out'], '--out'],
    ] as const) {
      const e = bad([...argv]);
      expect(e).toBeInstanceOf(UtilError);
      expect(e.reason).toBe('invalid-argument');
      expect(e.message).toContain(what);
    }
    expect(() => parseScriptArgs({ flags: { tiny: 1 }, argv: [] })).toThrow(/built in/);
  });

  it('reports a missing positional unless --tiny or no positional is declared', () => {
    expect(parseScriptArgs({ flags, positional: 'DATA', argv: [] }).missing).toBe('DATA is missing');
    expect(parseScriptArgs({ flags, positional: 'DATA', argv: ['--tiny'] }).missing).toBeUndefined();
    expect(parseScriptArgs({ flags, argv: [] }).missing).toBeUndefined();
  });
});

describe('startScript', () => {
  function run(argv: string[]): { code: number | undefined; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    try {
      startScript({ flags, positional: 'DATA', argv, name: 'x.mjs' }, { log: (l) => out.push(l), error: (l) => err.push(l), exit });
    } catch (e) {
      if (e instanceof Exit) return { code: e.code, out, err };
      throw e;
    }
    return { code: undefined, out, err };
  }
  it('exits 0 with the usage on --help, 2 on a misuse, and returns otherwise', () => {
    expect(run(['-h'])).toMatchObject({ code: 0, out: [expect.stringContaining('usage: node x.mjs DATA')] });
    expect(run(['--epochs', 'x', 'd'])).toMatchObject({ code: 2, err: ['error: x.mjs: --epochs takes a number, got "x"'] });
    expect(run([])).toMatchObject({ code: 2, err: [expect.stringMatching(/^error: DATA is missing\nusage:/)] });
  });
});

describe('Checklist', () => {
  it('prints each check, passes with cleanup, fails with exit 1 naming the kept folder', () => {
    const lines: string[] = [];
    let cleaned = 0;
    const ok = new Checklist({ log: (l) => lines.push(l), error: (l) => lines.push(l), exit });
    expect(ok.check(true, 'a')).toBe(true);
    ok.finish('demo', { note: '(mechanics only)', cleanup: () => cleaned++ });
    expect(lines).toEqual(['  [ok] a', '\ndemo: all checks passed (mechanics only)']);
    expect(cleaned).toBe(1);

    lines.length = 0;
    const bad = new Checklist({ log: (l) => lines.push(l), error: (l) => lines.push(l), exit });
    expect(bad.check(false, 'b')).toBe(false);
    bad.check(true, 'c');
    expect(() => bad.finish('demo', { keep: '/tmp/x', cleanup: () => cleaned++ })).toThrow(Exit);
    expect(bad.failures).toEqual(['b']);
    expect(lines).toEqual(['  [FAIL] b', '  [ok] c', '\n1 check(s) failed (data left in /tmp/x)']);
    expect(cleaned).toBe(1);
  });
});
