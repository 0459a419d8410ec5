import { MetricsError } from './errors.js';
import { lowerBound, sortFloat64, upperBound } from './sort.js';
import { normalCdf, normalQuantile } from './stats.js';
import { binaryInput, checkNumber, checkSameLength, type BinaryLabels, type Scores } from './validate.js';

/** DeLong placement values of one model. @internal */
interface Placements {
  /** Per positive (in input order): fraction of negatives scored below, ties 1/2. */
  v10: Float64Array;
  /** Per negative (in input order): fraction of positives scored above, ties 1/2. */
  v01: Float64Array;
  /** AUC = mean(v10) = mean(v01). */
  auc: number;
}

function placements(y: Uint8Array, s: Float64Array, nPos: number): Placements {
  const nNeg = y.length - nPos;
  const posVals = new Float64Array(nPos);
  const negVals = new Float64Array(nNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) posVals[p++] = s[i] as number;
    else negVals[q++] = s[i] as number;
  }
  const posSorted = sortFloat64(posVals.slice());
  const negSorted = sortFloat64(negVals.slice());
  const v10 = new Float64Array(nPos);
  const v01 = new Float64Array(nNeg);
  let sum = 0;
  for (let i = 0; i < nPos; i++) {
    const v = (posVals[i] as number) === 0 ? 0 : (posVals[i] as number);
    const lt = lowerBound(negSorted, v);
    const le = upperBound(negSorted, v);
    v10[i] = (lt + 0.5 * (le - lt)) / nNeg;
    sum += v10[i] as number;
  }
  for (let j = 0; j < nNeg; j++) {
    const v = (negVals[j] as number) === 0 ? 0 : (negVals[j] as number);
    const lt = lowerBound(posSorted, v);
    const le = upperBound(posSorted, v);
    v01[j] = (nPos - le + 0.5 * (le - lt)) / nPos;
  }
  return { v10, v01, auc: sum / nPos };
}

function covariance(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n < 2) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let c = 0;
  for (let i = 0; i < n; i++) c += ((a[i] as number) - ma) * ((b[i] as number) - mb);
  return c / (n - 1);
}

/** Options of the DeLong functions. */
export interface DelongOptions {
  /** Two-sided significance level of the confidence interval (0.05 gives a 95 % CI). Default `0.05`. */
  alpha?: number;
}

/** DeLong's estimate for one model's AUC. */
export interface DelongResult {
  /** Area under the ROC curve. */
  auc: number;
  /** DeLong's variance of the AUC estimate, `S10/m + S01/n`. */
  variance: number;
  /** Standard error, `sqrt(variance)`. */
  se: number;
  /** Confidence interval `auc ± z_{1-alpha/2} se`, clipped to [0, 1] (as pROC). */
  ci: [number, number];
  /** z statistic of H0: AUC = 0.5. */
  z: number;
  /** Two-sided p-value of H0: AUC = 0.5. */
  pValue: number;
}

function twoSided(z: number): number {
  return 2 * normalCdf(-Math.abs(z));
}

function zOf(diff: number, variance: number): number {
  if (variance > 0) return diff / Math.sqrt(variance);
  return diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
}

/**
 * DeLong, DeLong & Clarke-Pearson (1988) variance of the AUC, its normal
 * confidence interval and the test of AUC = 0.5, computed in O(n log n) with
 * the midrank formulation of Sun & Xu (2014). Ties count one half.
 * @throws {@link MetricsError} on invalid input or a single class
 */
export function delong(labels: BinaryLabels, scores: Scores, options: DelongOptions = {}): DelongResult {
  const alpha = options.alpha ?? 0.05;
  checkNumber('delong', 'alpha', alpha, 1e-12, 1 - 1e-12);
  const { y, s, nPos, nNeg } = binaryInput('delong', labels, scores);
  const pl = placements(y, s, nPos);
  const variance = covariance(pl.v10, pl.v10) / nPos + covariance(pl.v01, pl.v01) / nNeg;
  const se = Math.sqrt(variance);
  const zc = normalQuantile(1 - alpha / 2);
  const z = zOf(pl.auc - 0.5, variance);
  return {
    auc: pl.auc,
    variance,
    se,
    ci: [Math.max(0, pl.auc - zc * se), Math.min(1, pl.auc + zc * se)],
    z,
    pValue: twoSided(z),
  };
}

/** DeLong's paired comparison of two models scored on the same cases. */
export interface DelongTestResult {
  /** AUC of model A. */
  aucA: number;
  /** AUC of model B. */
  aucB: number;
  /** `aucA - aucB`. */
  difference: number;
  /** DeLong variance of AUC A. */
  varianceA: number;
  /** DeLong variance of AUC B. */
  varianceB: number;
  /** DeLong covariance of the two AUCs (they share cases). */
  covariance: number;
  /** Variance of the difference, `varA + varB - 2 cov`. */
  varianceDifference: number;
  /** z statistic of H0: AUC A = AUC B. */
  z: number;
  /** Two-sided p-value of H0: AUC A = AUC B. */
  pValue: number;
  /** Confidence interval of the difference, `difference ± z_{1-alpha/2} sqrt(varianceDifference)`. */
  ci: [number, number];
}

/**
 * DeLong's test for two correlated ROC curves: models A and B scored the
 * same cases (same `labels`), as `pROC::roc.test(method = "delong", paired = TRUE)`.
 * Identical models give z = 0 and p = 1.
 * @throws {@link MetricsError} on invalid input, a single class or mismatched lengths
 */
export function delongTest(labels: BinaryLabels, scoresA: Scores, scoresB: Scores, options: DelongOptions = {}): DelongTestResult {
  const alpha = options.alpha ?? 0.05;
  checkNumber('delongTest', 'alpha', alpha, 1e-12, 1 - 1e-12);
  checkSameLength('delongTest', scoresA.length, scoresB.length, 'scoresA and scoresB');
  const a = binaryInput('delongTest', labels, scoresA);
  const b = binaryInput('delongTest', a.y, scoresB);
  const pa = placements(a.y, a.s, a.nPos);
  const pb = placements(b.y, b.s, b.nPos);
  const m = a.nPos;
  const n = a.nNeg;
  const varianceA = covariance(pa.v10, pa.v10) / m + covariance(pa.v01, pa.v01) / n;
  const varianceB = covariance(pb.v10, pb.v10) / m + covariance(pb.v01, pb.v01) / n;
  const cov = covariance(pa.v10, pb.v10) / m + covariance(pa.v01, pb.v01) / n;
  const vd = Math.max(0, varianceA + varianceB - 2 * cov);
  const difference = pa.auc - pb.auc;
  const z = zOf(difference, vd);
  const zc = normalQuantile(1 - alpha / 2);
  const h = zc * Math.sqrt(vd);
  if (!Number.isFinite(varianceA) || !Number.isFinite(varianceB)) {
    throw new MetricsError('delongTest', 'not-finite', 'variance is not finite');
  }
  return {
    aucA: pa.auc,
    aucB: pb.auc,
    difference,
    varianceA,
    varianceB,
    covariance: cov,
    varianceDifference: vd,
    z,
    pValue: twoSided(z),
    ci: [difference - h, difference + h],
  };
}
