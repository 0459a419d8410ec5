import { MetricsError } from './errors.js';
import { binaryInput, checkNumber, type BinaryLabels, type Scores } from './validate.js';
import { sortFloat64 } from './sort.js';

/** Options of {@link calibrationCurve}. */
export interface CalibrationOptions {
  /** Number of bins. Default `10`. */
  nBins?: number;
  /** `'uniform'` bins of equal width on [0, 1], or `'quantile'` bins of equal count. Default `'uniform'`. */
  strategy?: 'uniform' | 'quantile';
}

/** A reliability diagram: observed frequency vs mean predicted probability per non-empty bin. */
export interface CalibrationCurve {
  /** Fraction of positives per non-empty bin. */
  probTrue: Float64Array;
  /** Mean predicted probability per non-empty bin. */
  probPred: Float64Array;
  /** Number of cases per non-empty bin. */
  counts: Int32Array;
  /** All bin edges (`nBins + 1` values). */
  edges: Float64Array;
}

function checkProbs(fn: string, s: Float64Array): void {
  for (let i = 0; i < s.length; i++) {
    const v = s[i] as number;
    if (!(v >= 0 && v <= 1)) throw new MetricsError(fn, 'invalid-argument', `probs[${i}] = ${v} is outside [0, 1] (apply sigmoid to logits)`);
  }
}

/**
 * Calibration (reliability) curve, as `sklearn.calibration.calibration_curve`:
 * cases are binned by predicted probability (a case on an inner edge goes to
 * the lower bin) and empty bins are dropped. Works with a single class.
 * @throws {@link MetricsError} on invalid input or probabilities outside [0, 1]
 */
export function calibrationCurve(labels: BinaryLabels, probs: Scores, options: CalibrationOptions = {}): CalibrationCurve {
  const fn = 'calibrationCurve';
  const { y, s } = binaryInput(fn, labels, probs, false);
  checkProbs(fn, s);
  const nBins = options.nBins ?? 10;
  checkNumber(fn, 'nBins', nBins, 1, 1e6, true);
  const strategy = options.strategy ?? 'uniform';
  const edges = new Float64Array(nBins + 1);
  if (strategy === 'uniform') {
    const step = 1 / nBins;
    for (let i = 0; i <= nBins; i++) edges[i] = i * step;
    edges[nBins] = 1;
  } else if (strategy === 'quantile') {
    // numpy.percentile(probs, linspace(0, 100, nBins + 1)), linear method.
    const sorted = sortFloat64(s.slice());
    const n = sorted.length;
    const step = 1 / nBins;
    for (let i = 0; i <= nBins; i++) {
      const q = i === nBins ? 1 : ((i * step) * 100) / 100;
      const vi = n * q + (1 - q) - 1;
      const lo = Math.min(n - 1, Math.max(0, Math.floor(vi)));
      const hi = Math.min(n - 1, lo + 1);
      const t = vi - lo;
      const a = sorted[lo] as number;
      const b = sorted[hi] as number;
      const diff = b - a;
      edges[i] = t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }
  } else {
    throw new MetricsError(fn, 'invalid-argument', `strategy must be 'uniform' or 'quantile', got ${String(strategy)}`);
  }
  const sumP = new Float64Array(nBins + 1);
  const sumY = new Float64Array(nBins + 1);
  const cnt = new Int32Array(nBins + 1);
  for (let i = 0; i < s.length; i++) {
    const v = s[i] as number;
    // searchsorted(edges[1:-1], v, side='left'): inner edges strictly below v.
    let lo = 1;
    let hi = nBins; // inner edges are indices 1..nBins-1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((edges[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    const b = lo - 1;
    sumP[b] = (sumP[b] as number) + v;
    sumY[b] = (sumY[b] as number) + (y[i] as number);
    cnt[b] = (cnt[b] as number) + 1;
  }
  const probTrue: number[] = [];
  const probPred: number[] = [];
  const counts: number[] = [];
  for (let b = 0; b <= nBins; b++) {
    const c = cnt[b] as number;
    if (c === 0) continue;
    probTrue.push((sumY[b] as number) / c);
    probPred.push((sumP[b] as number) / c);
    counts.push(c);
  }
  return { probTrue: Float64Array.from(probTrue), probPred: Float64Array.from(probPred), counts: Int32Array.from(counts), edges };
}

/** Brier score, the mean squared difference of probability and 0/1 label (as `sklearn.metrics.brier_score_loss`). */
export function brierScore(labels: BinaryLabels, probs: Scores): number {
  const { y, s } = binaryInput('brierScore', labels, probs, false);
  checkProbs('brierScore', s);
  let t = 0;
  for (let i = 0; i < y.length; i++) t += ((s[i] as number) - (y[i] as number)) ** 2;
  return t / y.length;
}

/**
 * Expected calibration error: the count-weighted mean of
 * `|fraction of positives - mean probability|` over the bins of
 * {@link calibrationCurve} (default 10 uniform bins).
 */
export function expectedCalibrationError(labels: BinaryLabels, probs: Scores, options: CalibrationOptions = {}): number {
  const c = calibrationCurve(labels, probs, options);
  let e = 0;
  let n = 0;
  for (let b = 0; b < c.counts.length; b++) {
    const k = c.counts[b] as number;
    e += k * Math.abs((c.probTrue[b] as number) - (c.probPred[b] as number));
    n += k;
  }
  return e / n;
}
