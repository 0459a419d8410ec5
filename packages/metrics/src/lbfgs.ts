/**
 * Limited-memory BFGS with a backtracking (Armijo) line search, for the
 * smooth convex objectives of this package (logistic regression).
 * @internal
 */

/** Objective: returns f(x) and writes the gradient into `g`. @internal */
export type Objective = (x: Float64Array, g: Float64Array) => number;

/** Result of {@link lbfgs}. @internal */
export interface LbfgsResult {
  /** Minimiser. */
  x: Float64Array;
  /** Objective at the minimiser. */
  f: number;
  /** Iterations taken. */
  iterations: number;
  /** Whether the gradient test was met. */
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/**
 * Minimises `fg` from `x0`. Stops when the largest gradient component is
 * below `gtol` or after `maxIter` iterations. @internal
 */
export function lbfgs(fg: Objective, x0: Float64Array, { maxIter = 1000, gtol = 1e-10, memory = 10 } = {}): LbfgsResult {
  const n = x0.length;
  const x = x0.slice();
  const g = new Float64Array(n);
  let f = fg(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const xn = new Float64Array(n);
  const gn = new Float64Array(n);
  const alphaBuf = new Float64Array(memory);
  let it = 0;
  let converged = maxAbs(g) <= gtol;
  while (!converged && it < maxIter) {
    it++;
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = (rho[j] as number) * dot(S[j] as Float64Array, d);
      alphaBuf[j] = a;
      const yj = Y[j] as Float64Array;
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) - a * (yj[i] as number);
    }
    if (k > 0) {
      const yl = Y[k - 1] as Float64Array;
      const gamma = dot(S[k - 1] as Float64Array, yl) / dot(yl, yl);
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * gamma;
    } else {
      const gm = Math.sqrt(dot(g, g));
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) / Math.max(1, gm);
    }
    for (let j = 0; j < k; j++) {
      const b = (rho[j] as number) * dot(Y[j] as Float64Array, d);
      const sj = S[j] as Float64Array;
      const a = alphaBuf[j] as number;
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) + (a - b) * (sj[i] as number);
    }
    let gd = dot(g, d);
    if (!(gd < 0)) {
      // Not a descent direction: restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
      gd = dot(g, d);
    }
    let step = 1;
    let fn = Infinity;
    let ok = false;
    for (let ls = 0; ls < 60; ls++) {
      for (let i = 0; i < n; i++) xn[i] = (x[i] as number) + step * (d[i] as number);
      fn = fg(xn, gn);
      if (fn <= f + 1e-4 * step * gd) {
        ok = true;
        break;
      }
      step *= 0.5;
    }
    if (!ok) break; // No further decrease is representable: at the optimum to machine precision.
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = (xn[i] as number) - (x[i] as number);
      y[i] = (gn[i] as number) - (g[i] as number);
    }
    const sy = dot(s, y);
    x.set(xn);
    g.set(gn);
    const fPrev = f;
    f = fn;
    if (sy > 1e-16 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    converged = maxAbs(g) <= gtol;
    if (!converged && fPrev - f <= 1e-16 * Math.max(1, Math.abs(f)) && maxAbs(s) <= 1e-14 * Math.max(1, maxAbs(x))) break;
  }
  return { x, f, iterations: it, converged: converged || maxAbs(g) <= Math.sqrt(gtol) };
}
