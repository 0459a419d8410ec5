/**
 * DICOM video transfer syntaxes (MPEG-2, H.264, HEVC): the encapsulated
 * stream goes to the system ffmpeg through a temporary file. Node only; in a
 * browser the read fails with a {@link VideoReadError}.
 */
import { VideoReadError } from '../errors.js';
import type { VideoTypedArray } from '../types.js';
import type { Fragment } from './dataset.js';
import type { DicomVideoOptions, PixelInfo } from './pixels.js';

function fail(file: string, reason: string): never {
  throw new VideoReadError(file, 'dicom', reason);
}

/**
 * Decodes the video stream of a DICOM file: all fragments after the Basic
 * Offset Table form one stream (PS3.5 8.2.5-8.2.8). The decoded frames must
 * have the header's Rows x Columns; `SamplesPerPixel` 1 decodes to grey, 3 to
 * RGB. At most `NumberOfFrames` frames are kept.
 */
export async function decodeVideoPixels(
  file: string,
  bytes: Uint8Array,
  fragments: Fragment[],
  info: PixelInfo,
  suffix: string,
  options: DicomVideoOptions & { maxBytes: number },
): Promise<{ data: VideoTypedArray; photometric: string }> {
  const frags = fragments.slice(1);
  if (frags.length === 0) fail(file, 'encapsulated video holds no fragments');
  if (info.bitsAllocated !== 8) fail(file, `video transfer syntax with BitsAllocated ${info.bitsAllocated} (8 expected)`);
  let n = 0;
  for (const f of frags) n += f.length;
  if (n > options.maxBytes) fail(file, `video stream of ${n} bytes exceeds maxBytes=${options.maxBytes}`);
  const stream = new Uint8Array(n);
  let o = 0;
  for (const f of frags) {
    stream.set(bytes.subarray(f.offset, f.offset + f.length), o);
    o += f.length;
  }
  const ffmpeg = await import('../ffmpeg.js');
  const pixelFormat = info.samples === 1 ? 'gray' : 'rgb24';
  const v = await ffmpeg.withTempFile(stream, suffix, (p) => {
    const o: Parameters<typeof ffmpeg.readVideoFile>[1] = { maxBytes: options.maxBytes, pixelFormat, maxFrames: info.frames };
    if (options.ffmpegPath !== undefined) o.ffmpegPath = options.ffmpegPath;
    if (options.ffprobePath !== undefined) o.ffprobePath = options.ffprobePath;
    if (options.timeoutMs !== undefined) o.timeoutMs = options.timeoutMs;
    return ffmpeg.readVideoFile(p, o).catch((e: unknown) => {
      // Re-label errors with the DICOM file (the temporary path means nothing to the caller).
      if (e instanceof ffmpeg.MissingProgramError) throw new ffmpeg.MissingProgramError(file, e.program, { cause: e });
      if (e instanceof VideoReadError) throw new VideoReadError(file, 'dicom', `video stream: ${e.reason}`, { cause: e });
      throw e;
    });
  }).catch((e: unknown) => {
    if (e instanceof VideoReadError) throw e;
    // No node:fs (a browser): there is no ffmpeg to hand the stream to.
    throw new VideoReadError(file, 'dicom', `video transfer syntaxes are decoded by the system ffmpeg, which needs Node (${(e as Error)?.message ?? String(e)})`, { cause: e });
  });
  const [frames, h, w, c] = v.shape;
  if (h !== info.rows || w !== info.columns) fail(file, `video stream is ${w}x${h}, header says ${info.columns}x${info.rows}`);
  if (c !== info.samples) fail(file, `video decoded to ${c} samples, header says ${info.samples}`);
  if (frames !== info.frames) fail(file, `video stream holds ${frames} frames, NumberOfFrames says ${info.frames}`);
  return { data: v.data, photometric: info.samples === 1 ? 'MONOCHROME2' : 'RGB' };
}
