import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '@byolmed3d/util';
import { writeFileAtomicSync } from '@byolmed3d/util/node';
import { encodeNpy } from '@byolmed3d/video-io';
import { PLANES, renderExam, type ExamLabels } from './phantom.js';

/** Options of {@link generateDemoDataset}. */
export interface DemoDatasetOptions {
  /** Output root; gets `train/`, `valid/` and the six label CSVs, as MRNet-v1.0. */
  out: string;
  /** Exams in the train split; default 120. */
  trainExams?: number;
  /** Exams in the valid split (MRNet's official test); default 60. */
  validExams?: number;
  /** Seed of everything drawn; default 0. */
  seed?: number;
  /** In-plane size in pixels; default 256 (MRNet's). */
  size?: number;
  /** Inclusive slice-count range per plane; default `[20, 40]`. */
  slices?: [number, number];
  /** Called after each exam is written. */
  onExam?: (done: number, total: number) => void;
}

/** One generated exam. */
export interface DemoExam {
  /** Exam id (`0000`...). */
  id: string;
  /** Its labels. */
  labels: ExamLabels;
}

/** What {@link generateDemoDataset} wrote. */
export interface DemoDatasetSummary {
  /** The output root. */
  root: string;
  /** Per split: exam ids and their labels. */
  splits: Record<'train' | 'valid', DemoExam[]>;
}

function splitLabels(rng: Random, n: number): ExamLabels[] {
  // Exact ACL count (MRNet: about 23%) so small splits still hold both classes.
  const nAcl = Math.min(n - 1, Math.max(n >= 2 ? 1 : 0, Math.round(0.23 * n)));
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const acl = new Set(order.slice(0, nAcl));
  const out: ExamLabels[] = [];
  for (let i = 0; i < n; i++) {
    const isAcl = acl.has(i);
    const meniscus = rng.bernoulli(isAcl ? 0.55 : 0.32);
    const abnormal = isAcl || meniscus || rng.bernoulli(0.59);
    out.push({ acl: isAcl, meniscus, abnormal });
  }
  // Every task needs both classes in every split of at least 4 exams.
  if (n >= 4) {
    for (const task of ['meniscus', 'abnormal'] as const) {
      const pos = out.filter((l) => l[task]).length;
      if (pos === 0) out[order[n - 1] as number]![task] = true;
      if (pos === n) {
        const j = order[n - 1] as number;
        out[j] = { acl: false, meniscus: false, abnormal: false };
      }
    }
  }
  return out;
}

// Atomic (temp + rename) without fsync: a generated dataset is re-made, not recovered.
function atomicWrite(path: string, bytes: Uint8Array | string): void {
  writeFileAtomicSync(path, bytes, { fsync: false });
}

/**
 * Writes a seeded knee-MRI-like phantom dataset in the exact MRNet-v1.0 layout:
 * `train|valid/{axial,coronal,sagittal}/NNNN.npy` (uint8, `(slices, size, size)`)
 * and `train-abnormal.csv`, `train-acl.csv`, `train-meniscus.csv`, `valid-*.csv`
 * (no header; exam id, 0/1). Train ids start at 0000, valid ids follow them,
 * as in MRNet. The same seed and options give byte-identical files.
 */
export function generateDemoDataset(options: DemoDatasetOptions): DemoDatasetSummary {
  const { out, trainExams = 120, validExams = 60, seed = 0, size = 256 } = options;
  const slices = options.slices ?? [20, 40];
  if (!Number.isInteger(trainExams) || trainExams < 1) throw new RangeError(`demo-data: trainExams must be a positive integer, got ${trainExams}`);
  if (!Number.isInteger(validExams) || validExams < 1) throw new RangeError(`demo-data: validExams must be a positive integer, got ${validExams}`);
  if (!Number.isInteger(size) || size < 16) throw new RangeError(`demo-data: size must be an integer >= 16, got ${size}`);
  if (!(slices[0] >= 1 && slices[1] >= slices[0])) throw new RangeError(`demo-data: bad slice range [${slices.join(', ')}]`);
  const total = trainExams + validExams;
  const summary: DemoDatasetSummary = { root: out, splits: { train: [], valid: [] } };
  let done = 0;
  let nextId = 0;
  for (const split of ['train', 'valid'] as const) {
    const n = split === 'train' ? trainExams : validExams;
    const labels = splitLabels(new Random(seed).fork(`labels/${split}`), n);
    for (const plane of PLANES) mkdirSync(join(out, split, plane), { recursive: true });
    for (let i = 0; i < n; i++) {
      const id = String(nextId++).padStart(4, '0');
      const lab = labels[i] as ExamLabels;
      const exam = renderExam(new Random(seed).fork(`exam/${id}`), lab, { size, slices });
      for (const plane of PLANES) {
        const p = exam.planes[plane];
        atomicWrite(join(out, split, plane, `${id}.npy`), encodeNpy({ data: p.data, shape: [...p.shape, 1] as [number, number, number, number], dtype: 'uint8' }, p.shape));
      }
      summary.splits[split].push({ id, labels: lab });
      options.onExam?.(++done, total);
    }
    for (const task of ['abnormal', 'acl', 'meniscus'] as const) {
      const csv = summary.splits[split].map((e) => `${e.id},${e.labels[task] ? 1 : 0}\n`).join('');
      atomicWrite(join(out, `${split}-${task}.csv`), csv);
    }
  }
  return summary;
}
