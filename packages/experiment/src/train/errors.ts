import { ByolMed3dError } from '@byolmed3d/util';

/**
 * A training run that cannot go on: the loss or the weights became
 * non-finite (NaN/Inf), or its state cannot be saved. Names where it
 * happened (`where`: the command or phase) and why (`reason`), and the last
 * finite checkpoint when there is one. Not a user mistake: exit code 1.
 * A `ByolMed3dError` of `@byolmed3d/util`.
 */
export class TrainingError extends ByolMed3dError {
  /** Always `'TrainingError'`. */
  override readonly name = 'TrainingError';

  /**
   * @param where the command or phase
   * @param reason what went wrong
   * @param options `cause`
   */
  constructor(where: string, reason: string, options?: { cause?: unknown }) {
    super(where, reason, reason, options);
  }
}
