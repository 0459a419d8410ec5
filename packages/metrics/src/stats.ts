import { MetricsError } from './errors.js';

/** Hart's rational approximation of the normal tail (numerator and denominator, highest power first). */
const HART_NUM = [3.52624965998911e-2, 0.700383064443688, 6.37396220353165, 33.912866078383, 112.079291497871, 221.213596169931, 220.206867912376];
const HART_DEN = [8.83883476483184e-2, 1.75566716318264, 16.064177579207, 86.7807322029461, 296.564248779674, 637.333633378831, 793.826512519948, 440.413735824752];

/** The polynomial with coefficients `c` (highest power first) at `x`, by Horner's rule. */
function horner(c: readonly number[], x: number): number {
  let v = c[0] as number;
  for (let k = 1; k < c.length; k++) v = v * x + (c[k] as number);
  return v;
}

/**
 * Standard normal cumulative distribution function, accurate to about 1e-15
 * (Hart's double-precision algorithm as given by West, 2005).
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) throw new MetricsError('normalCdf', 'not-finite', 'x is NaN');
  const ax = Math.abs(x);
  let c: number;
  if (ax > 37) {
    c = 0;
  } else {
    const e = Math.exp((-ax * ax) / 2);
    if (ax < 7.07106781186547) {
      const num = horner(HART_NUM, ax);
      const den = horner(HART_DEN, ax);
      c = (e * num) / den;
    } else {
      let b = ax + 0.65;
      b = ax + 4 / b;
      b = ax + 3 / b;
      b = ax + 2 / b;
      b = ax + 1 / b;
      c = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - c : c;
}

/** Upper tail `1 - normalCdf(x)` without cancellation for large x. */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/**
 * Standard normal quantile (inverse CDF): Acklam's rational approximation
 * refined by one Halley step, accurate to about 1e-15.
 * `p = 0` gives `-Infinity`, `p = 1` gives `+Infinity`.
 * @throws {@link MetricsError} when p is outside [0, 1] or NaN
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new MetricsError('normalQuantile', 'invalid-argument', `p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = A as [number, number, number, number, number, number];
  const b = B as [number, number, number, number, number];
  const c = C as [number, number, number, number, number, number];
  const d = D as [number, number, number, number];
  const plow = 0.02425;
  let x: number;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley refinement step (normalCdf underflows beyond |x| = 37; Acklam alone is good to 1e-9 there).
  if (Math.abs(x) > 37) return x;
  const e = (p < 0.5 ? normalCdf(x) - p : -(normalSf(x) - (1 - p)));
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * Quantile of a sample with linear interpolation between order statistics
 * (numpy's default `method='linear'`). `sorted` must be ascending.
 * @internal
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new MetricsError('quantile', 'empty', 'no values');
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}
