/** Which axis of a NIfTI volume becomes the frame axis `T`. */
export type NiftiFrameAxis = 'x' | 'y' | 'z' | 't' | 'auto';

/** Pixel format asked of `ffmpeg` for video files. */
export type FfmpegPixelFormat = 'gray' | 'rgb24' | 'gray16le';

import type { VolumeCheckOptions } from './check.js';

/** Options of {@link readVideo}. Every field is optional. */
export interface ReadVideoOptions extends VolumeCheckOptions {
  /**
   * Refuse any file whose real path (symbolic links resolved) lies outside
   * this folder, with a {@link VideoReadError} naming the file. The datasets
   * set it to their root so that a symlink inside a dataset cannot read files
   * outside it. Default: no containment.
   */
  root?: string;
  /**
   * Largest number of decoded bytes any single read may produce (decompressed
   * streams, voxel arrays). Files whose headers claim more are rejected
   * before anything is inflated or allocated: the NumPy and NIfTI headers of
   * a gzip stream or an `.npz` member are read first, and inflation stops at
   * the size they declare. Default `2 ** 31` (2 GiB). Set it per dataset
   * through its `readOptions` (e.g. `{ readOptions: { maxBytes: 2 ** 28 } }`).
   */
  maxBytes?: number;
  /**
   * Label used for in-memory bytes in errors and `meta.source`; for paths the
   * path itself is used. Default `'<bytes>'`.
   */
  name?: string;
  /**
   * NIfTI: the axis that becomes frames. `'auto'` (default) takes `'t'` for a
   * 4D file with a single slice (`nz == 1`, a 2D+time cine), else `'z'`.
   * The two lowest remaining spatial axes become `W` (lower) and `H`
   * (higher); any axes left over (time, components) are folded into `C`.
   */
  frameAxis?: NiftiFrameAxis;
  /** NIfTI: pick a single volume of a 4D file (index along t) before anything else. Default: all volumes. */
  volume?: number;
  /**
   * NIfTI: apply `scl_slope`/`scl_inter` when the slope is non-zero and not
   * the identity (the data becomes `float32`). Default `true`.
   */
  applyScaling?: boolean;
  /** DICOM: apply RescaleSlope/RescaleIntercept when not the identity (data becomes `float32`). Default `true`. */
  applyRescale?: boolean;
  /** DICOM series from a directory: the SeriesInstanceUID to read when the folder holds several. Default: the series with the most files. */
  seriesUid?: string;
  /** npz: name of the array to read (with or without `.npy`). Default: the first array in the archive. */
  arrayName?: string;
  /** Video files: path of the ffmpeg program. Default `'ffmpeg'` (from `PATH`). */
  ffmpegPath?: string;
  /** Video files: path of the ffprobe program. Default: `ffprobe` next to `ffmpegPath`, else from `PATH`. */
  ffprobePath?: string;
  /** Video files: output pixel format. Default `'gray'` (one channel); `'rgb24'` gives three. */
  pixelFormat?: FfmpegPixelFormat;
  /** Video files: read at most this many frames. Default: all. */
  maxFrames?: number;
  /** Video files: kill ffmpeg/ffprobe after this many milliseconds. Default `120000`. */
  timeoutMs?: number;
}

/** Default of {@link ReadVideoOptions.maxBytes}. */
export const DEFAULT_MAX_BYTES = 2 ** 31;
