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
  | 'missing-dependency';

/**
 * The one error class of `@byolmed3d/metrics`: thrown for invalid input
 * (mismatched lengths, an empty array, a single class where both are needed,
 * NaN scores, bad options) instead of returning a silent NaN.
 *
 * The message names the function and the reason, e.g.
 * `rocAuc: labels and scores differ in length (10 vs 9)`.
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
   */
  constructor(fn: string, reason: MetricsErrorReason, message: string) {
    super(`${fn}: ${message}`);
    this.name = 'MetricsError';
    this.fn = fn;
    this.reason = reason;
  }
}
