import { MetricsError } from './errors.js';
import { lbfgs } from './lbfgs.js';
import { checkNumber } from './validate.js';

/** A dense row-major feature matrix: `data[i * d + j]` is feature j of row i. */
export interface FeatureMatrix {
  /** Row-major values (Float32Array from a model's embeddings, or Float64Array). */
  data: ArrayLike<number>;
  /** `[rows, columns]`. */
  shape: readonly [number, number];
}

/** Checks a feature matrix; returns [n, d]. @internal */
export function checkMatrix(fn: string, m: FeatureMatrix, name: string): [number, number] {
  const shape = m.shape as readonly number[];
  if (!Array.isArray(shape) || shape.length !== 2) {
    throw new MetricsError(fn, 'shape', `${name}.shape must be [rows, columns], got ${JSON.stringify(shape)}`);
  }
  const [n, d] = shape as [number, number];
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 1 || d < 1) {
    throw new MetricsError(fn, 'shape', `${name}.shape must be positive integers, got [${n}, ${d}]`);
  }
  if (m.data.length !== n * d) {
    throw new MetricsError(fn, 'shape', `${name}.data has ${m.data.length} values, expected ${n} x ${d} = ${n * d}`);
  }
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i] as number)) throw new MetricsError(fn, 'not-finite', `${name}.data[${i}] is ${m.data[i]}`);
  }
  return [n, d];
}

/** Checks class labels 0..K-1; returns K. @internal */
export function checkClassLabels(fn: string, labels: ArrayLike<number>, n: number, numClasses?: number): number {
  if (labels.length !== n) throw new MetricsError(fn, 'length-mismatch', `labels has ${labels.length} entries for ${n} rows`);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const v = labels[i] as number;
    if (!Number.isInteger(v) || v < 0) throw new MetricsError(fn, 'invalid-label', `labels[${i}] = ${v}; class labels must be integers 0..K-1`);
    if (v > max) max = v;
  }
  const K = numClasses ?? max + 1;
  if (max >= K) throw new MetricsError(fn, 'invalid-label', `label ${max} >= numClasses ${K}`);
  if (K < 2) throw new MetricsError(fn, 'one-class', 'needs at least two classes');
  return K;
}

/** Options of {@link LogisticRegression.fit}. */
export interface LogisticRegressionOptions {
  /**
   * Inverse L2 strength, scikit-learn's `C`: the objective is
   * `0.5 ||W||^2 + C * sum_i loss_i` (the intercept is not penalised). Default `1`.
   */
  C?: number;
  /** Fit an intercept. Default `true`. */
  fitIntercept?: boolean;
  /** Maximum L-BFGS iterations. Default `1000`. */
  maxIter?: number;
  /** Stop when every gradient component of the per-sample objective is below this. Default `1e-10`. */
  tol?: number;
  /** Number of classes (default: largest label + 1). Two classes fit one weight vector (sigmoid), more a softmax. */
  numClasses?: number;
  /** Throw a MetricsError when L-BFGS did not converge within `maxIter`. Default `false`. */
  requireConvergence?: boolean;
}

/**
 * L2-regularised logistic regression (binary with a sigmoid, multi-class
 * with a softmax, as scikit-learn's `LogisticRegression(multi_class=
 * 'multinomial')`), fitted by L-BFGS in float64. The objective and the
 * coefficients match scikit-learn with the same `C`.
 */
export class LogisticRegression {
  /** Weights, row-major `[coefRows, numFeatures]`; `coefRows` is 1 for binary, else `numClasses`. */
  readonly coef: Float64Array;
  /** Intercepts, one per coefficient row. */
  readonly intercept: Float64Array;
  /** Number of classes. */
  readonly numClasses: number;
  /** Number of features. */
  readonly numFeatures: number;
  /** L-BFGS iterations used by the fit. */
  readonly iterations: number;
  /** Whether L-BFGS met its gradient tolerance. */
  readonly converged: boolean;

  private constructor(coef: Float64Array, intercept: Float64Array, numClasses: number, numFeatures: number, iterations: number, converged: boolean) {
    this.coef = coef;
    this.intercept = intercept;
    this.numClasses = numClasses;
    this.numFeatures = numFeatures;
    this.iterations = iterations;
    this.converged = converged;
  }

  /**
   * Fits the model.
   * @param x - `[n, d]` features
   * @param labels - class per row, integers 0..K-1 (0/1 for binary)
   * @throws {@link MetricsError} on shape mismatch, non-finite features, bad labels or a single class
   */
  static fit(x: FeatureMatrix, labels: ArrayLike<number>, options: LogisticRegressionOptions = {}): LogisticRegression {
    const fn = 'LogisticRegression.fit';
    const [n, d] = checkMatrix(fn, x, 'x');
    const K = checkClassLabels(fn, labels, n, options.numClasses);
    const C = options.C ?? 1;
    checkNumber(fn, 'C', C, 1e-300, Infinity);
    const fitIntercept = options.fitIntercept ?? true;
    const X = x.data;
    const R = K === 2 ? 1 : K; // coefficient rows
    const P = R * (d + 1); // parameters: per row d weights then an intercept
    const y = labels;
    const invCn = 1 / (C * n);
    const z = new Float64Array(R);
    const fg = (w: Float64Array, g: Float64Array): number => {
      g.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const row = i * d;
        for (let r = 0; r < R; r++) {
          const o = r * (d + 1);
          let s = fitIntercept ? (w[o + d] as number) : 0;
          for (let j = 0; j < d; j++) s += (w[o + j] as number) * (X[row + j] as number);
          z[r] = s;
        }
        const yi = y[i] as number;
        if (R === 1) {
          const t = z[0] as number;
          // log(1 + e^t) - y t, stably
          loss += (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))) - yi * t;
          const p = t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
          const e = p - yi;
          for (let j = 0; j < d; j++) g[j] = (g[j] as number) + e * (X[row + j] as number);
          g[d] = (g[d] as number) + e;
        } else {
          let m = -Infinity;
          for (let r = 0; r < R; r++) m = Math.max(m, z[r] as number);
          let se = 0;
          for (let r = 0; r < R; r++) se += Math.exp((z[r] as number) - m);
          const lse = m + Math.log(se);
          loss += lse - (z[yi] as number);
          for (let r = 0; r < R; r++) {
            const e = Math.exp((z[r] as number) - lse) - (r === yi ? 1 : 0);
            const o = r * (d + 1);
            for (let j = 0; j < d; j++) g[o + j] = (g[o + j] as number) + e * (X[row + j] as number);
            g[o + d] = (g[o + d] as number) + e;
          }
        }
      }
      // Per-sample objective: (0.5 ||W||^2 / C + sum loss) / n.
      let reg = 0;
      for (let r = 0; r < R; r++) {
        const o = r * (d + 1);
        for (let j = 0; j < d; j++) {
          const wj = w[o + j] as number;
          reg += wj * wj;
          g[o + j] = (g[o + j] as number) / n + wj * invCn;
        }
        g[o + d] = fitIntercept ? (g[o + d] as number) / n : 0;
      }
      return loss / n + 0.5 * reg * invCn;
    };
    const res = lbfgs(fg, new Float64Array(P), { maxIter: options.maxIter ?? 1000, gtol: options.tol ?? 1e-10 });
    if (options.requireConvergence && !res.converged) {
      throw new MetricsError(fn, 'not-converged', `L-BFGS did not converge in ${res.iterations} iterations`);
    }
    const coef = new Float64Array(R * d);
    const intercept = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      for (let j = 0; j < d; j++) coef[r * d + j] = res.x[r * (d + 1) + j] as number;
      intercept[r] = fitIntercept ? (res.x[r * (d + 1) + d] as number) : 0;
    }
    return new LogisticRegression(coef, intercept, K, d, res.iterations, res.converged);
  }

  /** Linear scores `[n, coefRows]` (binary: one logit per row). */
  decisionFunction(x: FeatureMatrix): Float64Array {
    const [n, d] = checkMatrix('LogisticRegression.decisionFunction', x, 'x');
    if (d !== this.numFeatures) {
      throw new MetricsError('LogisticRegression.decisionFunction', 'shape', `x has ${d} features, the model ${this.numFeatures}`);
    }
    const R = this.intercept.length;
    const out = new Float64Array(n * R);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < R; r++) {
        let s = this.intercept[r] as number;
        for (let j = 0; j < d; j++) s += (this.coef[r * d + j] as number) * (x.data[i * d + j] as number);
        out[i * R + r] = s;
      }
    }
    return out;
  }

  /** Class probabilities, row-major `[n, numClasses]` (binary: `[1 - p, p]` per row). */
  predictProba(x: FeatureMatrix): Float64Array {
    const z = this.decisionFunction(x);
    const R = this.intercept.length;
    const n = z.length / R;
    const K = this.numClasses;
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      if (R === 1) {
        const t = z[i] as number;
        const p = t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      } else {
        let m = -Infinity;
        for (let r = 0; r < R; r++) m = Math.max(m, z[i * R + r] as number);
        let s = 0;
        for (let r = 0; r < R; r++) s += Math.exp((z[i * R + r] as number) - m);
        for (let r = 0; r < R; r++) out[i * K + r] = Math.exp((z[i * R + r] as number) - m) / s;
      }
    }
    return out;
  }

  /** Most probable class per row (ties: the lowest class). */
  predict(x: FeatureMatrix): Int32Array {
    return argmaxRows(this.predictProba(x), this.numClasses);
  }
}

/** Row-wise argmax of a `[n, K]` matrix (first maximum wins). @internal */
export function argmaxRows(p: Float64Array, K: number): Int32Array {
  const n = p.length / K;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let k = 1; k < K; k++) if ((p[i * K + k] as number) > (p[i * K + b] as number)) b = k;
    out[i] = b;
  }
  return out;
}
