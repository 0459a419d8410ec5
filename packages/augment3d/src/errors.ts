/**
 * The one error class of the augment3d package: names the transform and what
 * is wrong with its input or options.
 */
export class AugmentError extends Error {
  /** Always `'AugmentError'`. */
  override readonly name = 'AugmentError';
  /** Name of the transform (or helper) that rejected its input. */
  readonly transform: string;
  /** What is wrong, without the transform prefix. */
  readonly reason: string;

  /**
   * @param transform name of the transform that failed
   * @param reason what is wrong
   */
  constructor(transform: string, reason: string, options?: { cause?: unknown }) {
    super(`${transform}: ${reason}`, options);
    this.transform = transform;
    this.reason = reason;
  }
}

/** Throws an `AugmentError` when `cond` is false (tfjs `util.assert` style, lazy message). */
export function check(cond: boolean, transform: string, reason: () => string): asserts cond {
  if (!cond) throw new AugmentError(transform, reason());
}
