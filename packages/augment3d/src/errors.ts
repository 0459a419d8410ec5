import { ByolMed3dError } from '@byolmed3d/util';

/**
 * The one error class of the augment3d package: names the transform and what
 * is wrong with its input or options. A `ByolMed3dError` (from
 * `@byolmed3d/util`) whose `where` is the transform.
 */
export class AugmentError extends ByolMed3dError {
  /** Always `'AugmentError'`. */
  override readonly name = 'AugmentError';
  /** Name of the transform (or helper) that rejected its input (the same as `where`). */
  readonly transform: string;

  /**
   * @param transform name of the transform that failed
   * @param reason what is wrong
   */
  constructor(transform: string, reason: string, options?: { cause?: unknown }) {
    super(transform, reason, reason, options);
    this.transform = transform;
  }
}

/** Throws an `AugmentError` when `cond` is false (tfjs `util.assert` style, lazy message). */
export function check(cond: boolean, transform: string, reason: () => string): asserts cond {
  if (!cond) throw new AugmentError(transform, reason());
}
