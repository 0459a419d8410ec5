/**
 * Helpers for the byolmed3d test suites: a tfjs backend with gradients
 * registered, leak checks, and paths to the committed test data.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does.
import '@tensorflow/tfjs-layers';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomicSync } from '@byolmed3d/util/node';
import { cpus } from 'node:os';

/** Repository root (the folder that holds `packages/` and `testdata/`). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Path of a file under the committed `testdata/` folder. */
export function testdataPath(...parts: string[]): string {
  return join(repoRoot, 'testdata', ...parts);
}

/** Reads and parses a JSON file under `testdata/`. */
export function readTestJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(testdataPath(...parts), 'utf8')) as T;
}

/**
 * Selects a tfjs backend for tests (default the pure-JS `cpu` backend) and
 * waits until it is ready. Gradients are registered by the imports above.
 */
export async function useBackend(name = 'cpu'): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
}

/**
 * Runs `fn` and throws if the number of live tensors differs afterwards.
 * Returns what `fn` returned.
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${before} tensors before, ${after} after`);
  return out;
}

/**
 * Max relative error of `got` against the reference `want`, each difference
 * divided by the larger of |want[i]| and 5% of max |want| (so values near
 * zero are not judged relative to themselves).
 */
export function maxRelErr(got: ArrayLike<number>, want: readonly number[]): number {
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs((got[i] as number) - (want[i] as number)) / Math.max(Math.abs(want[i] as number), 0.05 * scale));
  return m;
}

/** Max absolute difference of two equally long numeric arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** One measured row of a benchmark (see `npm run bench`). */
export interface BenchRow {
  /** What was measured, e.g. `read .npy (32x256x256 uint8)`. */
  case: string;
  /** The quantity, e.g. `MB/s`, `clips/s`, `ms/step`. */
  unit: string;
  /** Our value. */
  value: number;
  /** The same measurement by a peer (PyTorch, numpy, sklearn...) when it ran. */
  peer?: { name: string; value: number };
  /** Higher is better for this unit (default true). */
  higherIsBetter?: boolean;
  /** Free-form notes (backend, threads, shapes). */
  notes?: string;
}

/** Where {@link writeBenchResult} writes: `bench/results/` at the repository root. */
export const benchResultsDir = join(repoRoot, 'bench', 'results');

/**
 * Writes `<dir>/<name>.json` (default `bench/results/<name>.json` at the
 * repository root) and prints the rows; `tools/bench.mjs` collects every file
 * into one table. The write is atomic (`writeFileAtomicSync` of
 * `@byolmed3d/util/node`: temp file, fsync, rename, folder fsync), so a crash
 * or a full disk keeps the previous result whole and leaves no temp file.
 *
 * @returns the path written
 * @throws a `UtilError` of `@byolmed3d/util` naming the file (`reason`
 * `'no-space'` or `'write-failed'`, the system error as `cause`) when it
 * cannot be written; nothing is printed then
 */
export function writeBenchResult(name: string, rows: BenchRow[], meta: Record<string, unknown> = {}, dir: string = benchResultsDir): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const doc = {
    name,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform },
    meta,
    rows,
  };
  writeFileAtomicSync(file, JSON.stringify(doc, null, 2) + '\n');
  for (const r of rows) {
    const peer = r.peer ? `  ${r.peer.name}: ${r.peer.value.toPrecision(4)}` : '';
    console.log(`${name}  ${r.case}: ${r.value.toPrecision(4)} ${r.unit}${peer}`);
  }
  return file;
}

/** Median wall time in milliseconds of `fn` over `repeats` runs after `warmup` runs. */
export async function timeIt(fn: () => unknown, { repeats = 5, warmup = 1 }: { repeats?: number; warmup?: number } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)] as number;
}

export { fnv1a32, mix32, uniform, formulaTensor, formulaStateDict, formulaInputNdhwc } from './golden-formula.js';

/** Seeded uniform values in [lo, hi) (xorshift32): kernel-test inputs shared by the backend packages. */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return a;
}

/** Product of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Runs `fn` (in `tf.tidy`, inputs made inside from plain arrays) on backend
 * `ref` and on backend `other`, checking that neither run leaks tensors, and
 * returns both results as flat arrays (shapes from the `ref` run); leaves
 * `ref` active.
 */
export async function onBackends(ref: string, other: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<{ ref: Float32Array[]; other: Float32Array[]; shapes: number[][] }> {
  const run = async (backend: string): Promise<{ vals: Float32Array[]; shapes: number[][] }> => {
    await tf.setBackend(backend);
    return expectNoLeaks(() => {
      const out = tf.tidy(fn);
      const list = Array.isArray(out) ? out : [out];
      const vals = list.map((t) => Float32Array.from(t.dataSync()));
      const shapes = list.map((t) => t.shape);
      tf.dispose(list);
      return { vals, shapes };
    });
  };
  const a = await run(ref);
  const b = await run(other);
  await tf.setBackend(ref);
  return { ref: a.vals, other: b.vals, shapes: a.shapes };
}

/** Largest |a - b| relative to max(1, max |a|); Infinity on a length or NaN mismatch. */
export function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number, y = b[i] as number;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
    if (Number.isNaN(x) || x === y) continue;
    m = Math.max(m, Math.abs(x - y));
    s = Math.max(s, Math.abs(x));
  }
  return m / s;
}

export type { GoldenErrors, GoldenModel, TorchvisionGolden } from './golden.js';
export { goldenErrors, goldenFiles, readGolden, runGolden, zerosInit } from './golden.js';

export type { Conv3dCase, Shape5, Triple } from './conv3d.js';
export { conv3dCases, conv3dFiniteDifferenceErrors, conv3dGemmCase, conv3dWithGrads, dilatedConv3d } from './conv3d.js';

export type { StaticServer } from './browser.js';
export { CHROMIUM_BASE_FLAGS, CHROMIUM_WEBGPU_FLAGS, chromiumPath, launchChromium, serveStatic } from './browser.js';

/**
 * Awaits `p` and returns the error it rejects with, after checking that it is
 * an instance of `cls`; throws when `p` resolves or rejects with anything else.
 */
export async function rejection<E extends Error>(p: Promise<unknown>, cls: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    if (e instanceof cls) return e;
    throw new Error(`expected a ${cls.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
  throw new Error(`expected a ${cls.name}, but the promise resolved`);
}

/** Every file under `dir` (recursively) whose name ends with `ext` (default: any), as paths joined to `dir`. */
export function filesUnder(dir: string, ext = ''): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}
