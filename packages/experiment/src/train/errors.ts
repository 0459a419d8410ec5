/**
 * A training run that cannot go on: the loss or the weights became
 * non-finite (NaN/Inf), or its state cannot be saved. Names where it
 * happened (`where`: the command or phase) and why (`reason`), and the last
 * finite checkpoint when there is one. Not a user mistake: exit code 1.
 */
export class TrainingError extends Error {
  /** Always `'TrainingError'`. */
  override readonly name = 'TrainingError';
  /** The command or phase (`pretrain`, `finetune`, ...). */
  readonly where: string;
  /** What went wrong. */
  readonly reason: string;

  /**
   * @param where the command or phase
   * @param reason what went wrong
   * @param options `cause`
   */
  constructor(where: string, reason: string, options?: { cause?: unknown }) {
    super(`${where}: ${reason}`, options);
    this.where = where;
    this.reason = reason;
  }
}
