import { MetricsError } from './errors.js';
import { aucFromSorted, clfCurve, prFromClf, splitSorted } from './auc.js';
import { binaryInput, type BinaryLabels, type Scores } from './validate.js';

/**
 * Numerically stable logistic function, element-wise: converts raw logits to
 * probabilities. Threshold metrics act on probabilities: apply this to a
 * model's logits before {@link thresholdMetrics} (thresholding logits at
 * 0.5 is equivalent to a probability threshold of 0.62, a silent bug).
 * @throws {@link MetricsError} (`not-finite`) for a NaN, infinite or non-number logit
 */
export function sigmoid(logits: ArrayLike<number>): Float64Array {
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = sigmoid1(finiteAt('sigmoid', logits, i, 'logits'));
  return out;
}

/** `a[i]` when it is a finite number, else a `not-finite` MetricsError. */
function finiteAt(fn: string, a: ArrayLike<number>, i: number, name: string): number {
  const v: unknown = a[i];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new MetricsError(fn, 'not-finite', `${name}[${i}] is ${v === null ? 'null' : String(v)}; expected a finite number`);
  }
  return v;
}

/** Logistic function of one number (stable for large |x|). */
export function sigmoid1(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Inverse of {@link sigmoid}: `log(p / (1 - p))`, with `p` clipped to `[eps, 1 - eps]` (default eps 1e-7).
 * @throws {@link MetricsError} (`not-finite`) for a NaN, infinite or non-number entry
 */
export function logit(probs: ArrayLike<number>, eps = 1e-7): Float64Array {
  const out = new Float64Array(probs.length);
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, finiteAt('logit', probs, i, 'probs')));
    out[i] = Math.log(p / (1 - p));
  }
  return out;
}

/** A 2x2 confusion matrix (positive class = label 1). */
export interface ConfusionMatrix {
  /** True positives: label 1, predicted 1. */
  tp: number;
  /** True negatives: label 0, predicted 0. */
  tn: number;
  /** False positives: label 0, predicted 1. */
  fp: number;
  /** False negatives: label 1, predicted 0. */
  fn: number;
}

/** Every threshold metric of the paper, at one threshold. */
export interface ThresholdMetrics extends ConfusionMatrix {
  /** The threshold used: a case is positive when `prob >= threshold`. */
  threshold: number;
  /** Number of cases. */
  n: number;
  /** Fraction of positives, `(tp + fn) / n`. */
  prevalence: number;
  /** `(tp + tn) / n`. */
  accuracy: number;
  /** Sensitivity (recall, true-positive rate), `tp / (tp + fn)`. */
  sensitivity: number;
  /** Specificity (true-negative rate), `tn / (tn + fp)`. */
  specificity: number;
  /** Positive predictive value (precision), `tp / (tp + fp)`; `zeroDivision` when nothing is called positive. */
  ppv: number;
  /** Negative predictive value, `tn / (tn + fn)`; `zeroDivision` when nothing is called negative. */
  npv: number;
  /** F1 score, `2 tp / (2 tp + fp + fn)`. */
  f1: number;
  /** Cohen's kappa of predictions vs labels (as `sklearn.metrics.cohen_kappa_score`). */
  kappa: number;
  /** `(sensitivity + specificity) / 2`. */
  balancedAccuracy: number;
  /** Youden's J, `sensitivity + specificity - 1`. */
  youdenJ: number;
}

/** Names of the numeric metrics in {@link ThresholdMetrics}. */
export type ThresholdMetricName = Exclude<keyof ThresholdMetrics, 'threshold'>;

/** Options of {@link thresholdMetrics} and {@link confusionMatrix}. */
export interface ThresholdOptions {
  /** Probability threshold: positive when `prob >= threshold`. Default `0.5`. */
  threshold?: number;
  /**
   * Reject scores outside [0, 1] (they are probably logits: apply
   * {@link sigmoid} first). Set `false` to threshold arbitrary scores. Default `true`.
   */
  requireProbabilities?: boolean;
  /** Value of PPV/NPV when their denominator is 0 (scikit-learn's default is 0). Default `0`. */
  zeroDivision?: number;
}

function checkProbs(fn: string, s: Float64Array): void {
  for (let i = 0; i < s.length; i++) {
    const v = s[i] as number;
    if (!(v >= 0 && v <= 1)) {
      throw new MetricsError(
        fn,
        'invalid-argument',
        `scores[${i}] = ${v} is not a probability; thresholds act on probabilities: convert logits with sigmoid() (or pass requireProbabilities: false)`,
      );
    }
  }
}

/**
 * Confusion matrix at a probability threshold (`prob >= threshold` is
 * called positive). Works with a single class present.
 * @throws {@link MetricsError} on invalid input or non-probability scores
 */
export function confusionMatrix(labels: BinaryLabels, probs: Scores, options: ThresholdOptions = {}): ConfusionMatrix {
  const { y, s } = binaryInput('confusionMatrix', labels, probs, false);
  const t = options.threshold ?? 0.5;
  if (Number.isNaN(t)) throw new MetricsError('confusionMatrix', 'invalid-argument', 'threshold is NaN');
  if (options.requireProbabilities ?? true) checkProbs('confusionMatrix', s);
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const pred = (s[i] as number) >= t;
    if (y[i] === 1) {
      if (pred) tp++;
      else fn++;
    } else if (pred) fp++;
    else tn++;
  }
  return { tp, tn, fp, fn };
}

/**
 * All threshold metrics from (possibly weighted, non-integer) counts.
 * @internal
 */
export function metricsFromCounts(c: ConfusionMatrix, threshold: number, zeroDivision = 0): ThresholdMetrics {
  const { tp, tn, fp, fn } = c;
  const n = tp + tn + fp + fn;
  const p = tp + fn;
  const neg = tn + fp;
  const sensitivity = tp / p;
  const specificity = tn / neg;
  const po = (tp + tn) / n;
  const pe = ((tp + fn) * (tp + fp) + (tn + fp) * (tn + fn)) / (n * n);
  const kappa = pe === 1 ? 0 : (po - pe) / (1 - pe);
  return {
    threshold,
    tp,
    tn,
    fp,
    fn,
    n,
    prevalence: p / n,
    accuracy: po,
    sensitivity,
    specificity,
    ppv: tp + fp === 0 ? zeroDivision : tp / (tp + fp),
    npv: tn + fn === 0 ? zeroDivision : tn / (tn + fn),
    f1: (2 * tp) / (2 * tp + fp + fn),
    kappa,
    balancedAccuracy: (sensitivity + specificity) / 2,
    youdenJ: sensitivity + specificity - 1,
  };
}

/**
 * Accuracy, sensitivity, specificity, PPV, NPV, F1, Cohen's kappa, balanced
 * accuracy, prevalence, Youden's J and the confusion matrix at one
 * probability threshold (`prob >= threshold` is positive; default 0.5).
 *
 * Scores must be probabilities (convert logits with {@link sigmoid}); both
 * classes must be present so that sensitivity and specificity are defined.
 * @throws {@link MetricsError} on invalid input, a single class or non-probability scores
 */
export function thresholdMetrics(labels: BinaryLabels, probs: Scores, options: ThresholdOptions = {}): ThresholdMetrics {
  const { nPos, nNeg } = binaryInput('thresholdMetrics', labels, probs, true);
  void nPos;
  void nNeg;
  const c = confusionMatrix(labels, probs, options);
  return metricsFromCounts(c, options.threshold ?? 0.5, options.zeroDivision ?? 0);
}

/** The operating point chosen by Youden's J. */
export interface YoudenPoint {
  /** The chosen threshold (a case is positive when `prob >= threshold`). */
  threshold: number;
  /** Sensitivity at that threshold on the tuning data. */
  sensitivity: number;
  /** Specificity at that threshold on the tuning data. */
  specificity: number;
  /** `sensitivity + specificity - 1`, the maximum over all thresholds. */
  j: number;
}

/**
 * The threshold maximising Youden's J (`sensitivity + specificity - 1`) over
 * every distinct score of a tuning split; ties go to the highest threshold.
 * Choose it on tuning data, then apply it to the test split with
 * {@link thresholdMetrics} (choosing on the test split is optimistic).
 * @throws {@link MetricsError} on invalid input or a single class
 */
export function youdenThreshold(labels: BinaryLabels, scores: Scores): YoudenPoint {
  const { y, s, nPos, nNeg } = binaryInput('youdenThreshold', labels, scores);
  const { pos, neg } = splitSorted(y, s, nPos);
  const c = clfCurve(pos, neg);
  let best = -Infinity;
  let bk = 0;
  for (let k = 0; k < c.fps.length; k++) {
    const j = (c.tps[k] as number) / nPos - (c.fps[k] as number) / nNeg;
    if (j > best) {
      best = j;
      bk = k;
    }
  }
  const sensitivity = (c.tps[bk] as number) / nPos;
  const specificity = 1 - (c.fps[bk] as number) / nNeg;
  return { threshold: c.thresholds[bk] as number, sensitivity, specificity, j: best };
}

/** Options of {@link evaluateBinary}. */
export interface EvaluateOptions extends ThresholdOptions {
  /**
   * Tuning split: when given, the threshold is chosen on it by Youden's J
   * ({@link youdenThreshold}) and `threshold` is ignored. Default none.
   */
  tuning?: {
    /** 0/1 labels of the tuning split. */
    labels: BinaryLabels;
    /** Probabilities of the tuning split. */
    probs: Scores;
  };
}

/** Threshold-free and threshold metrics of one binary classifier. */
export interface BinaryReport extends ThresholdMetrics {
  /** Area under the ROC curve. */
  auc: number;
  /** Average precision (area under the PR curve, step rule). */
  averagePrecision: number;
  /** How the threshold was chosen. */
  thresholdSource: 'fixed' | 'youden';
}

/**
 * AUC, average precision and every threshold metric at a fixed threshold or
 * at the Youden-optimal threshold of a tuning split.
 * @throws {@link MetricsError} on invalid input or a single class
 */
export function evaluateBinary(labels: BinaryLabels, probs: Scores, options: EvaluateOptions = {}): BinaryReport {
  const { y, s, nPos } = binaryInput('evaluateBinary', labels, probs);
  let threshold = options.threshold ?? 0.5;
  let source: 'fixed' | 'youden' = 'fixed';
  if (options.tuning) {
    threshold = youdenThreshold(options.tuning.labels, options.tuning.probs).threshold;
    source = 'youden';
  }
  const { pos, neg } = splitSorted(y, s, nPos);
  const auc = aucFromSorted(pos, neg);
  const ap = prFromClf(clfCurve(pos, neg), nPos).averagePrecision;
  const tm = thresholdMetrics(y, s, { ...options, threshold });
  return { ...tm, auc, averagePrecision: ap, thresholdSource: source };
}
