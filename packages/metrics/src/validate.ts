import { MetricsError } from './errors.js';

/** Binary labels: 0/1 numbers (or booleans) in any array-like container. */
export type BinaryLabels = ArrayLike<number | boolean>;

/** Scores, probabilities or logits: any array-like of numbers. */
export type Scores = ArrayLike<number>;

/** Validated binary input. @internal */
export interface BinaryInput {
  /** Labels as 0/1 bytes. */
  y: Uint8Array;
  /** Scores as float64. */
  s: Float64Array;
  /** Number of positives. */
  nPos: number;
  /** Number of negatives. */
  nNeg: number;
}

/** Converts and checks 0/1 labels. @internal */
export function toLabels(fn: string, labels: BinaryLabels, name = 'labels'): Uint8Array {
  const n = labels.length;
  if (n === 0) throw new MetricsError(fn, 'empty', `${name} is empty`);
  if (labels instanceof Uint8Array) {
    // Fast path: already bytes, only check the values.
    for (let i = 0; i < n; i++) {
      if ((labels[i] as number) > 1) throw new MetricsError(fn, 'invalid-label', `${name}[${i}] is ${labels[i]}; binary labels must be 0 or 1`);
    }
    return labels;
  }
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (v === 1 || v === true) y[i] = 1;
    else if (v === 0 || v === false) y[i] = 0;
    else throw new MetricsError(fn, 'invalid-label', `${name}[${i}] is ${String(v)}; binary labels must be 0 or 1`);
  }
  return y;
}

/**
 * Converts scores to float64 and rejects anything that is not a finite number
 * (NaN, +-Infinity, and `null`/`undefined`/strings, which `Float64Array.from`
 * would silently turn into 0 or NaN), like scikit-learn's "Input contains NaN
 * / infinity". @internal
 */
export function toScores(fn: string, scores: Scores, name = 'scores'): Float64Array {
  const n = scores.length;
  if (n === 0) throw new MetricsError(fn, 'empty', `${name} is empty`);
  if (!ArrayBuffer.isView(scores)) {
    for (let i = 0; i < n; i++) {
      const v: unknown = scores[i];
      if (typeof v !== 'number') throw new MetricsError(fn, 'not-finite', `${name}[${i}] is ${v === null ? 'null' : typeof v}, not a number (a NaN or Infinity score written to JSON reads back as null)`);
    }
  }
  const s = scores instanceof Float64Array ? scores : Float64Array.from(scores);
  for (let i = 0; i < n; i++) {
    const v = s[i] as number;
    if (!Number.isFinite(v)) throw new MetricsError(fn, 'not-finite', `${name}[${i}] is ${v}; scores must be finite (input contains ${v !== v ? 'NaN' : 'infinity'})`);
  }
  return s;
}

/** Checks two lengths match. @internal */
export function checkSameLength(fn: string, a: number, b: number, what = 'labels and scores'): void {
  if (a !== b) throw new MetricsError(fn, 'length-mismatch', `${what} differ in length (${a} vs ${b})`);
}

/** Validates a binary problem; by default both classes must be present. @internal */
export function binaryInput(fn: string, labels: BinaryLabels, scores: Scores, bothClasses = true): BinaryInput {
  checkSameLength(fn, labels.length, scores.length);
  const y = toLabels(fn, labels);
  const s = toScores(fn, scores);
  let nPos = 0;
  for (let i = 0; i < y.length; i++) nPos += y[i] as number;
  const nNeg = y.length - nPos;
  if (bothClasses && (nPos === 0 || nNeg === 0)) {
    throw new MetricsError(fn, 'one-class', `needs both classes, got ${nPos} positives and ${nNeg} negatives`);
  }
  return { y, s, nPos, nNeg };
}

/** Checks a number option. @internal */
export function checkNumber(fn: string, name: string, v: number, min: number, max: number, integer = false): void {
  if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
    throw new MetricsError(fn, 'invalid-argument', `${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(v)}`);
  }
}
