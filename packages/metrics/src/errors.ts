/** Why a metrics function rejected its input. */
export type MetricsErrorReason =
  | 'length-mismatch'
  | 'empty'
  | 'one-class'
  | 'not-finite'
  | 'invalid-label'
  | 'invalid-argument'
  | 'shape'
  | 'not-converged'
  | 'missing-dependency'
  | 'write-failed';

/**
 * The one error class of `@byolmed3d/metrics`: thrown for invalid input
 * (mismatched lengths, an empty array, a single class where both are needed,
 * NaN scores, bad options) instead of returning a silent NaN.
 *
 * The message names the function and the reason, e.g.
 * `rocAuc: labels and scores differ in length (10 vs 9)`; a file that
 * cannot be written (`reason` `'write-failed'`) is named too, and the
 * underlying error is the `cause`.
 */
export class MetricsError extends Error {
  /** The function that rejected its input, e.g. `rocAuc`. */
  readonly fn: string;
  /** Machine-readable reason. */
  readonly reason: MetricsErrorReason;

  /**
   * @param fn - the function that rejected its input
   * @param reason - machine-readable reason
   * @param message - human-readable detail (prefixed with `fn: `)
   * @param options - `cause`: the underlying error (a failed write's system error)
   */
  constructor(fn: string, reason: MetricsErrorReason, message: string, options?: { cause?: unknown }) {
    super(`${fn}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MetricsError';
    this.fn = fn;
    this.reason = reason;
  }
}
