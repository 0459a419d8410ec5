import type { VideoFormat } from './errors.js';

/**
 * Typed arrays a {@link MedicalVideo} may hold. The element type follows the
 * source: `uint8` files give a `Uint8Array`, `int16` a `Int16Array`, 64-bit
 * integers a `BigInt64Array`/`BigUint64Array`.
 */
export type VideoTypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Element type names of {@link VideoTypedArray}s (NumPy spelling). */
export type VideoDType =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'float32'
  | 'float64'
  | 'int64'
  | 'uint64';

/**
 * Where the voxels sit in patient/scanner space.
 *
 * `affine` maps `(w, h, t)` voxel indices of the returned array (column,
 * row, frame; zero-based) to millimetres in RAS+ (NIfTI convention) for
 * NIfTI, or LPS+ (DICOM patient coordinates) for DICOM; see `space`.
 */
export interface VideoOrientation {
  /** 4x4 row-major affine from `(w, h, t, 1)` voxel indices to world millimetres. */
  affine: number[];
  /** The world space of `affine`: `'RAS'` for NIfTI, `'LPS'` for DICOM. */
  space: 'RAS' | 'LPS';
  /** Where the affine came from: NIfTI `sform`/`qform`/`pixdim`, DICOM `patient` (ImageOrientation/PositionPatient). */
  source: 'sform' | 'qform' | 'pixdim' | 'patient';
  /**
   * Anatomical direction each *source-file* axis points towards (as nibabel's
   * `aff2axcodes`), e.g. `'RAS'` for a NIfTI file's `(i, j, k)` axes, or
   * for DICOM the directions of (column, row, slice).
   */
  axcodes: string;
}

/**
 * A medical video: a stack of 2D frames with channels, `[T, H, W, C]`
 * (frames, rows, columns, channels), in C order (channels fastest).
 */
export interface MedicalVideo {
  /** The voxels, in C order over `shape`, with the source's element type. */
  data: VideoTypedArray;
  /** `[T, H, W, C]`: frames (slices), rows, columns, channels. */
  shape: [number, number, number, number];
  /** Element type of `data` (NumPy spelling), e.g. `'uint8'`, `'int16'`, `'float32'`. */
  dtype: VideoDType;
  /** Voxel spacing in millimetres `[t, h, w]` (frame/slice step, row step, column step) when the file has it. */
  spacing?: [number, number, number];
  /** Time between frames in milliseconds, for cine loops and videos (and 4D NIfTI read along time). */
  frameTime?: number;
  /** Voxel-to-world mapping when the file has it (NIfTI qform/sform, DICOM patient position). */
  orientation?: VideoOrientation;
  /** The format the data was read as. */
  format: VideoFormat;
  /**
   * Source metadata: header fields of the file (NumPy header, NIfTI header
   * fields, selected DICOM attributes by keyword, ffprobe stream info) and
   * `source` (path or label).
   */
  meta: Record<string, unknown>;
}

/** A float clip `[T, H, W, C]` as used by augment3d and the models. */
export interface Clip {
  /** Values in C order over `shape`. */
  data: Float32Array;
  /** `[T, H, W, C]`. */
  shape: [number, number, number, number];
}
