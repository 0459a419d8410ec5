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
 * The common base of every byolmed3d package's error class, with the house
 * shape: `where` (the function, or the file), a machine-readable or worded
 * `reason`, and the underlying `cause`. The message is `WHERE: MESSAGE`.
 * Each package throws its own exported subclass (`VideoReadError`,
 * `WeightsError`, `ByolError`, `GradAccumError`, {@link UtilError}, ...);
 * `instanceof ByolMed3dError` catches any of them.
 */
export class ByolMed3dError<R extends string = string> extends Error {
  /** The class name: `'ByolMed3dError'` here, each subclass's own name there. */
  override readonly name: string = 'ByolMed3dError';
  /** What failed: a function, a step such as `BYOL.step`, or the path of a file. */
  readonly where: string;
  /** Why it failed: a reason code, or words (see each subclass). */
  readonly reason: R;

  /**
   * @param where - what failed (the function, or the file)
   * @param reason - why (a code or words)
   * @param message - the detail after `where: ` (default: `reason`)
   * @param options - `cause`: the underlying error
   */
  constructor(where: string, reason: R, message: string = reason, options?: { cause?: unknown }) {
    super(`${where}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.where = where;
    this.reason = reason;
  }
}

/**
 * A {@link ByolMed3dError} about one input file (or a label for in-memory
 * bytes): `where` and `file` are the file, `format` what it was read as;
 * the message is `FILE: FORMAT: REASON`. video-io's `VideoReadError` and
 * resnet3d's `WeightsError` are its subclasses.
 */
export class ByolMed3dFileError<F extends string = string> extends ByolMed3dError {
  /** The class name: `'ByolMed3dFileError'` here, each subclass's own name there. */
  override readonly name: string = 'ByolMed3dFileError';
  /** Path of the offending file, or a label such as `<bytes>` (the same as `where`). */
  readonly file: string;
  /** Format the input was read as. */
  readonly format: F;

  /**
   * @param file - path of the offending file, or a label
   * @param format - the format it was read as
   * @param reason - what is wrong, without the file and format prefix
   * @param options - `cause`: the underlying error
   */
  constructor(file: string, format: F, reason: string, options?: { cause?: unknown }) {
    super(file, reason, `${format}: ${reason}`, options);
    this.file = file;
    this.format = format;
  }
}

/**
 * The one error class of `@byolmed3d/util`, with the house shape: `where`
 * (the function, or the file for file operations), a machine-readable
 * `reason`, and the underlying `cause` (for example the Node `ENOSPC` error).
 *
 * The message starts with `where`, e.g.
 * `runs/r1/step-3.ckpt: could not write the file atomically: ENOSPC: no space left on device, write`.
 */
export class UtilError extends ByolMed3dError<UtilErrorReason> {
  /** Always `'UtilError'`. */
  override readonly name = 'UtilError';
  /** The system error code behind a file error (`'ENOSPC'`, `'EACCES'`, ...), if any. */
  readonly code: string | undefined;

  /**
   * @param where - the function, or the file for file operations
   * @param reason - machine-readable reason
   * @param message - human-readable detail (prefixed with `where: `)
   * @param options - `cause`: the underlying error
   */
  constructor(where: string, reason: UtilErrorReason, message: string, options?: { cause?: unknown }) {
    super(where, reason, message, options);
    const c = options?.cause as { code?: unknown } | undefined;
    this.code = c && typeof c.code === 'string' ? c.code : undefined;
  }
}
