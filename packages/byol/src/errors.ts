import { ByolMed3dError } from '@byolmed3d/util';

/**
 * Error raised by the byol package for invalid arguments, shape mismatches
 * and checkpoint problems. `context` (also `where`) names what was being done
 * (for example `BYOL.step` or `setWeights`) and `reason` says what went wrong.
 * A `ByolMed3dError` (`@byolmed3d/util`), like every package's error class.
 */
export class ByolError extends ByolMed3dError {
  /** Always `'ByolError'`. */
  override readonly name = 'ByolError';
  /** What was being done, e.g. `BYOL.step` or `setWeights` (the same as `where`). */
  readonly context: string;

  /**
   * @param context - What was being done, e.g. `BYOL.step`.
   * @param reason - Why it failed.
   */
  constructor(context: string, reason: string) {
    super(context, reason);
    this.context = context;
  }
}

/** Throws a {@link ByolError} when `cond` is false (tfjs `util.assert` style). */
export function check(cond: boolean, context: string, reason: () => string): asserts cond {
  if (!cond) throw new ByolError(context, reason());
}
