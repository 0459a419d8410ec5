import { MetricsError } from './errors.js';
import { argmaxRows, checkClassLabels, checkMatrix, LogisticRegression, type FeatureMatrix } from './logistic.js';
import { checkNumber } from './validate.js';
import { rocAuc } from './auc.js';

/** Feature standardisation fitted on a training matrix (scikit-learn's `StandardScaler`). */
export interface Standardizer {
  /** Per-feature mean of the training rows. */
  mean: Float64Array;
  /** Per-feature population standard deviation (ddof 0); constant features get 1. */
  std: Float64Array;
  /** Returns `(x - mean) / std` as a new float64 matrix. */
  transform(x: FeatureMatrix): FeatureMatrix;
}

/**
 * Fits a {@link Standardizer} (mean and population standard deviation per
 * column) on `x`.
 * @throws {@link MetricsError} on a bad shape or non-finite features
 */
export function fitStandardizer(x: FeatureMatrix): Standardizer {
  const [n, d] = checkMatrix('fitStandardizer', x, 'x');
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x.data[i * d + j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = (x.data[i * d + j] as number) - (mean[j] as number);
      std[j] = (std[j] as number) + t * t;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt((std[j] as number) / n);
    std[j] = s > 1e-12 * Math.max(1, Math.abs(mean[j] as number)) ? s : 1;
  }
  return {
    mean,
    std,
    transform(m: FeatureMatrix): FeatureMatrix {
      const [r, c] = checkMatrix('Standardizer.transform', m, 'x');
      if (c !== d) throw new MetricsError('Standardizer.transform', 'shape', `x has ${c} features, fitted on ${d}`);
      const out = new Float64Array(r * c);
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < c; j++) out[i * c + j] = ((m.data[i * c + j] as number) - (mean[j] as number)) / (std[j] as number);
      }
      return { data: out, shape: [r, c] };
    },
  };
}

/** A labelled feature matrix (e.g. frozen-encoder embeddings of a split). */
export interface LabelledFeatures extends FeatureMatrix {
  /** Class per row, integers 0..K-1. */
  labels: ArrayLike<number>;
}

/** Result of an embedding classifier on a query split. */
export interface EmbeddingEvaluation {
  /** Class probabilities (or normalised votes), row-major `[nQuery, numClasses]`. */
  proba: Float64Array;
  /** Predicted class per query row. */
  predictions: Int32Array;
  /** Number of classes. */
  numClasses: number;
  /** Accuracy, when the query split has labels. */
  accuracy?: number;
  /**
   * ROC AUC when the query split has labels: binary AUC of `proba[:, 1]`,
   * or the macro one-vs-rest mean over classes present in the query labels.
   */
  auc?: number;
}

function summarise(proba: Float64Array, K: number, labels: ArrayLike<number> | undefined, fn: string): EmbeddingEvaluation {
  const predictions = argmaxRows(proba, K);
  const out: EmbeddingEvaluation = { proba, predictions, numClasses: K };
  if (labels) {
    const n = predictions.length;
    checkClassLabels(fn, labels, n, K);
    let ok = 0;
    for (let i = 0; i < n; i++) if (predictions[i] === labels[i]) ok++;
    out.accuracy = ok / n;
    const aucs: number[] = [];
    for (let k = K === 2 ? 1 : 0; k < K; k++) {
      const y = new Uint8Array(n);
      const s = new Float64Array(n);
      let np = 0;
      for (let i = 0; i < n; i++) {
        y[i] = labels[i] === k ? 1 : 0;
        np += y[i] as number;
        s[i] = proba[i * K + k] as number;
      }
      if (np > 0 && np < n) aucs.push(rocAuc(y, s));
    }
    if (aucs.length > 0) out.auc = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  }
  return out;
}

/** Options of {@link linearProbe}. */
export interface LinearProbeOptions {
  /** Inverse L2 strength, scikit-learn's `C`. Default `1`. */
  C?: number;
  /** Standardise features with the training split's mean and std first. Default `true`. */
  standardize?: boolean;
  /** Maximum L-BFGS iterations. Default `1000`. */
  maxIter?: number;
  /** Gradient tolerance. Default `1e-10`. */
  tol?: number;
  /** Number of classes (default: largest training label + 1). */
  numClasses?: number;
}

/** A fitted linear probe and its evaluation on the query split. */
export interface LinearProbeResult extends EmbeddingEvaluation {
  /** The fitted classifier (on standardised features when `standardize`). */
  model: LogisticRegression;
  /** The standardisation used, or null. */
  standardizer: Standardizer | null;
}

/**
 * Linear-probe evaluation of frozen embeddings: L2 logistic regression
 * (softmax for more than two classes) fitted by L-BFGS on the standardised
 * training features, applied to the query features.
 *
 * @param train - `{ data, shape: [n, d], labels }`, e.g. `Float32Array` embeddings
 * @param query - `{ data, shape: [m, d], labels? }`; with labels, accuracy and AUC are reported
 * @throws {@link MetricsError} on shape mismatches, non-finite features or bad labels
 */
export function linearProbe(
  train: LabelledFeatures,
  query: FeatureMatrix & { labels?: ArrayLike<number> },
  options: LinearProbeOptions = {},
): LinearProbeResult {
  const fn = 'linearProbe';
  const [, d] = checkMatrix(fn, train, 'train');
  const [, dq] = checkMatrix(fn, query, 'query');
  if (d !== dq) throw new MetricsError(fn, 'shape', `train has ${d} features, query ${dq}`);
  const std = (options.standardize ?? true) ? fitStandardizer(train) : null;
  const xt = std ? std.transform(train) : train;
  const xq = std ? std.transform(query) : query;
  const model = LogisticRegression.fit(xt, train.labels, {
    C: options.C ?? 1,
    maxIter: options.maxIter ?? 1000,
    tol: options.tol ?? 1e-10,
    ...(options.numClasses !== undefined ? { numClasses: options.numClasses } : {}),
  });
  const ev = summarise(model.predictProba(xq), model.numClasses, query.labels, fn);
  return { ...ev, model, standardizer: std };
}

/** Options of {@link knnClassify}. */
export interface KnnOptions {
  /** Number of neighbours. Default `20`. */
  k?: number;
  /**
   * Vote weights from the cosine similarity `s` of each neighbour:
   * `'exp'`: `exp(s / temperature)` (the weighted kNN of InstDisc/DINO),
   * `'similarity'`: `s`, `'uniform'`: 1. Default `'exp'`.
   */
  weighting?: 'exp' | 'similarity' | 'uniform';
  /** Temperature of the `'exp'` weighting. Default `0.07`. */
  temperature?: number;
  /** Number of classes (default: largest training label + 1). */
  numClasses?: number;
}

function normalizeRows(fn: string, m: FeatureMatrix, n: number, d: number, name: string): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (m.data[i * d + j] as number) ** 2;
    if (s === 0) throw new MetricsError(fn, 'invalid-argument', `${name} row ${i} is all zeros: its cosine similarity is undefined`);
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) out[i * d + j] = (m.data[i * d + j] as number) * inv;
  }
  return out;
}

/**
 * k-nearest-neighbour classification of embeddings by cosine similarity
 * with a weighted vote; `proba` holds the normalised class votes (as
 * scikit-learn's `KNeighborsClassifier(metric='cosine').predict_proba`).
 *
 * @param train - `{ data, shape: [n, d], labels }`
 * @param query - `{ data, shape: [m, d], labels? }`; with labels, accuracy and AUC are reported
 * @throws {@link MetricsError} on shape mismatches, zero rows, bad labels or k out of range
 */
export function knnClassify(train: LabelledFeatures, query: FeatureMatrix & { labels?: ArrayLike<number> }, options: KnnOptions = {}): EmbeddingEvaluation {
  const fn = 'knnClassify';
  const [n, d] = checkMatrix(fn, train, 'train');
  const [m, dq] = checkMatrix(fn, query, 'query');
  if (d !== dq) throw new MetricsError(fn, 'shape', `train has ${d} features, query ${dq}`);
  const K = checkClassLabels(fn, train.labels, n, options.numClasses);
  const k = options.k ?? 20;
  checkNumber(fn, 'k', k, 1, n, true);
  const weighting = options.weighting ?? 'exp';
  const T = options.temperature ?? 0.07;
  checkNumber(fn, 'temperature', T, 1e-12, Infinity);
  if (!['exp', 'similarity', 'uniform'].includes(weighting)) {
    throw new MetricsError(fn, 'invalid-argument', `weighting must be 'exp', 'similarity' or 'uniform', got ${String(weighting)}`);
  }
  const a = normalizeRows(fn, train, n, d, 'train');
  const b = normalizeRows(fn, query, m, d, 'query');
  const proba = new Float64Array(m * K);
  const topS = new Float64Array(k);
  const topI = new Int32Array(k);
  for (let q = 0; q < m; q++) {
    let filled = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (b[q * d + j] as number) * (a[i * d + j] as number);
      if (filled === k && s <= (topS[k - 1] as number)) continue;
      // Insertion into the descending top-k list (earlier rows win ties).
      let p = filled < k ? filled++ : k - 1;
      while (p > 0 && (topS[p - 1] as number) < s) {
        topS[p] = topS[p - 1] as number;
        topI[p] = topI[p - 1] as number;
        p--;
      }
      topS[p] = s;
      topI[p] = i;
    }
    let total = 0;
    for (let r = 0; r < k; r++) {
      const s = topS[r] as number;
      const w = weighting === 'uniform' ? 1 : weighting === 'similarity' ? s : Math.exp((s - 1) / T);
      const c = train.labels[topI[r] as number] as number;
      proba[q * K + c] = (proba[q * K + c] as number) + w;
      total += w;
    }
    if (!(total > 0)) {
      throw new MetricsError(fn, 'not-finite', `query row ${q}: the vote weights sum to ${total} (negative similarities with weighting 'similarity')`);
    }
    for (let c = 0; c < K; c++) proba[q * K + c] = (proba[q * K + c] as number) / total;
  }
  return summarise(proba, K, query.labels, fn);
}
