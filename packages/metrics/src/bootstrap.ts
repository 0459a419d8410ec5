import { MetricsError } from './errors.js';
import { Random } from '@byolmed3d/util';
import { normalCdf, normalQuantile, quantileSorted } from './stats.js';
import { metricsFromCounts, type ThresholdMetricName, type ThresholdOptions } from './threshold.js';
import { binaryInput, checkNumber, type BinaryLabels, type Scores } from './validate.js';
import { sortFloat64 } from './sort.js';

/** Options of the bootstrap functions. */
export interface BootstrapOptions {
  /** Number of bootstrap resamples. Default `2000`. */
  nBoot?: number;
  /** Two-sided level: 0.05 gives a 95 % interval. Default `0.05`. */
  alpha?: number;
  /** Seed of the resampling generator (the shared `Random` of `@byolmed3d/util`). Default `0`. */
  seed?: number;
  /**
   * Resample positives and negatives separately, keeping their counts (and
   * so the prevalence) fixed; otherwise resample all cases together and
   * redraw resamples that lack a class. Default `true`.
   */
  stratified?: boolean;
  /**
   * `'percentile'` (quantiles of the bootstrap distribution, numpy's linear
   * interpolation) or `'bca'` (bias-corrected and accelerated, Efron 1987;
   * the acceleration comes from a leave-one-out jackknife, O(n^2)). Default `'percentile'`.
   */
  method?: 'percentile' | 'bca';
  /** Keep the bootstrap replicates in the result (`samples`). Default `false`. */
  keepSamples?: boolean;
}

/** A bootstrap confidence interval of one statistic. */
export interface ConfidenceInterval {
  /** The statistic on the original data. */
  estimate: number;
  /** Lower end of the interval. */
  lower: number;
  /** Upper end of the interval. */
  upper: number;
  /** Standard deviation of the bootstrap replicates (bootstrap standard error). */
  se: number;
  /** Mean of the bootstrap replicates. */
  mean: number;
  /** Method actually used (`'percentile'` when BCa was impossible: every replicate on one side of the estimate). */
  method: 'percentile' | 'bca';
  /** Two-sided level of the interval. */
  alpha: number;
  /** Number of replicates. */
  nBoot: number;
  /** The replicates, when `keepSamples` was set. */
  samples?: Float64Array;
}

/** Names of the metrics {@link bootstrapMetrics} can bootstrap. */
export type BootstrapMetricName = 'auc' | 'averagePrecision' | ThresholdMetricName;

const ALL_METRICS: BootstrapMetricName[] = [
  'auc',
  'averagePrecision',
  'accuracy',
  'sensitivity',
  'specificity',
  'ppv',
  'npv',
  'f1',
  'kappa',
  'balancedAccuracy',
  'youdenJ',
  'prevalence',
  'tp',
  'tn',
  'fp',
  'fn',
];

function checkOptions(fn: string, o: BootstrapOptions): Required<Omit<BootstrapOptions, 'keepSamples'>> & { keepSamples: boolean } {
  const r = {
    nBoot: o.nBoot ?? 2000,
    alpha: o.alpha ?? 0.05,
    seed: o.seed ?? 0,
    stratified: o.stratified ?? true,
    method: o.method ?? 'percentile',
    keepSamples: o.keepSamples ?? false,
  };
  checkNumber(fn, 'nBoot', r.nBoot, 2, 1e8, true);
  checkNumber(fn, 'alpha', r.alpha, 1e-9, 1 - 1e-9);
  checkNumber(fn, 'seed', r.seed, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  if (r.method !== 'percentile' && r.method !== 'bca') {
    throw new MetricsError(fn, 'invalid-argument', `method must be 'percentile' or 'bca', got ${String(r.method)}`);
  }
  return r;
}

/** Interval from replicates (and jackknife values for BCa). @internal */
export function intervalFromSamples(
  estimate: number,
  samples: Float64Array,
  alpha: number,
  method: 'percentile' | 'bca',
  jackknife: Float64Array | null,
  keep: boolean,
): ConfidenceInterval {
  const B = samples.length;
  let mean = 0;
  for (let i = 0; i < B; i++) mean += samples[i] as number;
  mean /= B;
  let ss = 0;
  for (let i = 0; i < B; i++) ss += ((samples[i] as number) - mean) ** 2;
  const se = Math.sqrt(ss / (B - 1));
  const sorted = sortFloat64(samples.slice());
  let lo = alpha / 2;
  let hi = 1 - alpha / 2;
  let used: 'percentile' | 'bca' = 'percentile';
  if (method === 'bca' && jackknife) {
    let below = 0;
    for (let i = 0; i < B; i++) {
      const v = samples[i] as number;
      if (v < estimate) below += 1;
      else if (v === estimate) below += 0.5;
    }
    const z0 = normalQuantile(below / B);
    if (Number.isFinite(z0)) {
      const nj = jackknife.length;
      let jm = 0;
      for (let i = 0; i < nj; i++) jm += jackknife[i] as number;
      jm /= nj;
      let num = 0;
      let den = 0;
      for (let i = 0; i < nj; i++) {
        const d = jm - (jackknife[i] as number);
        num += d * d * d;
        den += d * d;
      }
      const a = den > 0 ? num / (6 * Math.pow(den, 1.5)) : 0;
      const adj = (q: number): number => {
        const zq = normalQuantile(q);
        return normalCdf(z0 + (z0 + zq) / (1 - a * (z0 + zq)));
      };
      lo = adj(alpha / 2);
      hi = adj(1 - alpha / 2);
      used = 'bca';
    }
  }
  const out: ConfidenceInterval = {
    estimate,
    lower: quantileSorted(sorted, lo),
    upper: quantileSorted(sorted, hi),
    se,
    mean,
    method: used,
    alpha,
    nBoot: B,
  };
  if (keep) out.samples = samples;
  return out;
}

/** Draws one resample as multiplicities per sorted position. */
function drawCounts(rng: Random, pc: Float64Array, nc: Float64Array, stratified: boolean): void {
  const m = pc.length;
  const n = nc.length;
  pc.fill(0);
  nc.fill(0);
  if (stratified) {
    for (let i = 0; i < m; i++) (pc[rng.int(m)] as number)++;
    for (let i = 0; i < n; i++) (nc[rng.int(n)] as number)++;
    return;
  }
  const N = m + n;
  for (let i = 0; i < N; i++) {
    const k = rng.int(N);
    if (k < m) (pc[k] as number)++;
    else (nc[k - m] as number)++;
  }
}

/** Weighted Mann-Whitney AUC over sorted values with case weights. @internal */
export function weightedAuc(pv: Float64Array, pc: Float64Array, nv: Float64Array, nc: Float64Array): number {
  const m = pv.length;
  const n = nv.length;
  let j = 0;
  let cumLt = 0;
  let wp = 0;
  let wn = 0;
  let total = 0;
  for (let k = 0; k < n; k++) wn += nc[k] as number;
  for (let i = 0; i < m; ) {
    const v = pv[i] as number;
    let w = 0;
    let i2 = i;
    while (i2 < m && pv[i2] === v) w += pc[i2++] as number;
    while (j < n && (nv[j] as number) < v) cumLt += nc[j++] as number;
    let eq = 0;
    let k = j;
    while (k < n && nv[k] === v) eq += nc[k++] as number;
    total += w * (cumLt + 0.5 * eq);
    wp += w;
    i = i2;
  }
  return total / (wp * wn);
}

/** Weighted average precision (sklearn's step rule) over sorted values. @internal */
export function weightedAp(pv: Float64Array, pc: Float64Array, nv: Float64Array, nc: Float64Array): number {
  let wp = 0;
  for (let k = 0; k < pc.length; k++) wp += pc[k] as number;
  let i = pv.length - 1;
  let j = nv.length - 1;
  let tp = 0;
  let fp = 0;
  let prev = 0;
  let ap = 0;
  while (i >= 0 || j >= 0) {
    const a = i >= 0 ? (pv[i] as number) : -Infinity;
    const b = j >= 0 ? (nv[j] as number) : -Infinity;
    const t = i < 0 ? b : j < 0 ? a : a > b ? a : b;
    while (i >= 0 && pv[i] === t) tp += pc[i--] as number;
    while (j >= 0 && nv[j] === t) fp += nc[j--] as number;
    if (tp > prev) {
      ap += ((tp - prev) / wp) * (tp / (tp + fp));
      prev = tp;
    }
  }
  return ap;
}

/**
 * Bootstrap confidence intervals (stratified by default, seeded) for AUC,
 * average precision and every threshold metric at once. Each resample is
 * represented by case multiplicities over the pre-sorted scores, so a
 * replicate costs O(n) for all metrics together.
 *
 * @param labels - 0/1 labels
 * @param probs - probabilities (threshold metrics need them; convert logits with `sigmoid`)
 * @param options - bootstrap options, the threshold (default 0.5), and `metrics` to restrict the output
 * @returns one {@link ConfidenceInterval} per metric name
 * @throws {@link MetricsError} on invalid input or a single class
 */
export function bootstrapMetrics(
  labels: BinaryLabels,
  probs: Scores,
  options: BootstrapOptions & ThresholdOptions & { metrics?: BootstrapMetricName[] } = {},
): Partial<Record<BootstrapMetricName, ConfidenceInterval>> & Record<'auc', ConfidenceInterval> {
  const fn = 'bootstrapMetrics';
  const o = checkOptions(fn, options);
  const { y, s, nPos, nNeg } = binaryInput(fn, labels, probs);
  const threshold = options.threshold ?? 0.5;
  const zeroDivision = options.zeroDivision ?? 0;
  const names = options.metrics ?? ALL_METRICS;
  for (const nm of names) {
    if (!ALL_METRICS.includes(nm)) throw new MetricsError(fn, 'invalid-argument', `unknown metric '${String(nm)}'`);
  }
  if ((options.requireProbabilities ?? true) && names.some((nm) => nm !== 'auc' && nm !== 'averagePrecision')) {
    for (let i = 0; i < s.length; i++) {
      const v = s[i] as number;
      if (!(v >= 0 && v <= 1)) {
        throw new MetricsError(fn, 'invalid-argument', `scores[${i}] = ${v} is not a probability; convert logits with sigmoid() (or pass requireProbabilities: false)`);
      }
    }
  }
  const pv = new Float64Array(nPos);
  const nv = new Float64Array(nNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) pv[p++] = s[i] as number;
    else nv[q++] = s[i] as number;
  }
  sortFloat64(pv);
  sortFloat64(nv);
  // First sorted position at or above the threshold.
  let pCut = 0;
  while (pCut < nPos && (pv[pCut] as number) < threshold) pCut++;
  let nCut = 0;
  while (nCut < nNeg && (nv[nCut] as number) < threshold) nCut++;
  const K = names.length;
  const evalAll = (pc: Float64Array, nc: Float64Array, out: Float64Array, at: number, stride: number): void => {
    let tp = 0;
    let fn0 = 0;
    let fp = 0;
    let tn = 0;
    for (let k = 0; k < nPos; k++) {
      if (k >= pCut) tp += pc[k] as number;
      else fn0 += pc[k] as number;
    }
    for (let k = 0; k < nNeg; k++) {
      if (k >= nCut) fp += nc[k] as number;
      else tn += nc[k] as number;
    }
    const tm = metricsFromCounts({ tp, tn, fp, fn: fn0 }, threshold, zeroDivision) as unknown as Record<string, number>;
    for (let r = 0; r < K; r++) {
      const nm = names[r] as BootstrapMetricName;
      let v: number;
      if (nm === 'auc') v = weightedAuc(pv, pc, nv, nc);
      else if (nm === 'averagePrecision') v = weightedAp(pv, pc, nv, nc);
      else v = tm[nm] as number;
      out[r * stride + at] = v;
    }
  };
  const pc = new Float64Array(nPos).fill(1);
  const nc = new Float64Array(nNeg).fill(1);
  const est = new Float64Array(K);
  evalAll(pc, nc, est, 0, 1);
  const B = o.nBoot;
  const samples = new Float64Array(K * B);
  const rng = new Random(o.seed);
  let redraws = 0;
  for (let b = 0; b < B; b++) {
    drawCounts(rng, pc, nc, o.stratified);
    if (!o.stratified) {
      let wp = 0;
      let wn = 0;
      for (let k = 0; k < nPos; k++) wp += pc[k] as number;
      for (let k = 0; k < nNeg; k++) wn += nc[k] as number;
      if (wp === 0 || wn === 0) {
        if (++redraws > 100 * B) throw new MetricsError(fn, 'one-class', 'almost every resample lacks a class; use stratified: true');
        b--;
        continue;
      }
    }
    evalAll(pc, nc, samples, b, B);
  }
  let jack: Float64Array | null = null;
  if (o.method === 'bca') {
    const N = nPos + nNeg;
    jack = new Float64Array(K * N);
    pc.fill(1);
    nc.fill(1);
    for (let i = 0; i < N; i++) {
      if (i < nPos) pc[i] = 0;
      else nc[i - nPos] = 0;
      if ((i < nPos && nPos === 1) || (i >= nPos && nNeg === 1)) {
        throw new MetricsError(fn, 'invalid-argument', 'BCa needs at least two cases of each class');
      }
      evalAll(pc, nc, jack, i, N);
      if (i < nPos) pc[i] = 1;
      else nc[i - nPos] = 1;
    }
  }
  const out: Partial<Record<BootstrapMetricName, ConfidenceInterval>> = {};
  const N = nPos + nNeg;
  for (let r = 0; r < K; r++) {
    const nm = names[r] as BootstrapMetricName;
    out[nm] = intervalFromSamples(
      est[r] as number,
      samples.slice(r * B, (r + 1) * B),
      o.alpha,
      o.method,
      jack ? jack.slice(r * N, (r + 1) * N) : null,
      o.keepSamples,
    );
  }
  return out as Partial<Record<BootstrapMetricName, ConfidenceInterval>> & Record<'auc', ConfidenceInterval>;
}

/**
 * Bootstrap confidence interval of any statistic of (labels, scores):
 * resamples cases (stratified by class by default, seeded), calls
 * `statistic` on each resample, and returns the percentile or BCa interval.
 *
 * @param statistic - e.g. `(y, s) => rocAuc(y, s)`; receives fresh arrays per resample
 * @throws {@link MetricsError} on invalid input, or when `statistic` returns NaN
 */
export function bootstrapCI(
  labels: BinaryLabels,
  scores: Scores,
  statistic: (labels: Uint8Array, scores: Float64Array) => number,
  options: BootstrapOptions = {},
): ConfidenceInterval {
  const fn = 'bootstrapCI';
  const o = checkOptions(fn, options);
  const { y, s, nPos } = binaryInput(fn, labels, scores, o.stratified);
  const N = y.length;
  const posIdx: number[] = [];
  const negIdx: number[] = [];
  for (let i = 0; i < N; i++) (y[i] === 1 ? posIdx : negIdx).push(i);
  const call = (yy: Uint8Array, ss: Float64Array): number => {
    const v = statistic(yy, ss);
    if (typeof v !== 'number' || Number.isNaN(v)) throw new MetricsError(fn, 'not-finite', 'statistic returned NaN');
    return v;
  };
  const estimate = call(y, s);
  const rng = new Random(o.seed);
  const B = o.nBoot;
  const samples = new Float64Array(B);
  const yy = new Uint8Array(N);
  const ss = new Float64Array(N);
  let redraws = 0;
  for (let b = 0; b < B; b++) {
    if (o.stratified) {
      let k = 0;
      for (let i = 0; i < nPos; i++) {
        const src = posIdx[rng.int(nPos)] as number;
        yy[k] = 1;
        ss[k++] = s[src] as number;
      }
      for (let i = 0; i < N - nPos; i++) {
        const src = negIdx[rng.int(N - nPos)] as number;
        yy[k] = 0;
        ss[k++] = s[src] as number;
      }
    } else {
      let np = 0;
      for (let i = 0; i < N; i++) {
        const src = rng.int(N);
        yy[i] = y[src] as number;
        np += y[src] as number;
        ss[i] = s[src] as number;
      }
      if (nPos > 0 && nPos < N && (np === 0 || np === N)) {
        // A resample without one of the classes present in the data: draw again.
        if (++redraws > 100 * B) throw new MetricsError(fn, 'one-class', 'almost every resample lacks a class; use stratified: true');
        b--;
        continue;
      }
    }
    samples[b] = call(yy.slice(), ss.slice());
  }
  let jack: Float64Array | null = null;
  if (o.method === 'bca') {
    jack = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const jy = new Uint8Array(N - 1);
      const js = new Float64Array(N - 1);
      let k = 0;
      for (let t = 0; t < N; t++) {
        if (t === i) continue;
        jy[k] = y[t] as number;
        js[k++] = s[t] as number;
      }
      jack[i] = call(jy, js);
    }
  }
  return intervalFromSamples(estimate, samples, o.alpha, o.method, jack, o.keepSamples);
}

/** Paired bootstrap comparison of two models' AUCs on the same cases. */
export interface PairedBootstrapResult {
  /** AUC of model A on the original data. */
  aucA: number;
  /** AUC of model B on the original data. */
  aucB: number;
  /** Interval of `aucA - aucB` (estimate on the original data). */
  difference: ConfidenceInterval;
  /** `(aucA - aucB) / sd(bootstrap differences)`, as `pROC::roc.test(method = "bootstrap")`. */
  z: number;
  /** Two-sided p-value of H0: equal AUCs from `z` and the standard normal. */
  pValue: number;
}

function argsortBy(values: Float64Array, idx: number[]): Int32Array {
  return Int32Array.from(idx.slice().sort((a, b) => (values[a] as number) - (values[b] as number)));
}

/**
 * Paired (same resampled cases for both models), stratified, seeded bootstrap
 * of the difference of two models' AUCs: a resampling alternative to
 * {@link delongTest}, with pROC's bootstrap test (`z = diff / sd(diff*)`).
 * @throws {@link MetricsError} on invalid input, mismatched lengths or a single class
 */
export function bootstrapAucDifference(
  labels: BinaryLabels,
  scoresA: Scores,
  scoresB: Scores,
  options: Omit<BootstrapOptions, 'method'> = {},
): PairedBootstrapResult {
  const fn = 'bootstrapAucDifference';
  const o = checkOptions(fn, options);
  if (scoresA.length !== scoresB.length) {
    throw new MetricsError(fn, 'length-mismatch', `scoresA and scoresB differ in length (${scoresA.length} vs ${scoresB.length})`);
  }
  const a = binaryInput(fn, labels, scoresA);
  const b = binaryInput(fn, a.y, scoresB);
  const posIdx: number[] = [];
  const negIdx: number[] = [];
  for (let i = 0; i < a.y.length; i++) (a.y[i] === 1 ? posIdx : negIdx).push(i);
  // Per model: case indices of positives / negatives in ascending score order.
  const prep = (s: Float64Array): { pOrd: Int32Array; nOrd: Int32Array; pv: Float64Array; nv: Float64Array } => {
    const pOrd = argsortBy(s, posIdx);
    const nOrd = argsortBy(s, negIdx);
    return { pOrd, nOrd, pv: Float64Array.from(pOrd, (i) => s[i] as number), nv: Float64Array.from(nOrd, (i) => s[i] as number) };
  };
  const A = prep(a.s);
  const B = prep(b.s);
  const N = a.y.length;
  const w = new Float64Array(N);
  const pcA = new Float64Array(a.nPos);
  const ncA = new Float64Array(a.nNeg);
  const pcB = new Float64Array(a.nPos);
  const ncB = new Float64Array(a.nNeg);
  const diffOf = (): [number, number] => {
    for (let k = 0; k < a.nPos; k++) {
      pcA[k] = w[A.pOrd[k] as number] as number;
      pcB[k] = w[B.pOrd[k] as number] as number;
    }
    for (let k = 0; k < a.nNeg; k++) {
      ncA[k] = w[A.nOrd[k] as number] as number;
      ncB[k] = w[B.nOrd[k] as number] as number;
    }
    return [weightedAuc(A.pv, pcA, A.nv, ncA), weightedAuc(B.pv, pcB, B.nv, ncB)];
  };
  w.fill(1);
  const [aucA, aucB] = diffOf();
  const rng = new Random(o.seed);
  const samples = new Float64Array(o.nBoot);
  let redraws = 0;
  for (let r = 0; r < o.nBoot; r++) {
    w.fill(0);
    if (o.stratified) {
      for (let i = 0; i < a.nPos; i++) (w[posIdx[rng.int(a.nPos)] as number] as number)++;
      for (let i = 0; i < a.nNeg; i++) (w[negIdx[rng.int(a.nNeg)] as number] as number)++;
    } else {
      let np = 0;
      for (let i = 0; i < N; i++) {
        const k = rng.int(N);
        (w[k] as number)++;
        np += a.y[k] as number;
      }
      if (np === 0 || np === N) {
        if (++redraws > 100 * o.nBoot) throw new MetricsError(fn, 'one-class', 'almost every resample lacks a class; use stratified: true');
        r--;
        continue;
      }
    }
    const [x, y] = diffOf();
    samples[r] = x - y;
  }
  const difference = intervalFromSamples(aucA - aucB, samples, o.alpha, 'percentile', null, o.keepSamples);
  const z = difference.se > 0 ? (aucA - aucB) / difference.se : aucA === aucB ? 0 : Infinity;
  const pValue = 2 * normalCdf(-Math.abs(z));
  return { aucA, aucB, difference, z, pValue };
}
