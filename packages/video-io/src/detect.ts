import { inflateHead, isGzip, startsWith, ascii } from './bytes.js';
import type { VideoFormat } from './errors.js';
import { NPY_MAGIC } from './npy.js';
import { isNifti } from './nifti.js';
import { isDicom } from './dicom/dataset.js';

/** File name endings read through ffmpeg when the content is not recognised otherwise. */
export const VIDEO_EXTENSIONS = ['.mp4', '.m4v', '.mov', '.avi', '.mkv', '.webm', '.mpg', '.mpeg', '.wmv', '.ogv', '.flv', '.gif', '.ts'];

/** Result of {@link sniffFormat}. */
export interface SniffResult {
  /** The detected format (`'unknown'` when nothing matched). */
  format: VideoFormat;
  /** True when the bytes are gzip-compressed (the format is that of the content). */
  gzipped: boolean;
}

function isVideoMagic(b: Uint8Array): boolean {
  const at4 = ascii(b, 4, 4);
  if (at4 === 'ftyp' || at4 === 'moov' || at4 === 'mdat' || at4 === 'wide' || at4 === 'free') return true;
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && ascii(b, 8, 4) === 'AVI ') return true;
  if (startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return true; // Matroska / WebM
  if (startsWith(b, [0x4f, 0x67, 0x67, 0x53])) return true; // Ogg
  if (startsWith(b, [0x46, 0x4c, 0x56, 0x01])) return true; // FLV
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return true; // GIF
  if (startsWith(b, [0x00, 0x00, 0x01, 0xba]) || startsWith(b, [0x00, 0x00, 0x01, 0xb3])) return true; // MPEG-PS / ES
  if (startsWith(b, [0x30, 0x26, 0xb2, 0x75])) return true; // ASF / WMV
  if (b.length > 188 && b[0] === 0x47 && b[188] === 0x47) return true; // MPEG-TS
  return false;
}

/** Detects the format of (uncompressed) bytes from magic numbers, then from the name's extension. */
export function detectFormat(b: Uint8Array, name = ''): VideoFormat {
  if (startsWith(b, NPY_MAGIC)) return 'npy';
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return 'npz';
  if (isNifti(b)) return 'nifti';
  if (isDicom(b)) return 'dicom';
  if (isVideoMagic(b)) return 'video';
  const lower = name.toLowerCase();
  if (VIDEO_EXTENSIONS.some((e) => lower.endsWith(e))) return 'video';
  return 'unknown';
}

/**
 * Detects the format of possibly gzip-compressed bytes; for gzip only the
 * first few kilobytes are inflated to look at the content.
 */
export function sniffFormat(b: Uint8Array, name = ''): SniffResult {
  if (!isGzip(b)) return { format: detectFormat(b, name), gzipped: false };
  const head = inflateHead(b, 1024);
  return { format: detectFormat(head, name.replace(/\.gz$/i, '')), gzipped: true };
}
