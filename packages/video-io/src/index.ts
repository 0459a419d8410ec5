/**
 * Read medical videos and volumes into `[T, H, W, C]` clips: MRNet `.npy`,
 * `.npz`, NIfTI-1/2, DICOM (single, cine, series), and video files through
 * ffmpeg; and stream datasets with seeded, resumable loaders.
 * @packageDocumentation
 */
export { VideoReadError } from './errors.js';
export type { VideoFormat } from './errors.js';
export type { MedicalVideo, VideoTypedArray, VideoDType, VideoOrientation, Clip } from './types.js';
export type { ReadVideoOptions, NiftiFrameAxis, FfmpegPixelFormat } from './options.js';
export { DEFAULT_MAX_BYTES } from './options.js';
export { readVideo } from './read.js';
export { checkVolume } from './check.js';
export type { VolumeCheckOptions } from './check.js';
export { detectFormat, sniffFormat, VIDEO_EXTENSIONS } from './detect.js';
export type { SniffResult } from './detect.js';
export { decodeNpy, decodeNpz, encodeNpy, listNpz, parseNpyHeader } from './npy.js';
export type { NpyHeader } from './npy.js';
export { decodeNifti, parseNiftiHeader, niftiAffine, isNifti } from './nifti.js';
export type { NiftiHeader, DecodeNiftiOptions, NiftiAffine } from './nifti.js';
export { decodeDicomFile, decodeDicomSeries } from './dicom/read.js';
export type { DicomReadOptions, SeriesEntry } from './dicom/read.js';
export { MissingProgramError, readVideoFile } from './ffmpeg.js';
export type { FfmpegOptions } from './ffmpeg.js';
export { describeVideo, formatDescription, toFloat32Clip, arrayStats } from './describe.js';
export type { VideoDescription, ToClipOptions, ArrayStats } from './describe.js';
export { MRNetDataset } from './data/mrnet.js';
export type { MRNetOptions, MRNetPlane, MRNetTask, MRNetSplit } from './data/mrnet.js';
export { FolderDataset, CsvManifestDataset, DATASET_EXTENSIONS } from './data/folder.js';
export type { FolderDatasetOptions, CsvManifestOptions } from './data/folder.js';
export { FileDatasetBase, resolveInRoot, parseCsv, parseCsvLines, datasetReadDefaults } from './data/dataset.js';
export type { VideoDataset, DatasetItem, DatasetSample, ItemView, CsvRow } from './data/dataset.js';
export { SubsetDataset } from './data/subset.js';
export { VideoLoader } from './data/loader.js';
export type { LoaderOptions, Batch, LoaderState, SkippedItem, CacheStats } from './data/loader.js';
export { epochOrder } from './data/rng.js';
export { ClipCache } from './data/cache.js';
export { DecodePool } from './data/pool.js';
