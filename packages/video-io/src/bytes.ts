import { Gunzip, Inflate } from 'fflate';
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
    if (total > maxBytes) throw new VideoReadError(file, format, `gzip stream inflates to more than maxBytes=${maxBytes} bytes (stopped there)`);
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
 * Inflates at most about `n` bytes (plus one slice's worth) from the start of
 * a gzip or raw deflate stream, streaming, to read a header before deciding
 * how much to inflate. Returns what it got: shorter when the stream is, or
 * when it is corrupt (the full read reports that).
 */
export function inflateHead(bytes: Uint8Array, n: number, kind: 'gzip' | 'raw' = 'gzip'): Uint8Array {
  const chunks: Uint8Array[] = [];
  let have = 0;
  let done = false;
  const onData = (c: Uint8Array, final: boolean): void => {
    if (have < n && c.length > 0) {
      chunks.push(c);
      have += c.length;
    }
    if (final) done = true;
  };
  try {
    const s = kind === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
    for (let o = 0; o < bytes.length && have < n && !done; o += 4096) {
      const end = Math.min(bytes.length, o + 4096);
      s.push(bytes.subarray(o, end), end >= bytes.length);
    }
  } catch {
    // Corrupt stream: the full read reports it.
  }
  return concat(chunks, have);
}

/**
 * Inflates a raw deflate stream (no header), bounded like {@link gunzipBounded}.
 * Used for deflated DICOM datasets and `.npz` members.
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
 * With `truncate` (the cap is the size a header declared), a longer stream
 * is cut at `maxBytes` instead of refused, as readers ignore trailing bytes.
 */
export async function gunzip(bytes: Uint8Array, maxBytes: number, file: string, format: VideoFormat, truncate = false): Promise<Uint8Array> {
  const z = await nodeZlib();
  const tooLarge = (cause?: unknown): Uint8Array => {
    if (truncate) return inflateHead(bytes, maxBytes).subarray(0, maxBytes);
    throw new VideoReadError(file, format, `gzip stream inflates to more than maxBytes=${maxBytes} bytes (stopped there)`, { cause });
  };
  if (!z) {
    try {
      return gunzipBounded(bytes, maxBytes, file, format);
    } catch (e) {
      if (e instanceof VideoReadError && /inflates to more than/.test(e.reason)) return tooLarge(e);
      throw e;
    }
  }
  try {
    const out = z.gunzipSync(bytes, { maxOutputLength: Math.max(1, Math.min(maxBytes, 2 ** 32 - 1)) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) return tooLarge(e);
    if (err.code === 'Z_BUF_ERROR') throw new VideoReadError(file, format, 'truncated gzip stream', { cause: e });
    throw new VideoReadError(file, format, `corrupt gzip stream: ${err.message}`, { cause: e });
  }
}
