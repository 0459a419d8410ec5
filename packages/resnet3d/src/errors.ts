import { ByolMed3dError } from '@byolmed3d/util';

/** Weight formats this package reads and writes. */
export type WeightsFormat = 'pth' | 'pickle' | 'safetensors' | 'state-dict';

/**
 * The one error class of the resnet3d package: names the file (or a label for
 * in-memory bytes / a model), the format it was read as and what is wrong.
 * A `ByolMed3dError` (`@byolmed3d/util`) whose `where` is the file.
 */
export class WeightsError extends ByolMed3dError {
  /** Always `'WeightsError'`. */
  override readonly name = 'WeightsError';
  /** Path of the offending file, or a label such as `<bytes>` or the model name (the same as `where`). */
  readonly file: string;
  /** Format the input was parsed as. */
  readonly format: WeightsFormat;

  /**
   * @param file - path of the offending file, or a label such as `<bytes>` or the model name
   * @param format - the format it was parsed as
   * @param reason - what is wrong, without the file and format prefix
   * @param options - `cause`: the underlying error
   */
  constructor(file: string, format: WeightsFormat, reason: string, options?: { cause?: unknown }) {
    super(file, reason, `${format}: ${reason}`, options);
    this.file = file;
    this.format = format;
  }
}
