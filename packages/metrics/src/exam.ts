import { MetricsError } from './errors.js';
import { LogisticRegression } from './logistic.js';
import { logit, sigmoid } from './threshold.js';
import { checkNumber, toLabels, toScores, type BinaryLabels, type Scores } from './validate.js';

/** Options of {@link aggregateByExam}. */
export interface AggregateOptions {
  /** Labels per clip (checked to agree within each exam); default none. */
  labels?: BinaryLabels;
  /**
   * How clip predictions of one exam are combined: `'mean'` (average),
   * `'max'` or `'median'`. Default `'mean'`.
   */
  reduce?: 'mean' | 'max' | 'median';
  /**
   * `'probability'` averages the numbers as given; `'logit'` treats them as
   * probabilities, averages their logits and maps back with the sigmoid
   * (a geometric-mean-of-odds pooling). Default `'probability'`.
   */
  space?: 'probability' | 'logit';
}

/** Exam-level predictions. */
export interface ExamPredictions {
  /** Exam ids in order of first appearance. */
  examIds: (string | number)[];
  /** One combined score per exam. */
  scores: Float64Array;
  /** Number of clips per exam. */
  counts: Int32Array;
  /** One label per exam, when clip labels were given. */
  labels?: Uint8Array;
}

/**
 * Combines several clip (or crop, or slice-window) predictions per exam into
 * one score per exam, e.g. the mean probability of all clips of an MRI exam.
 * @throws {@link MetricsError} on mismatched lengths, NaN scores, or labels that differ within an exam
 */
export function aggregateByExam(examIds: ArrayLike<string | number>, scores: Scores, options: AggregateOptions = {}): ExamPredictions {
  const fn = 'aggregateByExam';
  if (examIds.length !== scores.length) {
    throw new MetricsError(fn, 'length-mismatch', `examIds and scores differ in length (${examIds.length} vs ${scores.length})`);
  }
  const s0 = toScores(fn, scores);
  const reduce = options.reduce ?? 'mean';
  if (!['mean', 'max', 'median'].includes(reduce)) throw new MetricsError(fn, 'invalid-argument', `unknown reduce '${String(reduce)}'`);
  const space = options.space ?? 'probability';
  let s = s0;
  if (space === 'logit') {
    for (let i = 0; i < s0.length; i++) {
      const v = s0[i] as number;
      if (!(v >= 0 && v <= 1)) throw new MetricsError(fn, 'invalid-argument', `space 'logit' needs probabilities, scores[${i}] = ${v}`);
    }
    s = logit(s0);
  } else if (space !== 'probability') {
    throw new MetricsError(fn, 'invalid-argument', `unknown space '${String(space)}'`);
  }
  let y: Uint8Array | null = null;
  if (options.labels) {
    if (options.labels.length !== s.length) {
      throw new MetricsError(fn, 'length-mismatch', `labels and scores differ in length (${options.labels.length} vs ${s.length})`);
    }
    y = toLabels(fn, options.labels);
  }
  const groups = new Map<string | number, number[]>();
  for (let i = 0; i < examIds.length; i++) {
    const id = examIds[i] as string | number;
    let g = groups.get(id);
    if (!g) {
      g = [];
      groups.set(id, g);
    }
    g.push(i);
  }
  const ids = [...groups.keys()];
  const out = new Float64Array(ids.length);
  const counts = new Int32Array(ids.length);
  const labels = y ? new Uint8Array(ids.length) : null;
  ids.forEach((id, e) => {
    const g = groups.get(id) as number[];
    counts[e] = g.length;
    const vals = g.map((i) => s[i] as number);
    let v: number;
    if (reduce === 'max') v = Math.max(...vals);
    else if (reduce === 'median') {
      vals.sort((a, b) => a - b);
      const h = vals.length >> 1;
      v = vals.length % 2 ? (vals[h] as number) : ((vals[h - 1] as number) + (vals[h] as number)) / 2;
    } else v = vals.reduce((a, b) => a + b, 0) / vals.length;
    out[e] = v;
    if (y && labels) {
      const l = y[g[0] as number] as number;
      for (const i of g) {
        if (y[i] !== l) throw new MetricsError(fn, 'invalid-label', `exam ${String(id)} has clips labelled both 0 and 1`);
      }
      labels[e] = l;
    }
  });
  const res: ExamPredictions = { examIds: ids, scores: space === 'logit' ? sigmoid(out) : out, counts };
  if (labels) res.labels = labels;
  return res;
}

/** Options of {@link fitPlaneFusion}. */
export interface PlaneFusionOptions {
  /** Inverse L2 strength of the logistic regression (scikit-learn's `C`, MRNet used the default). Default `1`. */
  C?: number;
  /**
   * Feature per plane: the probabilities as given (`'probability'`, as the
   * MRNet paper) or their logits (`'logit'`). Default `'probability'`.
   */
  inputs?: 'probability' | 'logit';
}

/** Per-plane predictions of the same exams, e.g. `{ axial, coronal, sagittal }`. */
export type PlanePredictions = Record<string, Scores>;

/** A fitted fusion of per-plane predictions into one exam probability. */
export interface PlaneFusion {
  /** Plane names in coefficient order. */
  planes: string[];
  /** One weight per plane. */
  coef: Float64Array;
  /** Intercept. */
  intercept: number;
  /** The feature transform used (`'probability'` or `'logit'`). */
  inputs: 'probability' | 'logit';
  /** Fused probability per exam for new per-plane predictions (same plane names). */
  predict(planes: PlanePredictions): Float64Array;
}

function planeMatrix(fn: string, planes: PlanePredictions, names: string[], inputs: 'probability' | 'logit'): { data: Float64Array; n: number } {
  const cols = names.map((nm) => {
    const v = planes[nm];
    if (!v) throw new MetricsError(fn, 'invalid-argument', `missing plane '${nm}'`);
    const s = toScores(fn, v, nm);
    for (let i = 0; i < s.length; i++) {
      const p = s[i] as number;
      if (!(p >= 0 && p <= 1)) throw new MetricsError(fn, 'invalid-argument', `${nm}[${i}] = ${p} is not a probability (apply sigmoid to logits)`);
    }
    return inputs === 'logit' ? logit(s) : s;
  });
  const n = (cols[0] as Float64Array).length;
  cols.forEach((c, k) => {
    if (c.length !== n) throw new MetricsError(fn, 'length-mismatch', `plane '${names[k]}' has ${c.length} exams, '${names[0]}' ${n}`);
  });
  const data = new Float64Array(n * names.length);
  for (let i = 0; i < n; i++) cols.forEach((c, k) => (data[i * names.length + k] = c[i] as number));
  return { data, n };
}

/**
 * MRNet-style fusion (Bien et al. 2018): a logistic regression on the
 * per-plane exam probabilities (sagittal, coronal, axial), fitted on a
 * tuning split, giving one probability per exam.
 *
 * @param labels - exam labels of the tuning split
 * @param planes - per-plane exam probabilities, e.g. `{ axial, coronal, sagittal }`
 * @throws {@link MetricsError} on mismatched lengths, non-probabilities or a single class
 */
export function fitPlaneFusion(labels: BinaryLabels, planes: PlanePredictions, options: PlaneFusionOptions = {}): PlaneFusion {
  const fn = 'fitPlaneFusion';
  const names = Object.keys(planes);
  if (names.length === 0) throw new MetricsError(fn, 'empty', 'no planes');
  const inputs = options.inputs ?? 'probability';
  const C = options.C ?? 1;
  checkNumber(fn, 'C', C, 1e-300, Infinity);
  const { data, n } = planeMatrix(fn, planes, names, inputs);
  if (labels.length !== n) throw new MetricsError(fn, 'length-mismatch', `labels and planes differ in length (${labels.length} vs ${n})`);
  const y = toLabels(fn, labels);
  let np = 0;
  for (let i = 0; i < n; i++) np += y[i] as number;
  if (np === 0 || np === n) throw new MetricsError(fn, 'one-class', `needs both classes, got ${np} positives and ${n - np} negatives`);
  const model = LogisticRegression.fit({ data, shape: [n, names.length] }, y, { C, numClasses: 2 });
  return {
    planes: names,
    coef: model.coef.slice(),
    intercept: model.intercept[0] as number,
    inputs,
    predict(p: PlanePredictions): Float64Array {
      const m = planeMatrix('PlaneFusion.predict', p, names, inputs);
      const z = model.decisionFunction({ data: m.data, shape: [m.n, names.length] });
      return sigmoid(z);
    },
  };
}
