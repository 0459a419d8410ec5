/**
 * Error raised by this package: the addon is missing or failed to load, or a
 * native kernel rejected its arguments.
 */
export class OneDnnError extends Error {
  /** Short machine-readable reason, e.g. `addon-missing`, `addon-load`, `kernel`. */
  readonly reason: string;

  /**
   * @param reason - machine-readable reason code
   * @param message - human-readable explanation (one line)
   */
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'OneDnnError';
    this.reason = reason;
  }
}
