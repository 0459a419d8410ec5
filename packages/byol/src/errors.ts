/**
 * Error raised by the byol package for invalid arguments, shape mismatches
 * and checkpoint problems. `context` names what was being done (for example
 * `BYOL.step` or `setWeights`) and `reason` says what went wrong.
 */
export class ByolError extends Error {
  /** What was being done, e.g. `BYOL.step` or `setWeights`. */
  readonly context: string;
  /** Why it failed, in words. */
  readonly reason: string;

  /**
   * @param context - What was being done, e.g. `BYOL.step`.
   * @param reason - Why it failed.
   */
  constructor(context: string, reason: string) {
    super(`${context}: ${reason}`);
    this.name = 'ByolError';
    this.context = context;
    this.reason = reason;
  }
}

/** Throws a {@link ByolError} when `cond` is false (tfjs `util.assert` style). */
export function check(cond: boolean, context: string, reason: () => string): asserts cond {
  if (!cond) throw new ByolError(context, reason());
}
