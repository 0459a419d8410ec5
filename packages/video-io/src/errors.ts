import { ByolMed3dError } from '@byolmed3d/util';

/** Formats `readVideo` understands. */
export type VideoFormat = 'npy' | 'npz' | 'nifti' | 'dicom' | 'video' | 'unknown';

/**
 * The one error class of the video-io package: names the file, the format it
 * was read as and what is wrong with it. A `ByolMed3dError` (`@byolmed3d/util`) whose
 * `where` is the file.
 */
export class VideoReadError extends ByolMed3dError {
  /** Always `'VideoReadError'`. */
  override readonly name = 'VideoReadError';
  /** Path (or a label for in-memory bytes) of the offending input (the same as `where`). */
  readonly file: string;
  /** Format the input was parsed as. */
  readonly format: VideoFormat;

  /**
   * @param file - path (or a label for in-memory bytes) of the offending input
   * @param format - the format it was parsed as
   * @param reason - what is wrong, without the file and format prefix
   * @param options - `cause`: the underlying error
   */
  constructor(file: string, format: VideoFormat, reason: string, options?: { cause?: unknown }) {
    super(file, reason, `${format}: ${reason}`, options);
    this.file = file;
    this.format = format;
  }
}
