/** Weight formats this package reads and writes. */
export type WeightsFormat = 'pth' | 'pickle' | 'safetensors' | 'state-dict';

/**
 * The one error class of the resnet3d package: names the file (or a label for
 * in-memory bytes / a model), the format it was read as and what is wrong.
 */
export class WeightsError extends Error {
  /** Always `'WeightsError'`. */
  override readonly name = 'WeightsError';
  /** Path of the offending file, or a label such as `<bytes>` or the model name. */
  readonly file: string;
  /** Format the input was parsed as. */
  readonly format: WeightsFormat;
  /** What is wrong, without the file and format prefix. */
  readonly reason: string;

  constructor(file: string, format: WeightsFormat, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${format}: ${reason}`, options);
    this.file = file;
    this.format = format;
    this.reason = reason;
  }
}
