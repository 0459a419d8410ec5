import { ByolMed3dFileError } from '@byolmed3d/util';

/** Formats `readVideo` understands. */
export type VideoFormat = 'npy' | 'npz' | 'nifti' | 'dicom' | 'video' | 'unknown';

/**
 * The one error class of the video-io package: names the file, the format it
 * was read as and what is wrong with it (message `FILE: FORMAT: REASON`). A
 * `ByolMed3dFileError` (`@byolmed3d/util`), so also a `ByolMed3dError` whose
 * `where` is the file.
 */
export class VideoReadError extends ByolMed3dFileError<VideoFormat> {
  /** Always `'VideoReadError'`. */
  override readonly name = 'VideoReadError';
}
