import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFileSync } from '@byolmed3d/util/node';
import { writeJsonAtomic } from '../../run/run-dir.js';

/** Downstream protocols. */
export type Protocol = 'finetune' | 'linear-probe' | 'knn';

/** Validation predictions of a method. */
export interface ValidationScores {
  /** Exam ids. */
  ids?: string[];
  /** Labels (0/1). */
  labels: number[];
  /** Probabilities. */
  scores: number[];
}

/** Test predictions of one method, as written to `results/<method>.json`. */
export interface MethodResult {
  /** Label in the report, e.g. `BYOL+accum / fine-tune`. */
  method: string;
  /** Encoder start (`byol`, `random`, ...). */
  init: string;
  /** Downstream protocol. */
  protocol: Protocol;
  /** Task. */
  task: string;
  /** Plane. */
  plane: string;
  /** Test exam ids. */
  ids: string[];
  /** Test labels (0/1). */
  labels: number[];
  /** Test probabilities. */
  scores: number[];
  /** Validation exam ids, labels and probabilities (threshold choice, plane fusion). */
  val: ValidationScores;
  /** Training loss per epoch (fine-tuning). */
  losses?: number[];
  /** Validation AUC per epoch (fine-tuning) or per L2 (probe). */
  valAuc?: number[];
  /** What computed these scores (absent in results written before it was recorded). */
  compute?: ComputeInfo;
}

/** The backend and precision that computed a {@link MethodResult}. */
export interface ComputeInfo {
  /** The backend `selectBackend` chose (`onednn`, `portable`, `webgpu`, `cpu`, ...). */
  backend: string;
  /** Its compute precision: `fp32`, `bf16` (onednn) or `f16` (webgpu); `fp32` where the backend has no other. */
  precision: string;
}

/** Results folder of a run. */
export function resultsDir(runDir: string): string {
  return join(runDir, 'results');
}

/** File-name-safe slug of a method label. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Why a result cannot be used (non-finite or missing scores, labels not 0/1, lengths that differ), or null when it is sound. */
export function resultProblem(r: Partial<MethodResult>): string | null {
  const check = (what: string, labels: unknown, scores: unknown, ids?: unknown): string | null => {
    if (!Array.isArray(labels) || !Array.isArray(scores)) return `${what}: labels and scores must be lists`;
    if (labels.length !== scores.length) return `${what}: ${labels.length} labels but ${scores.length} scores`;
    if (Array.isArray(ids) && ids.length !== labels.length) return `${what}: ${ids.length} ids but ${labels.length} labels`;
    const i = scores.findIndex((s) => typeof s !== 'number' || !Number.isFinite(s));
    if (i >= 0) return `${what}: score ${i}${Array.isArray(ids) ? ` (exam ${String(ids[i])})` : ''} is ${JSON.stringify(scores[i]) ?? 'missing'}, not a finite number`;
    const j = labels.findIndex((y) => y !== 0 && y !== 1);
    if (j >= 0) return `${what}: label ${j} is ${JSON.stringify(labels[j])}, not 0 or 1`;
    return null;
  };
  if (typeof r.method !== 'string') return 'no method label';
  return check('test', r.labels, r.scores, r.ids) ?? check('validation', r.val?.labels, r.val?.scores, r.val?.ids);
}

/** Writes a method's results atomically to `results/<slug>.json`; refuses non-finite scores (naming the exam). Returns the file. */
export function writeResult(runDir: string, result: MethodResult): string {
  const file = join(resultsDir(runDir), `${slug(result.method)}.json`);
  const problem = resultProblem(result);
  if (problem) throw new Error(`${file}: not written: ${problem}`);
  mkdirSync(resultsDir(runDir), { recursive: true });
  writeJsonAtomic(file, result);
  return file;
}

/**
 * Reads every `results/*.json` of the given run directories. A truncated or
 * corrupt file, or one with non-finite scores, raises an error naming it:
 * a NaN is never turned into a metric.
 */
export function readResults(runDirs: string[]): MethodResult[] {
  const out: MethodResult[] = [];
  for (const d of runDirs) {
    const dir = resultsDir(d);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
      const file = join(dir, f);
      const r = readJsonFileSync(file) as MethodResult;
      const problem = resultProblem(r);
      if (problem) throw new Error(`${file}: refusing these results: ${problem}`);
      out.push(r);
    }
  }
  return out;
}
