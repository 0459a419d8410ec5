import { Gunzip, Inflate, unzipSync } from 'fflate';
import { VideoReadError, type VideoFormat } from './errors.js';

/** Reads an ASCII string of `len` bytes at `off`, stopping at the first NUL. */
export function ascii(bytes: Uint8Array, off: number, len: number): string {
  let s = '';
  const end = Math.min(bytes.length, off + len);
  for (let i = off; i < end; i++) {
    const c = bytes[i] as number;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** True when `bytes` holds `sig` at `off`. */
export function startsWith(bytes: Uint8Array, sig: ArrayLike<number>, off = 0): boolean {
  if (bytes.length < off + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[off + i] !== sig[i]) return false;
  return true;
}

/** A DataView over exactly the bytes of `b`. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** True on little-endian hosts (every platform Node and browsers run on in practice). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of every `size`-byte element of `b` in place. */
export function swapBytes(b: Uint8Array, size: number): void {
  if (size <= 1) return;
  for (let i = 0; i + size <= b.length; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) {
      const t = b[a] as number;
      b[a] = b[z] as number;
      b[z] = t;
    }
  }
}

/** Gzip magic. */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && (chunks[0] as Uint8Array).length === total) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const SLICE = 1 << 18;

/**
 * Gunzips `bytes` with a hard cap on the output size, feeding the stream in
 * slices so that no more than `maxBytes` (plus one slice's worth) is ever
 * held. Truncated or corrupt streams raise a {@link VideoReadError}.
 */
export function gunzipBounded(bytes: Uint8Array, maxBytes: number, file: string, format: VideoFormat): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const g = new Gunzip((chunk, final) => {
    total += chunk.length;
    if (total > maxBytes) throw new VideoReadError(file, format, `gzip stream inflates to more than maxBytes=${maxBytes} bytes`);
    if (chunk.length > 0) chunks.push(chunk);
    if (final) done = true;
  });
  try {
    for (let o = 0; o < bytes.length && !done; o += SLICE) {
      const end = Math.min(bytes.length, o + SLICE);
      g.push(bytes.subarray(o, end), end >= bytes.length);
    }
  } catch (e) {
    if (e instanceof VideoReadError) throw e;
    throw new VideoReadError(file, format, `corrupt gzip stream: ${(e as Error).message}`, { cause: e });
  }
  if (!done) throw new VideoReadError(file, format, 'truncated gzip stream');
  return concat(chunks, total);
}

/**
 * Inflates a raw deflate stream (no header), bounded like {@link gunzipBounded}.
 * Used for deflated DICOM datasets.
 */
export function inflateRawBounded(bytes: Uint8Array, maxBytes: number, file: string, format: VideoFormat): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const inf = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > maxBytes) throw new VideoReadError(file, format, `deflate stream inflates to more than maxBytes=${maxBytes} bytes`);
    if (chunk.length > 0) chunks.push(chunk);
    if (final) done = true;
  });
  try {
    if (bytes.length === 0) inf.push(new Uint8Array(0), true);
    for (let o = 0; o < bytes.length && !done; o += SLICE) {
      const end = Math.min(bytes.length, o + SLICE);
      inf.push(bytes.subarray(o, end), end >= bytes.length);
    }
  } catch (e) {
    if (e instanceof VideoReadError) throw e;
    throw new VideoReadError(file, format, `corrupt deflate stream: ${(e as Error).message}`, { cause: e });
  }
  if (!done) throw new VideoReadError(file, format, 'truncated deflate stream');
  return concat(chunks, total);
}

/** One member of a zip archive (npz). */
export interface ZipMember {
  /** File name inside the archive. */
  name: string;
  /** Uncompressed bytes. */
  data: Uint8Array;
}

/** Largest expansion ratio a deflate stream can reach (about 1032:1). */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Reads the members of a zip archive (stored or deflated) whose names pass
 * `want`. Sizes from the central directory are checked against `maxBytes`
 * and against the compressed size before anything is allocated.
 */
export function unzipBounded(
  bytes: Uint8Array,
  maxBytes: number,
  file: string,
  format: VideoFormat,
  want: (name: string) => boolean = () => true,
): ZipMember[] {
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!want(f.name)) return false;
        if (f.compression !== 0 && f.compression !== 8) {
          throw new VideoReadError(file, format, `zip member ${f.name} uses unsupported compression method ${f.compression}`);
        }
        const limit = f.compression === 0 ? f.size : f.size * MAX_DEFLATE_RATIO + 1024;
        if (f.originalSize > limit) {
          throw new VideoReadError(file, format, `zip member ${f.name} claims ${f.originalSize} bytes from ${f.size} compressed bytes`);
        }
        total += f.originalSize;
        if (total > maxBytes) throw new VideoReadError(file, format, `zip members claim more than maxBytes=${maxBytes} bytes`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof VideoReadError) throw e;
    throw new VideoReadError(file, format, `corrupt zip archive: ${(e as Error).message}`, { cause: e });
  }
  return Object.entries(files).map(([name, data]) => ({ name, data }));
}

type ZlibModule = typeof import('node:zlib');
let zlibPromise: Promise<ZlibModule | undefined> | undefined;

/** node:zlib when running under Node (native, ~4x faster than pure JS), else undefined. */
function nodeZlib(): Promise<ZlibModule | undefined> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) return Promise.resolve(undefined);
  zlibPromise ??= import('node:zlib').catch(() => undefined);
  return zlibPromise;
}

/**
 * Gunzips with a hard cap of `maxBytes` on the output: Node's native zlib
 * (`maxOutputLength`) under Node, {@link gunzipBounded} (fflate) elsewhere.
 */
export async function gunzip(bytes: Uint8Array, maxBytes: number, file: string, format: VideoFormat): Promise<Uint8Array> {
  const z = await nodeZlib();
  if (!z) return gunzipBounded(bytes, maxBytes, file, format);
  try {
    const out = z.gunzipSync(bytes, { maxOutputLength: Math.min(maxBytes, 2 ** 32 - 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new VideoReadError(file, format, `gzip stream inflates to more than maxBytes=${maxBytes} bytes`, { cause: e });
    }
    if (err.code === 'Z_BUF_ERROR') throw new VideoReadError(file, format, 'truncated gzip stream', { cause: e });
    throw new VideoReadError(file, format, `corrupt gzip stream: ${err.message}`, { cause: e });
  }
}
