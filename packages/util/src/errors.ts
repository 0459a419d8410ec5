/** Why a `@byolmed3d/util` function refused its input or failed. */
export type UtilErrorReason =
  | 'invalid-seed'
  | 'invalid-argument'
  | 'invalid-state'
  | 'no-space'
  | 'write-failed'
  | 'not-found'
  | 'read-failed'
  | 'invalid-json';

/**
 * The one error class of `@byolmed3d/util`, with the house shape: `where`
 * (the function, or the file for file operations), a machine-readable
 * `reason`, and the underlying `cause` (for example the Node `ENOSPC` error).
 *
 * The message starts with `where`, e.g.
 * `runs/r1/step-3.ckpt: could not write the file atomically: ENOSPC: no space left on device, write`.
 */
export class UtilError extends Error {
  /** Always `'UtilError'`. */
  override readonly name = 'UtilError';
  /** What failed: a function name such as `Random`, or the path of the file. */
  readonly where: string;
  /** Machine-readable reason. */
  readonly reason: UtilErrorReason;
  /** The system error code behind a file error (`'ENOSPC'`, `'EACCES'`, ...), if any. */
  readonly code: string | undefined;

  /**
   * @param where - the function, or the file for file operations
   * @param reason - machine-readable reason
   * @param message - human-readable detail (prefixed with `where: `)
   * @param options - `cause`: the underlying error
   */
  constructor(where: string, reason: UtilErrorReason, message: string, options?: { cause?: unknown }) {
    super(`${where}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.where = where;
    this.reason = reason;
    const c = options?.cause as { code?: unknown } | undefined;
    this.code = c && typeof c.code === 'string' ? c.code : undefined;
  }
}
