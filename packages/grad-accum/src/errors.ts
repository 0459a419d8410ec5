import { ByolMed3dError } from '@byolmed3d/util';

/**
 * The error thrown by every function of `@byolmed3d/grad-accum`: a bad option,
 * a gradient whose shape does not match its accumulation slot, a checkpoint
 * that does not fit, an optimizer whose learning rate cannot be set. `where`
 * names what failed (e.g. `GradientAccumulator.accumulate`), `reason` why,
 * without the prefix. A `ByolMed3dError` (`@byolmed3d/util`), like every package's error class.
 */
export class GradAccumError extends ByolMed3dError {
  /** Always `'GradAccumError'`. */
  override readonly name = 'GradAccumError';

  /**
   * @param where what failed, e.g. `GradientAccumulator.accumulate`
   * @param reason why it failed
   */
  constructor(where: string, reason: string) {
    super(where, reason);
  }
}

/** Throws a {@link GradAccumError} when `condition` is false (tfjs `util.assert` style). */
export function check(condition: boolean, where: string, reason: () => string): asserts condition {
  if (!condition) throw new GradAccumError(where, reason());
}
