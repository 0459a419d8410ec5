// Issue 21, "SIGKILL during every kind of write": the built CLI runs in a
// child process with BYOLMED3D_FAULT set, kills itself at a chosen stage of
// a chosen file, and the test checks what a user would find: no torn file
// under its final name, the killed writer's temp files gone after the next
// start, and a resume (or rerun) that ends exactly where an uninterrupted
// run ends. Also ENOSPC through a real checkpoint write of `pretrain`.
// See docs/fault-injection.md. Runs on the portable backend by default
// (BYOLMED3D_FAULT_SUITE_BACKEND=onednn to change it): on the tiny preset it
// starts 2-3x faster than onednn, and the checks are about files, not speed.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { decodeSafetensors } from '@byolmed3d/resnet3d';
import { FAULT_ENV, TEMP_FILE_PATTERN } from '@byolmed3d/util/node';
import { demoPresets, generateDemoDataset } from '@byolmed3d/experiment';
import { listCheckpoints, loadCheckpoint } from '@byolmed3d/experiment/internal';

const bin = fileURLToPath(new URL('../bin/byolmed3d.js', import.meta.url));
const backend = process.env.BYOLMED3D_FAULT_SUITE_BACKEND ?? 'portable';
const dir = mkdtempSync(join(tmpdir(), 'byolmed3d-kill-'));
const data = join(dir, 'data');

beforeAll(() => {
  generateDemoDataset({ out: data, seed: 4, ...demoPresets.tiny! });
});

type Result = ReturnType<typeof spawnSync> & { stdout: string; stderr: string };

/** Runs the built CLI; `fault` sets BYOLMED3D_FAULT for it (and for the processes it starts). */
function byolmed3d(argv: string[], fault?: string): Result {
  const env = { ...process.env };
  delete env[FAULT_ENV];
  if (fault) env[FAULT_ENV] = fault;
  return spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', env }) as Result;
}

function files(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((f) => {
    const p = join(root, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The temp files under `root`, with the PID of the process that wrote each. */
function temps(root: string): { path: string; pid: number }[] {
  return files(root).flatMap((p) => {
    const m = TEMP_FILE_PATTERN.exec(p);
    return m ? [{ path: relative(root, p), pid: Number(m[1]) }] : [];
  });
}

/**
 * What is wrong with the files under `root` as a reader sees them (temps
 * aside): each is parsed by its kind (JSON, JSONL line by line, YAML,
 * checkpoint with its sha256, safetensors, PNG to its IEND chunk, SVG to its
 * end tag). `torn` are the log fragments the suite's own append kills cut.
 */
function problems(root: string, torn: Set<string>): string[] {
  const out: string[] = [];
  for (const p of files(root)) {
    if (TEMP_FILE_PATTERN.test(p)) continue;
    const name = relative(root, p);
    const bytes = readFileSync(p);
    const text = (): string => bytes.toString('utf8');
    try {
      if (p.endsWith('.jsonl')) {
        for (const line of text().split('\n')) if (line && !torn.has(line)) JSON.parse(line);
      } else if (p.endsWith('.json')) JSON.parse(text());
      else if (p.endsWith('.yaml')) parseYaml(text());
      else if (p.endsWith('.ckpt')) loadCheckpoint(p);
      else if (p.endsWith('.safetensors')) decodeSafetensors(bytes, p);
      else if (p.endsWith('.png')) {
        if (bytes.readUInt32BE(0) !== 0x89504e47 || bytes.subarray(-8, -4).toString('latin1') !== 'IEND') throw new Error('not a whole PNG');
      } else if (p.endsWith('.svg')) {
        if (!text().trimEnd().endsWith('</svg>')) throw new Error('not a whole SVG');
      } else if (p.endsWith('.md') && bytes.length === 0) throw new Error('empty');
    } catch (e) {
      out.push(`${name}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** One chain of kills in one run folder: each process is killed at its fault, the next one starts over it. */
class Chain {
  readonly torn = new Set<string>();
  kills = 0;
  constructor(readonly root: string) {}

  /**
   * Runs `argv` with `kill:GLOB:STAGE[:N]`, expects it to die there (or, for
   * a fault in a worker process, `parentExit`), then checks `target` (the
   * file the fault names, relative to the root) and every other file.
   */
  kill(argv: string[], spec: string, target: string, parentExit?: number): void {
    const file = join(this.root, target);
    const stage = spec.split(':')[2] as string;
    const before = existsSync(file) ? readFileSync(file) : null;
    const r = byolmed3d(argv, spec);
    const what = `${spec} (${argv[0]})`;
    expect(r.stderr, what).toContain(`${FAULT_ENV}: kill at ${stage} of ${file}\n`);
    if (parentExit === undefined) expect(r.signal, `${what}: ${r.stderr}`).toBe('SIGKILL');
    else expect(r.status, `${what}: ${r.stderr}`).toBe(parentExit);
    this.kills++;
    const after = existsSync(file) ? readFileSync(file) : null;
    if (stage === 'dirsync') expect(after, `${what}: renamed before the kill`).not.toBeNull();
    else if (stage === 'append') {
      // A torn last line (what a crash mid-append leaves); the next start closes it off.
      const now = (after as Buffer).toString('utf8');
      expect(now.length, what).toBeGreaterThan(before?.length ?? 0);
      const fragment = now.slice(now.lastIndexOf('\n') + 1);
      expect(fragment, what).not.toBe('');
      this.torn.add(fragment);
    } else expect(after === null || before === null ? after === before : after.equals(before), `${what}: the file under its final name changed`).toBe(true);
    expect(problems(this.root, this.torn), what).toEqual([]);
    // Temps of the processes killed before this one were removed when this one started.
    const left = temps(this.root).filter((t) => t.pid !== r.pid);
    expect(left, `${what}: temp files of earlier processes`).toEqual([]);
  }

  /** The final, uninterrupted process: exits 0, leaves no temp file, every file whole. */
  finish(argv: string[]): Result {
    const r = byolmed3d(argv);
    expect(r.status, r.stderr).toBe(0);
    expect(temps(this.root)).toEqual([]);
    expect(problems(this.root, this.torn)).toEqual([]);
    return r;
  }
}

const same = (a: string, b: string): void => {
  expect(existsSync(b), b).toBe(true);
  expect(readFileSync(b).equals(readFileSync(a)), `${b} differs from ${a}`).toBe(true);
};

describe('SIGKILL during every kind of write of pretrain: checkpoints, run.json, config, log, export, losses', () => {
  it('each kill leaves only whole files; the next start removes the temps; --resume ends bit-identical to an uninterrupted run', () => {
    const args = (run: string, ...more: string[]): string[] => ['pretrain', '--preset', 'tiny', '--data', data, '--run', run, '--backend', backend, '--quiet', ...more];
    const full = join(dir, 'pretrain-full');
    expect(byolmed3d(args(full)).status).toBe(0);
    const run = join(dir, 'pretrain-cut');
    const c = new Chain(run);
    const ck = (step: number): string => `pretrain/step-${String(step).padStart(8, '0')}.ckpt`;
    // Program order: run.json, config.schema.json, config.yaml, then per optimizer step a checkpoint
    // (open, write, fsync, rename, dirsync) and its pruning (from step 3, keepCheckpoints 2), then the export and losses.json.
    c.kill(args(run), 'kill:run.json:rename', 'pretrain/run.json');
    c.kill(args(run, '--resume'), 'kill:config.schema.json:write', 'config.schema.json');
    c.kill(args(run, '--resume'), 'kill:config.yaml:fsync', 'config.yaml');
    c.kill(args(run, '--resume'), 'kill:step-00000001.ckpt:write', ck(1));
    c.kill(args(run, '--resume'), 'kill:step-00000002.ckpt:fsync', ck(2));
    c.kill(args(run, '--resume'), 'kill:step-00000003.ckpt:dirsync', ck(3));
    c.kill(args(run, '--resume'), 'kill:step-00000001.ckpt:unlink', ck(1)); // pruning after step 4
    c.kill(args(run, '--resume'), 'kill:log.jsonl:append:3', 'log.jsonl');
    c.kill(args(run, '--resume'), 'kill:step-00000005.ckpt:rename', ck(5));
    c.kill(args(run, '--resume'), 'kill:model.safetensors:write', 'pretrain/encoder/model.safetensors');
    c.kill(args(run, '--resume'), 'kill:encoder/config.json:rename', 'pretrain/encoder/config.json');
    c.kill(args(run, '--resume'), 'kill:losses.json:write', 'pretrain/losses.json');
    const r = c.finish(args(run, '--resume').filter((a) => a !== '--quiet'));
    expect(r.stdout).toMatch(/resumed from .*step-00000006\.ckpt/);
    // The losses.json temp of the last killed process was removed when this one started, and said so.
    expect(r.stdout).toMatch(/removed a stale temp file left by a killed run: .*losses\.json\.tmp-\d+-[0-9a-f]+\n/);
    // What an uninterrupted run ends with: the encoder bit-identical, the same losses, the same kept checkpoints.
    same(join(full, 'pretrain', 'encoder', 'model.safetensors'), join(run, 'pretrain', 'encoder', 'model.safetensors'));
    same(join(full, 'pretrain', 'losses.json'), join(run, 'pretrain', 'losses.json'));
    same(join(full, 'config.yaml'), join(run, 'config.yaml'));
    expect(listCheckpoints(join(run, 'pretrain')).map((x) => x.step)).toEqual(listCheckpoints(join(full, 'pretrain')).map((x) => x.step));
    // The log kept every whole record and its torn line on a line of its own.
    const lines = readFileSync(join(run, 'log.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(lines.filter((l) => c.torn.has(l))).toHaveLength(1);
    expect((JSON.parse(lines.at(-1) as string) as { event: string }).event).toBe('done');
  }, 900_000);
});

describe('ENOSPC through a real checkpoint write of pretrain', () => {
  it('names the file, removes the temp, keeps the log whole and the last finite checkpoint; a retry resumes and finishes bit-identical', () => {
    const args = (run: string, ...more: string[]): string[] => ['pretrain', '--preset', 'tiny', '--data', data, '--run', run, '--backend', backend, '--quiet', ...more];
    const full = join(dir, 'pretrain-full');
    if (!existsSync(join(full, 'pretrain', 'losses.json'))) expect(byolmed3d(args(full)).status).toBe(0);
    const run = join(dir, 'enospc');
    const r = byolmed3d(args(run), 'enospc:step-00000003.ckpt:write');
    expect(r.status).toBe(1);
    const file = join(run, 'pretrain', 'step-00000003.ckpt');
    expect(r.stderr).toContain(`${file}: could not write the file atomically (temp file removed, the old file is unchanged): ENOSPC: no space left on device`);
    expect(r.stderr).toContain(`the last finite checkpoint is ${join(run, 'pretrain', 'step-00000002.ckpt')}`);
    expect(r.stderr).not.toMatch(/lower pretrain\.lr/);
    expect(temps(run)).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(listCheckpoints(join(run, 'pretrain')).map((x) => x.step)).toEqual([1, 2]);
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8');
    expect(log.endsWith('\n')).toBe(true);
    for (const l of log.split('\n').filter(Boolean)) JSON.parse(l);
    expect(problems(run, new Set())).toEqual([]);
    // "Space freed": the same command with --resume and no fault.
    const retry = byolmed3d(args(run, '--resume').filter((a) => a !== '--quiet'));
    expect(retry.status, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(/resumed from .*step-00000002\.ckpt/);
    same(join(full, 'pretrain', 'encoder', 'model.safetensors'), join(run, 'pretrain', 'encoder', 'model.safetensors'));
    same(join(full, 'pretrain', 'losses.json'), join(run, 'pretrain', 'losses.json'));
  }, 300_000);

  it('ENOSPC while appending to log.jsonl: the command fails naming the log, whose records stay whole', () => {
    const run = join(dir, 'enospc-log');
    const r = byolmed3d(['pretrain', '--preset', 'tiny', '--data', data, '--run', run, '--backend', backend, '--quiet', '--pretrain.epochs', '1'], 'enospc:log.jsonl:append:6');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(run, 'log.jsonl')}: could not append (no partial record left; the earlier ones are unchanged): ENOSPC`);
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8');
    expect(log.endsWith('\n')).toBe(true);
    const lines = log.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const l of lines) JSON.parse(l);
    expect(temps(run)).toEqual([]);
  }, 300_000);
});

describe('SIGKILL while writing results/*.json (knn) and the report (report.md, report.json, PNG, SVG)', () => {
  it('each kill leaves only whole files; reruns end with the files of an uninterrupted run', () => {
    const knn = (run: string): string[] => ['knn', '--preset', 'tiny', '--data', data, '--run', run, '--backend', backend, '--quiet', '--init', 'random'];
    const report = (run: string): string[] => ['report', '--run', run, '--backend', backend, '--quiet'];
    const full = join(dir, 'knn-full');
    expect(byolmed3d(knn(full)).status).toBe(0);
    expect(byolmed3d(report(full)).status).toBe(0);
    const run = join(dir, 'knn-cut');
    const c = new Chain(run);
    c.kill(knn(run), 'kill:random-knn.json:write', 'results/random-knn.json');
    c.kill(knn(run), 'kill:random-knn.json:dirsync', 'results/random-knn.json');
    c.finish(knn(run));
    same(join(full, 'results', 'random-knn.json'), join(run, 'results', 'random-knn.json'));
    c.kill(report(run), 'kill:roc.png:write', 'report/roc.png');
    c.kill(report(run), 'kill:roc.svg:rename', 'report/roc.svg');
    c.kill(report(run), 'kill:report.json:fsync', 'report/report.json');
    c.kill(report(run), 'kill:report.md:rename', 'report/report.md');
    c.finish(report(run));
    for (const f of ['roc.png', 'roc.svg', 'report.json']) same(join(full, 'report', f), join(run, 'report', f));
    const table = (r: string): string => readFileSync(join(r, 'report', 'report.md'), 'utf8').replaceAll(r, 'RUN');
    expect(table(run)).toBe(table(full));
  }, 600_000);
});

describe("SIGKILL while writing reproduce's state and plan files", () => {
  const resultFiles = (out: string): string[] => {
    // As in reproduce-resume.test.ts: what cells computed (not timings, logs, checkpoints, run ids, worker files).
    const skip = /(timing\.json|worker-(input|output)\.json|log\.jsonl|\.ckpt|run\.json|encoder\/config\.json|curves\.jsonl|config\.yaml|config\.schema\.json)$/;
    return files(join(out, 'cells')).map((f) => relative(join(out, 'cells'), f)).filter((f) => !skip.test(f) && !TEMP_FILE_PATTERN.test(f)).sort();
  };

  it('plan.json, a pretraining worker, cell.json and the report killed in turn; --resume ends with the results of an uninterrupted run', () => {
    const args = (out: string, ...more: string[]): string[] => [
      'reproduce', '--preset', 'tiny', '--data', data, '--out', out, '--backend', backend, '--quiet', '--seeds', '1',
      '--reproduce.methods', 'byol-accum', '--reproduce.protocols', 'knn', '--reproduce.positiveFractions', '0.1',
      '--reproduce.imbalanceInits', 'random', '--reproduce.imbalanceProtocols', 'knn', '--pretrain.epochs', '1',
      '--reproduce.monitorEvery', '1', '--reproduce.monitorK', '3', '--reproduce.monitorBank', '8', '--reproduce.estimateSteps', '1', ...more,
    ];
    const full = join(dir, 'reproduce-full');
    const r0 = byolmed3d(args(full));
    expect(r0.status, r0.stderr).toBe(0);
    const out = join(dir, 'reproduce-cut');
    const c = new Chain(out);
    // No plan.json yet: the rerun is a fresh start (--resume would be refused: nothing to resume).
    c.kill(args(out), 'kill:plan.json:write', 'plan.json');
    // The pretraining cell's worker dies mid-append to the monitor's curves.jsonl; the parent fails, naming the cell.
    const cell = readdirSync(join(full, 'cells')).find((k) => existsSync(join(full, 'cells', k, 'pretrain'))) as string;
    c.kill(args(out), 'kill:curves.jsonl:append:2', `cells/${cell}/curves.jsonl`, 1);
    // The second cell this process completes: the second one in plan order without its cell.json.
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { cells: { key: string }[] };
    const second = plan.cells.map((x) => x.key).filter((k) => !existsSync(join(out, 'cells', k, 'cell.json')))[1] as string;
    c.kill(args(out, '--resume'), 'kill:cell.json:rename:2', `cells/${second}/cell.json`);
    c.kill(args(out, '--resume'), 'kill:report.md:rename', 'report/report.md');
    c.finish(args(out, '--resume'));
    const a = resultFiles(full);
    expect(resultFiles(out)).toEqual(a);
    expect(a.some((f) => f.endsWith('model.safetensors'))).toBe(true);
    for (const f of a) same(join(full, 'cells', f), join(out, 'cells', f));
    const table = (o: string): string => readFileSync(join(o, 'report', 'report.md'), 'utf8').split('## Environment')[0] as string;
    expect(table(out)).toBe(table(full));
  }, 900_000);
});
