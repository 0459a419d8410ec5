import { ByolMed3dFileError } from '@byolmed3d/util';

/** Weight formats this package reads and writes. */
export type WeightsFormat = 'pth' | 'pickle' | 'safetensors' | 'state-dict';

/**
 * The one error class of the resnet3d package: names the file (or a label for
 * in-memory bytes / a model), the format it was read as and what is wrong
 * (message `FILE: FORMAT: REASON`). A `ByolMed3dFileError`
 * (`@byolmed3d/util`), so also a `ByolMed3dError` whose `where` is the file.
 */
export class WeightsError extends ByolMed3dFileError<WeightsFormat> {
  /** Always `'WeightsError'`. */
  override readonly name = 'WeightsError';
}
