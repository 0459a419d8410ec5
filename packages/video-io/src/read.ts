import { VideoReadError, type VideoFormat } from './errors.js';
import { gunzip, inflateHead, isGzip, startsWith } from './bytes.js';
import { detectFormat } from './detect.js';
import { decodeNpy, decodeNpz, NPY_MAGIC, npyDeclaredBytes } from './npy.js';
import { decodeNifti, isNifti, niftiDeclaredBytes } from './nifti.js';
import { decodeDicomFile, decodeDicomSeries, type SeriesEntry } from './dicom/read.js';
import { isDicom } from './dicom/dataset.js';
import { DEFAULT_MAX_BYTES, type ReadVideoOptions } from './options.js';
import { checkVolume, type VolumeCheckOptions } from './check.js';
import { loadFs, readFileBytes, readFileHead } from './node.js';
import type { MedicalVideo } from './types.js';

/**
 * Reads a medical video or volume into a {@link MedicalVideo} `[T, H, W, C]`.
 *
 * `source` is
 * - bytes (`Uint8Array`): any format but video files is decoded in memory
 *   (works in browsers); video bytes go through a temporary file and ffmpeg;
 * - a file path (Node): `.npy`, `.npz`, `.nii`, `.nii.gz`, DICOM, or a video
 *   file for the system `ffmpeg`. The format is detected from the content
 *   (magic bytes; gzip is unwrapped first), the name only breaks ties for videos;
 * - a directory path (Node): the DICOM files in it form a series;
 * - an array of paths (Node): DICOM files forming a series.
 *
 * Everything wrong with the input (truncated, corrupt, unsupported, too big,
 * missing ffmpeg) raises a {@link VideoReadError} naming the file, the format
 * and the problem.
 *
 * @example
 * ```ts
 * const v = await readVideo('exam/0000.npy');
 * v.shape; // [slices, 256, 256, 1]
 * const brain = await readVideo('series/');  // DICOM folder, sorted by position
 * ```
 */
export async function readVideo(source: string | string[] | Uint8Array, options: ReadVideoOptions = {}): Promise<MedicalVideo> {
  const v = await readAny(source, options);
  const label = source instanceof Uint8Array ? (options.name ?? '<bytes>') : Array.isArray(source) ? `${source.length} files` : source;
  const check: VolumeCheckOptions = {};
  if (options.requireFinite !== undefined) check.requireFinite = options.requireFinite;
  if (options.minShape !== undefined) check.minShape = options.minShape;
  checkVolume(v, label, check);
  return v;
}

/**
 * Refuses `file` when its real path (symlinks resolved) is outside the real
 * path of `root`. The message names the file and the root, never contents.
 */
async function assertInside(root: string | undefined, file: string): Promise<void> {
  if (root === undefined) return;
  const fs = await loadFs();
  const path = await import('node:path');
  let realRoot: string;
  let real: string;
  try {
    realRoot = await fs.realpath(root);
  } catch (e) {
    throw new VideoReadError(file, 'unknown', `cannot resolve the dataset root ${root}: ${(e as Error).message}`, { cause: e });
  }
  try {
    real = await fs.realpath(file);
  } catch (e) {
    throw new VideoReadError(file, 'unknown', `cannot open: ${(e as Error).message}`, { cause: e });
  }
  const r = path.relative(realRoot, real);
  if (r === '' || r.startsWith('..') || path.isAbsolute(r)) {
    throw new VideoReadError(file, 'unknown', `resolves (through a symbolic link) to ${real}, outside the dataset root ${realRoot}; refused`);
  }
}

async function readAny(source: string | string[] | Uint8Array, options: ReadVideoOptions): Promise<MedicalVideo> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (source instanceof Uint8Array) return decodeBytes(source, options.name ?? '<bytes>', options, maxBytes);
  if (Array.isArray(source)) {
    for (const f of source) await assertInside(options.root, f);
    return readSeriesFiles(source, `${source.length} files`, options, maxBytes);
  }
  await assertInside(options.root, source);
  const fs = await loadFs();
  let st: Awaited<ReturnType<typeof fs.stat>>;
  try {
    st = await fs.stat(source);
  } catch (e) {
    throw new VideoReadError(source, 'unknown', `cannot open: ${(e as Error).message}`, { cause: e });
  }
  if (st.isDirectory()) {
    const path = await import('node:path');
    const names = (await fs.readdir(source)).sort();
    const files: string[] = [];
    for (const n of names) {
      const p = path.join(source, n);
      const s = await fs.stat(p);
      if (!s.isFile()) continue;
      await assertInside(options.root, p);
      if (isDicom(await readFileHead(p, 512))) files.push(p);
    }
    if (files.length === 0) throw new VideoReadError(source, 'dicom', 'directory holds no DICOM files');
    return readSeriesFiles(files, source, options, maxBytes);
  }
  if (!st.isFile()) throw new VideoReadError(source, 'unknown', 'not a regular file');
  // Known volume endings skip the peek; anything else is peeked at so that videos go to ffmpeg unread.
  if (!/\.(npy|npz|nii|nii\.gz|dcm|hdr|hdr\.gz)$/i.test(source)) {
    const head = await readFileHead(source, 1024);
    if (!isGzip(head) && detectFormat(head, source) === 'video') return readVideoPath(source, options, maxBytes);
  }
  if (st.size > maxBytes) throw new VideoReadError(source, 'unknown', `file of ${st.size} bytes exceeds maxBytes=${maxBytes}`);
  if (/\.hdr(\.gz)?$/i.test(source)) return readNiftiPair(source, options, maxBytes);
  let bytes: Uint8Array;
  try {
    bytes = await readFileBytes(source);
  } catch (e) {
    throw new VideoReadError(source, 'unknown', `cannot read: ${(e as Error).message}`, { cause: e });
  }
  return decodeBytes(bytes, source, options, maxBytes);
}

/** A NIfTI `.hdr` + `.img` pair (either may be gzipped). */
async function readNiftiPair(hdrPath: string, options: ReadVideoOptions, maxBytes: number): Promise<MedicalVideo> {
  const fs = await loadFs();
  let hdr = await readFileBytes(hdrPath);
  if (isGzip(hdr)) hdr = await gunzip(hdr, maxBytes, hdrPath, 'nifti');
  const base = hdrPath.replace(/\.hdr(\.gz)?$/i, '');
  const candidates = [`${base}.img`, `${base}.img.gz`, `${base}.IMG`];
  let imgPath: string | undefined;
  for (const c of candidates) {
    try {
      if ((await fs.stat(c)).isFile()) {
        imgPath = c;
        break;
      }
    } catch {
      // try the next name
    }
  }
  if (!imgPath) throw new VideoReadError(hdrPath, 'nifti', `no image file beside the header (looked for ${candidates.join(', ')})`);
  await assertInside(options.root, imgPath);
  if ((await fs.stat(imgPath)).size > maxBytes) throw new VideoReadError(imgPath, 'nifti', `image file exceeds maxBytes=${maxBytes}`);
  let img = await readFileBytes(imgPath);
  if (isGzip(img)) {
    const need = niftiDeclaredBytes(hdr, hdrPath);
    if (need > maxBytes) throw new VideoReadError(imgPath, 'nifti', `the header declares ${need} bytes, more than maxBytes=${maxBytes}; not inflated`);
    img = await gunzip(img, need, imgPath, 'nifti', true);
  }
  try {
    const v = decodeNifti(hdr, hdrPath, maxBytes, niftiOptions(options), img);
    v.meta.imageFile = imgPath;
    return v;
  } catch (e) {
    if (e instanceof VideoReadError) throw e;
    throw new VideoReadError(hdrPath, 'nifti', `cannot decode: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}

function niftiOptions(options: ReadVideoOptions): Parameters<typeof decodeNifti>[3] {
  const o: Parameters<typeof decodeNifti>[3] = {};
  if (options.frameAxis !== undefined) o.frameAxis = options.frameAxis;
  if (options.volume !== undefined) o.volume = options.volume;
  if (options.applyScaling !== undefined) o.applyScaling = options.applyScaling;
  return o;
}

async function readVideoPath(path: string, options: ReadVideoOptions, maxBytes: number): Promise<MedicalVideo> {
  const { readVideoFile } = await import('./ffmpeg.js');
  const o: Parameters<typeof readVideoFile>[1] = { maxBytes };
  if (options.ffmpegPath !== undefined) o.ffmpegPath = options.ffmpegPath;
  if (options.ffprobePath !== undefined) o.ffprobePath = options.ffprobePath;
  if (options.pixelFormat !== undefined) o.pixelFormat = options.pixelFormat;
  if (options.maxFrames !== undefined) o.maxFrames = options.maxFrames;
  if (options.timeoutMs !== undefined) o.timeoutMs = options.timeoutMs;
  return readVideoFile(path, o);
}

async function readSeriesFiles(files: string[], label: string, options: ReadVideoOptions, maxBytes: number): Promise<MedicalVideo> {
  const fs = await loadFs();
  const entries: SeriesEntry[] = [];
  let total = 0;
  for (const f of files) {
    let size: number;
    try {
      size = (await fs.stat(f)).size;
    } catch (e) {
      throw new VideoReadError(f, 'dicom', `cannot open: ${(e as Error).message}`, { cause: e });
    }
    total += size;
    if (total > maxBytes) throw new VideoReadError(label, 'dicom', `series files exceed maxBytes=${maxBytes}`);
    entries.push({ file: f, bytes: await readFileBytes(f) });
  }
  return decodeDicomSeries(entries, label, dicomOptions(options, maxBytes));
}

function dicomOptions(options: ReadVideoOptions, maxBytes: number): Parameters<typeof decodeDicomFile>[2] {
  const o: Parameters<typeof decodeDicomFile>[2] = { maxBytes };
  if (options.applyRescale !== undefined) o.applyRescale = options.applyRescale;
  if (options.seriesUid !== undefined) o.seriesUid = options.seriesUid;
  return o;
}

/** Bytes inflated first from a gzip stream to read the NumPy or NIfTI header inside. */
const GZ_HEAD_BYTES = 1 << 16;

/** Decodes in-memory bytes of any supported format. */
async function decodeBytes(input: Uint8Array, file: string, options: ReadVideoOptions, maxBytes: number): Promise<MedicalVideo> {
  let bytes = input;
  let gz = false;
  if (isGzip(bytes)) {
    // Read the header first: refuse (and later bound) by the size it declares, before inflating.
    const head = inflateHead(bytes, GZ_HEAD_BYTES);
    const kind: VideoFormat = startsWith(head, NPY_MAGIC) ? 'npy' : isNifti(head) ? 'nifti' : /\.nii\.gz$/i.test(file) ? 'nifti' : 'unknown';
    const declared = kind === 'npy' ? npyDeclaredBytes(head, file) : kind === 'nifti' && head.length >= 348 ? niftiDeclaredBytes(head, file) : undefined;
    if (declared !== undefined && declared > maxBytes) {
      throw new VideoReadError(file, kind, `the header declares ${declared} bytes, more than maxBytes=${maxBytes}; not inflated`);
    }
    bytes = await gunzip(bytes, declared ?? maxBytes, file, kind, declared !== undefined);
    gz = true;
  }
  const format: VideoFormat = detectFormat(bytes, gz ? file.replace(/\.gz$/i, '') : file);
  let v: MedicalVideo;
  try {
    switch (format) {
      case 'npy':
        v = decodeNpy(bytes, file, maxBytes);
        break;
      case 'npz':
        v = decodeNpz(bytes, file, maxBytes, options.arrayName);
        break;
      case 'nifti':
        v = decodeNifti(bytes, file, maxBytes, niftiOptions(options));
        break;
      case 'dicom':
        v = await decodeDicomFile(bytes, file, dicomOptions(options, maxBytes));
        break;
      case 'video': {
        if (gz) throw new VideoReadError(file, 'video', 'gzip-compressed video files are not supported');
        const { withTempFile } = await import('./ffmpeg.js');
        const ext = /\.[a-z0-9]+$/i.exec(file)?.[0] ?? '.bin';
        v = await withTempFile(bytes, ext, (p) => readVideoPath(p, options, maxBytes));
        v.meta.source = file;
        break;
      }
      default:
        // Never quote the bytes: the file may be anything (a symlink target, a secret).
        throw new VideoReadError(file, 'unknown', 'unrecognised format: the content is not NumPy (.npy/.npz), NIfTI, DICOM or a video ffmpeg reads');
    }
  } catch (e) {
    if (e instanceof VideoReadError) throw e;
    // Any other failure of a decoder (RangeError of a corrupt header, a third-party decoder's Error) is a read error.
    throw new VideoReadError(file, format, `cannot decode: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  if (gz) v.meta.gzipped = true;
  return v;
}
