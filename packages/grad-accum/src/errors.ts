/**
 * The error thrown by every function of `@byolmed3d/grad-accum`: a bad option,
 * a gradient whose shape does not match its accumulation slot, a checkpoint
 * that does not fit, an optimizer whose learning rate cannot be set.
 */
export class GradAccumError extends Error {
  /** What failed, e.g. `accumulate`, `setWeights`, `LARS`. */
  readonly where: string;
  /** Why it failed, without the `where` prefix. */
  readonly reason: string;

  /**
   * @param where what failed, e.g. `GradientAccumulator.accumulate`
   * @param reason why it failed
   */
  constructor(where: string, reason: string) {
    super(`${where}: ${reason}`);
    this.name = 'GradAccumError';
    this.where = where;
    this.reason = reason;
  }
}

/** Throws a {@link GradAccumError} when `condition` is false (tfjs `util.assert` style). */
export function check(condition: boolean, where: string, reason: () => string): asserts condition {
  if (!condition) throw new GradAccumError(where, reason());
}
