/** Formats `readVideo` understands. */
export type VideoFormat = 'npy' | 'npz' | 'nifti' | 'dicom' | 'video' | 'unknown';

/**
 * The one error class of the video-io package: names the file, the format it
 * was read as and what is wrong with it.
 */
export class VideoReadError extends Error {
  /** Always `'VideoReadError'`. */
  override readonly name = 'VideoReadError';
  /** Path (or a label for in-memory bytes) of the offending input. */
  readonly file: string;
  /** Format the input was parsed as. */
  readonly format: VideoFormat;
  /** What is wrong, without the file and format prefix. */
  readonly reason: string;

  constructor(file: string, format: VideoFormat, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${format}: ${reason}`, options);
    this.file = file;
    this.format = format;
    this.reason = reason;
  }
}
