// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types of an untyped dependency must travel with this file when sibling packages compile our sources
/// <reference path="../vendor.d.ts" />
import { VideoReadError } from '../errors.js';
import { DTYPE_SIZE, allocTyped, bytesToTyped } from '../dtype.js';
import type { VideoDType, VideoTypedArray } from '../types.js';
import { TAG, TS, type DicomFile, type Fragment } from './dataset.js';
import { newDecoder, resetCodec, MissingCodecError, type DicomCodecName } from './codecs.js';

/** Pixel module attributes of a DICOM image. */
export interface PixelInfo {
  /** Rows (H). */
  rows: number;
  /** Columns (W). */
  columns: number;
  /** Frames in this file. */
  frames: number;
  /** Samples per pixel (C). */
  samples: number;
  /** Bits allocated per sample. */
  bitsAllocated: number;
  /** Bits stored per sample. */
  bitsStored: number;
  /** 1 when samples are signed. */
  pixelRepresentation: number;
  /** 0 interleaved, 1 planar (colour by plane). */
  planarConfiguration: number;
  /** Photometric interpretation as in the file. */
  photometric: string;
  /** Element type of the decoded pixels. */
  dtype: VideoDType;
}

function fail(file: string, reason: string): never {
  throw new VideoReadError(file, 'dicom', reason);
}

/** Reads the pixel module and checks it for sanity (no allocation yet). */
export function pixelInfo(f: DicomFile): PixelInfo {
  const ds = f.dataset;
  const rows = ds.number(TAG.Rows);
  const columns = ds.number(TAG.Columns);
  if (rows === undefined || columns === undefined) fail(f.file, 'no Rows/Columns: not an image');
  const frames = Math.trunc(ds.number(TAG.NumberOfFrames) ?? 1);
  const samples = ds.number(TAG.SamplesPerPixel) ?? 1;
  const bitsAllocated = ds.number(TAG.BitsAllocated) ?? 16;
  const bitsStored = ds.number(TAG.BitsStored) ?? bitsAllocated;
  const pixelRepresentation = ds.number(TAG.PixelRepresentation) ?? 0;
  const planarConfiguration = ds.number(TAG.PlanarConfiguration) ?? 0;
  const photometric = ds.string(TAG.PhotometricInterpretation) ?? (samples === 3 ? 'RGB' : 'MONOCHROME2');
  if (!(rows > 0 && columns > 0)) fail(f.file, `bad image size ${rows}x${columns}`);
  if (!(frames >= 1)) fail(f.file, `bad NumberOfFrames ${frames}`);
  if (samples !== 1 && samples !== 3 && samples !== 4) fail(f.file, `unsupported SamplesPerPixel ${samples}`);
  let dtype: VideoDType;
  if (ds.has(TAG.FloatPixelData)) dtype = 'float32';
  else if (ds.has(TAG.DoubleFloatPixelData)) dtype = 'float64';
  else {
    switch (bitsAllocated) {
      case 1:
      case 8:
        dtype = pixelRepresentation === 1 && bitsAllocated === 8 ? 'int8' : 'uint8';
        break;
      case 16:
        dtype = pixelRepresentation === 1 ? 'int16' : 'uint16';
        break;
      case 32:
        dtype = pixelRepresentation === 1 ? 'int32' : 'uint32';
        break;
      default:
        fail(f.file, `unsupported BitsAllocated ${bitsAllocated}`);
    }
  }
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) fail(f.file, `BitsStored ${bitsStored} not in 1..${bitsAllocated}`);
  return { rows, columns, frames, samples, bitsAllocated, bitsStored, pixelRepresentation, planarConfiguration, photometric, dtype };
}

/** Sign-extends values stored in fewer bits than allocated (PixelRepresentation 1). */
function signExtend(a: VideoTypedArray, bitsStored: number, bitsAllocated: number): void {
  if (bitsStored >= bitsAllocated) return;
  const shift = 32 - bitsStored;
  const arr = a as Int16Array | Int32Array | Int8Array;
  for (let i = 0; i < arr.length; i++) arr[i] = ((arr[i] as number) << shift) >> shift;
}

/** Converts planar-configuration-1 frames (RRR..GGG..BBB..) to interleaved. */
function planarToInterleaved(a: VideoTypedArray, frames: number, pixels: number, samples: number): VideoTypedArray {
  const out = new (a.constructor as new (n: number) => VideoTypedArray)(a.length);
  const o = out as unknown as number[];
  const s = a as unknown as number[];
  for (let f = 0; f < frames; f++) {
    const base = f * pixels * samples;
    for (let c = 0; c < samples; c++) {
      const pb = base + c * pixels;
      for (let p = 0; p < pixels; p++) o[base + p * samples + c] = s[pb + p] as number;
    }
  }
  return out;
}

/** YCbCr (full range, as in YBR_FULL) to RGB in place, for 8-bit interleaved data. */
export function ybrFullToRgb(a: VideoTypedArray): void {
  const d = a as Uint8Array;
  for (let i = 0; i + 2 < d.length; i += 3) {
    const y = d[i] as number;
    const cb = (d[i + 1] as number) - 128;
    const cr = (d[i + 2] as number) - 128;
    d[i] = Math.min(255, Math.max(0, Math.round(y + 1.402 * cr)));
    d[i + 1] = Math.min(255, Math.max(0, Math.round(y - 0.344136 * cb - 0.714136 * cr)));
    d[i + 2] = Math.min(255, Math.max(0, Math.round(y + 1.772 * cb)));
  }
}

/**
 * Walks the marker segments of a JPEG or JPEG-LS stream (up to the first
 * SOS) and returns the offset of the first marker `isFrame` accepts whose
 * 10-byte frame header fits, or undefined.
 */
function findFrameMarker(b: Uint8Array, isFrame: (marker: number) => boolean): number | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return undefined;
    const m = b[p + 1] as number;
    if (m === 0xff) {
      p++;
      continue;
    }
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      p += 2;
      continue;
    }
    const len = ((b[p + 2] as number) << 8) | (b[p + 3] as number);
    if (isFrame(m)) return p + 10 > b.length ? undefined : p;
    if (m === 0xda || len < 2) return undefined;
    p += 2 + len;
  }
  return undefined;
}

/** The fields of the frame header at `p`: sample precision, lines, samples per line, components. */
function frameFields(b: Uint8Array, p: number): { width: number; height: number; components: number; precision: number } {
  return {
    precision: b[p + 4] as number,
    height: ((b[p + 5] as number) << 8) | (b[p + 6] as number),
    width: ((b[p + 7] as number) << 8) | (b[p + 8] as number),
    components: b[p + 9] as number,
  };
}

/**
 * Finds the frame header (SOFn) of a JPEG stream: `{ width, height,
 * components, precision }`, or undefined when there is none.
 */
export function jpegFrameHeader(b: Uint8Array): { width: number; height: number; components: number; precision: number } | undefined {
  const p = findFrameMarker(b, (m) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc);
  return p === undefined ? undefined : frameFields(b, p);
}

function checkJpegFrame(file: string, c: Uint8Array, i: number, info: PixelInfo): void {
  const h = jpegFrameHeader(c);
  if (!h) fail(file, `JPEG frame ${i} has no frame header`);
  if (h.width !== info.columns || h.height !== info.rows || h.components !== info.samples) {
    fail(file, `JPEG frame ${i} is ${h.width}x${h.height}x${h.components}, header says ${info.columns}x${info.rows}x${info.samples}`);
  }
}

/** Bytes of a fragment list concatenated. */
function joinFragments(bytes: Uint8Array, frags: Fragment[]): Uint8Array {
  if (frags.length === 1) {
    const f = frags[0] as Fragment;
    return bytes.subarray(f.offset, f.offset + f.length);
  }
  let n = 0;
  for (const f of frags) n += f.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const f of frags) {
    out.set(bytes.subarray(f.offset, f.offset + f.length), o);
    o += f.length;
  }
  return out;
}

/**
 * Groups encapsulated fragments into frames (Basic Offset Table,
 * one-per-frame, or the codestream's start marker: `true` or `0xd8` for the
 * JPEG SOI `FF D8`, `0x4f` for the JPEG 2000 SOC `FF 4F`).
 */
export function framesOfFragments(file: string, bytes: Uint8Array, all: Fragment[], frames: number, jpeg: boolean | number): Uint8Array[] {
  const marker = jpeg === true ? 0xd8 : jpeg === false ? -1 : jpeg;
  if (all.length < 1) fail(file, 'encapsulated pixel data without a Basic Offset Table item');
  const bot = all[0] as Fragment;
  const frags = all.slice(1);
  if (frags.length === 0) fail(file, 'encapsulated pixel data holds no fragments');
  if (frames > frags.length) fail(file, `NumberOfFrames ${frames} exceeds the ${frags.length} pixel data fragments`);
  if (frames === 1) return [joinFragments(bytes, frags)];
  if (frags.length === frames) return frags.map((f) => joinFragments(bytes, [f]));
  if (bot.length === frames * 4) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const first = (frags[0] as Fragment).offset - 8;
    const starts: number[] = [];
    for (let i = 0; i < frames; i++) starts.push(first + dv.getUint32(bot.offset + 4 * i, true));
    const groups: Fragment[][] = starts.map(() => []);
    for (const fr of frags) {
      let k = -1;
      for (let i = 0; i < starts.length; i++) if (fr.offset - 8 >= (starts[i] as number)) k = i;
      if (k < 0) fail(file, 'Basic Offset Table does not match the fragments');
      (groups[k] as Fragment[]).push(fr);
    }
    if (groups.some((g) => g.length === 0)) fail(file, 'Basic Offset Table points between fragments');
    return groups.map((g) => joinFragments(bytes, g));
  }
  if (marker >= 0) {
    const groups: Fragment[][] = [];
    for (const fr of frags) {
      const soi = bytes[fr.offset] === 0xff && bytes[fr.offset + 1] === marker;
      if (soi || groups.length === 0) groups.push([fr]);
      else (groups[groups.length - 1] as Fragment[]).push(fr);
    }
    if (groups.length === frames) return groups.map((g) => joinFragments(bytes, g));
  }
  fail(file, `cannot split ${frags.length} fragments into ${frames} frames`);
}

/** Decodes one RLE frame into `out` at element offset `o` (interleaved samples). */
function decodeRleFrame(file: string, src: Uint8Array, info: PixelInfo, out: Uint8Array, outByteOffset: number): void {
  if (src.length < 64) fail(file, `RLE frame of ${src.length} bytes is shorter than its 64-byte header`);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const nseg = dv.getUint32(0, true);
  const bps = info.bitsAllocated / 8;
  if (nseg !== bps * info.samples) fail(file, `RLE header has ${nseg} segments, expected ${bps * info.samples}`);
  const pixels = info.rows * info.columns;
  const stride = bps * info.samples;
  for (let s = 0; s < nseg; s++) {
    const start = dv.getUint32(4 + 4 * s, true);
    const end = s + 1 < nseg ? dv.getUint32(8 + 4 * s, true) : src.length;
    if (start < 64 || start > src.length || end > src.length || end < start) fail(file, `RLE segment ${s} offsets ${start}..${end} out of range`);
    const sample = Math.floor(s / bps);
    const byteInSample = s % bps; // 0 = most significant
    const le = bps - 1 - byteInSample; // little-endian host byte position
    let o = outByteOffset + sample * bps + le;
    let written = 0;
    let p = start;
    while (p < end && written < pixels) {
      const n = src[p++] as number;
      if (n < 128) {
        const count = Math.min(n + 1, pixels - written, end - p);
        for (let i = 0; i < count; i++, o += stride) out[o] = src[p + i] as number;
        p += n + 1;
        written += count;
      } else if (n > 128) {
        const count = Math.min(257 - n, pixels - written);
        const val = src[p++] as number;
        for (let i = 0; i < count; i++, o += stride) out[o] = val;
        written += count;
      }
    }
    if (written < pixels) fail(file, `RLE segment ${s} decodes to ${written} of ${pixels} values`);
  }
}

/** The decoded pixels of a DICOM file: `[frames, rows, columns, samples]` elements. */
export interface DecodedPixels {
  /** Interleaved pixels, frame after frame. */
  data: VideoTypedArray;
  /** Element type. */
  dtype: VideoDType;
  /** Pixel module. */
  info: PixelInfo;
  /** Photometric interpretation of `data` (after any colour conversion). */
  photometric: string;
}

/** Options for the video transfer syntaxes (MPEG-2, H.264, HEVC), decoded by the system ffmpeg. */
export interface DicomVideoOptions {
  /** ffmpeg program. Default `'ffmpeg'`. */
  ffmpegPath?: string;
  /** ffprobe program. Default: beside `ffmpegPath`. */
  ffprobePath?: string;
  /** Kill ffmpeg/ffprobe after this many milliseconds. Default `120000`. */
  timeoutMs?: number;
}

/**
 * Decodes the pixel data of a parsed DICOM file: uncompressed, RLE, JPEG
 * baseline/extended 8-bit, JPEG lossless, and (through optional WebAssembly
 * codecs) JPEG 2000, HTJ2K and JPEG-LS; the video syntaxes (MPEG-2, H.264,
 * HEVC) go to the system ffmpeg.
 */
export async function decodePixels(f: DicomFile, maxBytes: number, video: DicomVideoOptions = {}): Promise<DecodedPixels> {
  const info = pixelInfo(f);
  const ds = f.dataset;
  const el = ds.elements.get(TAG.PixelData) ?? ds.elements.get(TAG.FloatPixelData) ?? ds.elements.get(TAG.DoubleFloatPixelData);
  if (!el) fail(f.file, 'no PixelData element');
  const { rows, columns, frames, samples } = info;
  const pixels = rows * columns;
  const count = pixels * samples * frames;
  const elemBytes = DTYPE_SIZE[info.dtype];
  if (count * elemBytes > maxBytes) fail(f.file, `pixel data of ${count * elemBytes} bytes exceeds maxBytes=${maxBytes}`);
  const ts = f.transferSyntax;
  let data: VideoTypedArray;
  let photometric = info.photometric;
  if (!el.fragments) {
    if (info.bitsAllocated === 1) {
      const needBytes = Math.ceil(count / 8);
      if (el.length < needBytes) fail(f.file, `truncated: PixelData has ${el.length} bytes, ${needBytes} needed`);
      const out = new Uint8Array(count);
      const src = ds.bytes;
      for (let i = 0; i < count; i++) out[i] = ((src[el.offset + (i >> 3)] as number) >> (i & 7)) & 1;
      data = out;
    } else {
      const need = count * elemBytes;
      if (el.length < need) fail(f.file, `truncated: PixelData has ${el.length} bytes, ${rows}x${columns}x${samples}x${frames} frames of ${elemBytes} bytes need ${need}`);
      data = bytesToTyped(ds.bytes.subarray(el.offset, el.offset + need), info.dtype, ds.littleEndian, true);
    }
    if (samples > 1 && info.planarConfiguration === 1) data = planarToInterleaved(data, frames, pixels, samples);
    if (samples === 3 && photometric === 'YBR_FULL' && info.bitsAllocated === 8) {
      ybrFullToRgb(data);
      photometric = 'RGB';
    } else if (samples === 3 && photometric !== 'RGB') {
      fail(f.file, `unsupported uncompressed PhotometricInterpretation ${photometric}`);
    }
  } else if (ts === TS.Rle) {
    if (info.bitsAllocated % 8 !== 0) fail(f.file, `RLE with BitsAllocated ${info.bitsAllocated}`);
    const chunks = framesOfFragments(f.file, ds.bytes, el.fragments, frames, false);
    const frameBytes = pixels * samples * elemBytes;
    // PackBits expands at most 64x (2 bytes -> 128): reject headers claiming more before allocating.
    chunks.forEach((c, i) => {
      if (frameBytes > c.length * 64 + 64) fail(f.file, `RLE frame ${i} of ${c.length} bytes cannot hold ${frameBytes} decoded bytes`);
    });
    const out = allocTyped(info.dtype, count);
    const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    chunks.forEach((c, i) => decodeRleFrame(f.file, c, info, outBytes, i * frameBytes));
    data = out;
  } else if (ts === TS.JpegBaseline || ts === TS.JpegExtended) {
    if (info.bitsAllocated !== 8) fail(f.file, `JPEG with BitsAllocated ${info.bitsAllocated} (12-bit extended JPEG) is not supported: ${UNSUPPORTED_WHY[TS.JpegExtended]}`);
    const chunks = framesOfFragments(f.file, ds.bytes, el.fragments, frames, true);
    const jpeg = await import('jpeg-js');
    const decode = (jpeg.decode ?? (jpeg as unknown as { default: typeof jpeg }).default.decode) as typeof jpeg.decode;
    let out: Uint8Array | undefined;
    const frameLen = pixels * samples;
    chunks.forEach((c, i) => {
      let img: { width: number; height: number; data: Uint8Array };
      checkJpegFrame(f.file, c, i, info);
      try {
        img = decode(c, {
          useTArray: true,
          formatAsRGBA: false,
          tolerantDecoding: false,
          maxResolutionInMP: Math.max(1, (pixels * 2) / 1e6),
          maxMemoryUsageInMB: Math.max(64, Math.ceil((pixels * 16) / 2 ** 20)),
        });
      } catch (e) {
        fail(f.file, `JPEG frame ${i}: ${(e as Error).message}`);
      }
      if (img.width !== columns || img.height !== rows) fail(f.file, `JPEG frame ${i} is ${img.width}x${img.height}, header says ${columns}x${rows}`);
      // jpeg-js always returns RGB (grey images replicated into three channels).
      if (img.data.length !== pixels * 3) fail(f.file, `JPEG frame ${i} decoded to ${img.data.length} bytes, expected ${pixels * 3}`);
      // Allocate only after a frame decoded to the claimed size.
      out ??= new Uint8Array(count);
      if (samples === 3) out.set(img.data, i * frameLen);
      else {
        const base = i * frameLen;
        const src = img.data;
        for (let p = 0; p < pixels; p++) out[base + p] = src[3 * p] as number;
      }
    });
    if (!out) fail(f.file, 'no JPEG frames');
    data = out;
    if (samples === 3) photometric = 'RGB';
    if (info.dtype === 'int8') data = new Int8Array(out.buffer);
  } else if (ts === TS.JpegLossless || ts === TS.JpegLosslessSV1) {
    const chunks = framesOfFragments(f.file, ds.bytes, el.fragments, frames, true);
    const { Decoder } = await import('jpeg-lossless-decoder-js');
    let out: VideoTypedArray | undefined;
    let outBytes: Uint8Array = new Uint8Array(0);
    const frameBytes = pixels * samples * elemBytes;
    chunks.forEach((c, i) => {
      let buf: ArrayBuffer;
      checkJpegFrame(f.file, c, i, info);
      try {
        const copy = c.slice();
        buf = new Decoder().decompress(copy.buffer, 0, copy.length);
      } catch (e) {
        fail(f.file, `JPEG lossless frame ${i}: ${(e as Error).message}`);
      }
      if (buf.byteLength < frameBytes) fail(f.file, `JPEG lossless frame ${i} decodes to ${buf.byteLength} bytes, ${frameBytes} expected`);
      if (!out) {
        out = allocTyped(info.dtype, count);
        outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      }
      outBytes.set(new Uint8Array(buf, 0, frameBytes), i * frameBytes);
    });
    if (!out) fail(f.file, 'no JPEG lossless frames');
    data = out;
    if (samples === 3) photometric = 'RGB';
  } else if (WASM_SYNTAXES[ts]) {
    const codec = WASM_SYNTAXES[ts];
    const chunks = framesOfFragments(f.file, ds.bytes, el.fragments, frames, codec === 'charls' ? 0xd8 : 0x4f);
    data = await decodeWasmFrames(f.file, chunks, info, codec, count);
    if (samples === 3) photometric = 'RGB';
  } else if (VIDEO_SYNTAXES[ts]) {
    const { decodeVideoPixels } = await import('./video.js');
    ({ data, photometric } = await decodeVideoPixels(f.file, ds.bytes, el.fragments, info, VIDEO_SYNTAXES[ts], { ...video, maxBytes }));
  } else {
    fail(f.file, `unsupported transfer syntax ${ts}${TS_NAMES[ts] ? ` (${TS_NAMES[ts]})` : ''}${UNSUPPORTED_WHY[ts] ? `: ${UNSUPPORTED_WHY[ts]}` : ''}`);
  }
  if (info.pixelRepresentation === 1 && (info.dtype === 'int16' || info.dtype === 'int32' || info.dtype === 'int8')) {
    signExtend(data, info.bitsStored, info.bitsAllocated);
  }
  return { data, dtype: info.dtype, info, photometric };
}


/** Transfer syntaxes decoded by a WebAssembly codec. */
const WASM_SYNTAXES: Record<string, DicomCodecName> = {
  '1.2.840.10008.1.2.4.80': 'charls',
  '1.2.840.10008.1.2.4.81': 'charls',
  '1.2.840.10008.1.2.4.90': 'openjpeg',
  '1.2.840.10008.1.2.4.91': 'openjpeg',
  '1.2.840.10008.1.2.4.92': 'openjpeg',
  '1.2.840.10008.1.2.4.93': 'openjpeg',
  '1.2.840.10008.1.2.4.201': 'openjph',
  '1.2.840.10008.1.2.4.202': 'openjph',
  '1.2.840.10008.1.2.4.203': 'openjph',
};

/** Video transfer syntaxes, with the file suffix that hints ffmpeg at the stream. */
const VIDEO_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2.4.100': '.mpg',
  '1.2.840.10008.1.2.4.100.1': '.mpg',
  '1.2.840.10008.1.2.4.101': '.mpg',
  '1.2.840.10008.1.2.4.101.1': '.mpg',
  '1.2.840.10008.1.2.4.102': '.h264',
  '1.2.840.10008.1.2.4.102.1': '.h264',
  '1.2.840.10008.1.2.4.103': '.h264',
  '1.2.840.10008.1.2.4.103.1': '.h264',
  '1.2.840.10008.1.2.4.104': '.h264',
  '1.2.840.10008.1.2.4.104.1': '.h264',
  '1.2.840.10008.1.2.4.105': '.h264',
  '1.2.840.10008.1.2.4.105.1': '.h264',
  '1.2.840.10008.1.2.4.106': '.h264',
  '1.2.840.10008.1.2.4.106.1': '.h264',
  '1.2.840.10008.1.2.4.107': '.hevc',
  '1.2.840.10008.1.2.4.108': '.hevc',
};

const TS_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.51': 'JPEG extended 12-bit',
  '1.2.840.10008.1.2.4.94': 'JPIP referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP referenced deflate',
  '1.2.840.10008.1.2.4.204': 'HTJ2K JPIP referenced',
  '1.2.840.10008.1.2.4.205': 'HTJ2K JPIP referenced deflate',
  '1.2.840.10008.1.2.1.98': 'encapsulated uncompressed',
  '1.2.840.10008.1.2.8.1': 'deflated image frame compression',
};

/** Why a syntax stays unsupported. */
const UNSUPPORTED_WHY: Record<string, string> = {
  '1.2.840.10008.1.2.4.51': 'no 12-bit JPEG decoder is published on npm (@cornerstonejs ships only libjpeg-turbo 8-bit); transcode with dcmdjpeg or gdcmconv',
  '1.2.840.10008.1.2.4.94': 'the pixels are not in the file (JPIP server reference)',
  '1.2.840.10008.1.2.4.95': 'the pixels are not in the file (JPIP server reference)',
  '1.2.840.10008.1.2.4.204': 'the pixels are not in the file (JPIP server reference)',
  '1.2.840.10008.1.2.4.205': 'the pixels are not in the file (JPIP server reference)',
};

/** The raw codestream of a JPEG 2000 frame: strips a JP2 file wrapper (signature box ... `jp2c` box) when present. */
export function j2kCodestream(c: Uint8Array): Uint8Array {
  if (c[0] === 0xff && c[1] === 0x4f) return c;
  // JP2 boxes: 4-byte big-endian length, 4-byte type.
  let p = 0;
  while (p + 8 <= c.length) {
    const len = (((c[p] as number) << 24) | ((c[p + 1] as number) << 16) | ((c[p + 2] as number) << 8) | (c[p + 3] as number)) >>> 0;
    const type = String.fromCharCode(c[p + 4] as number, c[p + 5] as number, c[p + 6] as number, c[p + 7] as number);
    if (type === 'jp2c') return c.subarray(p + 8, len === 0 ? c.length : Math.min(c.length, p + len));
    if (len < 8) break;
    p += len;
  }
  return c;
}

/** Image size in a JPEG 2000 / HTJ2K codestream's SIZ marker, or undefined. */
export function j2kSize(c: Uint8Array): { width: number; height: number; components: number } | undefined {
  if (c.length < 42 || c[0] !== 0xff || c[1] !== 0x4f || c[2] !== 0xff || c[3] !== 0x51) return undefined;
  const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
  const xs = dv.getUint32(8);
  const ys = dv.getUint32(12);
  const xo = dv.getUint32(16);
  const yo = dv.getUint32(20);
  return { width: xs - xo, height: ys - yo, components: dv.getUint16(40) };
}

/** Image size in a JPEG-LS frame header (SOF55), or undefined. */
export function jpegLsSize(b: Uint8Array): { width: number; height: number; components: number } | undefined {
  const p = findFrameMarker(b, (m) => m === 0xf7);
  if (p === undefined) return undefined;
  const { width, height, components } = frameFields(b, p);
  return { width, height, components };
}

const CODEC_WHAT: Record<DicomCodecName, string> = { openjpeg: 'JPEG 2000', openjph: 'HTJ2K', charls: 'JPEG-LS' };

function errText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'number') return `codec exception ${e}`;
  return String(e);
}

/**
 * Decodes frames with a WebAssembly codec into `[frames, rows, columns,
 * samples]` elements of `info.dtype`. The codestream's own size is checked
 * against the header before decoding, so a corrupt header never makes the
 * codec allocate more than the header (already checked against maxBytes)
 * claims.
 */
async function decodeWasmFrames(file: string, chunks: Uint8Array[], info: PixelInfo, codec: DicomCodecName, count: number): Promise<VideoTypedArray> {
  const what = CODEC_WHAT[codec];
  const { rows, columns, samples } = info;
  const pixels = rows * columns;
  const frameLen = pixels * samples;
  let out: VideoTypedArray | undefined;
  for (const [i, raw] of chunks.entries()) {
    const c = codec === 'charls' ? raw : j2kCodestream(raw);
    const h = codec === 'charls' ? jpegLsSize(c) : j2kSize(c);
    if (!h) fail(file, `${what} frame ${i} has no ${codec === 'charls' ? 'JPEG-LS frame header (SOF55)' : 'codestream header (SOC + SIZ)'}`);
    if (h.width !== columns || h.height !== rows || h.components !== samples) {
      fail(file, `${what} frame ${i} is ${h.width}x${h.height}x${h.components}, header says ${columns}x${rows}x${samples}`);
    }
    const dec = await newDecoder(codec, file);
    let decoded: Uint8Array;
    let fi: ReturnType<typeof dec.getFrameInfo>;
    let planar = false;
    try {
      dec.getEncodedBuffer(c.length).set(c);
      dec.decode();
      fi = dec.getFrameInfo();
      if (codec === 'charls' && samples > 1) planar = dec.getInterleaveMode?.() === 0;
      decoded = dec.getDecodedBuffer().slice();
    } catch (e) {
      // A WebAssembly trap leaves the instance unusable: start a fresh one next time.
      if (e instanceof WebAssembly.RuntimeError || !(e instanceof Error)) resetCodec(codec);
      if (e instanceof MissingCodecError) throw e;
      fail(file, `${what} frame ${i}: ${errText(e)}`);
    } finally {
      try {
        dec.delete();
      } catch {
        resetCodec(codec);
      }
    }
    if (fi.width === 0 || fi.height === 0 || fi.componentCount === 0) fail(file, `${what} frame ${i} could not be decoded (corrupt or unsupported codestream)`);
    if (fi.width !== columns || fi.height !== rows || fi.componentCount !== samples) {
      fail(file, `${what} frame ${i} decoded to ${fi.width}x${fi.height}x${fi.componentCount}, header says ${columns}x${rows}x${samples}`);
    }
    const bps = fi.bitsPerSample <= 8 ? 1 : fi.bitsPerSample <= 16 ? 2 : 0;
    if (bps === 0) fail(file, `${what} frame ${i} has ${fi.bitsPerSample} bits per sample (at most 16 supported)`);
    if (bps * 8 > info.bitsAllocated) fail(file, `${what} frame ${i} has ${fi.bitsPerSample} bits per sample, more than BitsAllocated ${info.bitsAllocated}`);
    if (decoded.length !== frameLen * bps) fail(file, `${what} frame ${i} decoded to ${decoded.length} bytes, expected ${frameLen * bps}`);
    // Allocate only after a frame decoded to the claimed size.
    out ??= allocTyped(info.dtype, count);
    const o = out as unknown as { [k: number]: number };
    const base = i * frameLen;
    const src = bps === 2 ? new DataView(decoded.buffer, decoded.byteOffset, decoded.byteLength) : undefined;
    // The header's PixelRepresentation decides the sign (the codestream's sign flag is often wrong in the wild).
    for (let k = 0; k < frameLen; k++) {
      const pos = planar ? (k % samples) * pixels + Math.floor(k / samples) : k;
      o[base + k] = src ? src.getUint16(pos * 2, true) : (decoded[pos] as number);
    }
  }
  if (!out) fail(file, `no ${what} frames`);
  return out;
}
