import { VideoReadError, type VideoFormat } from './errors.js';
import { viewOf } from './bytes.js';

/** One member of a zip archive, from its central directory (nothing inflated). */
export interface ZipEntry {
  /** File name inside the archive. */
  name: string;
  /** Compression method: 0 stored, 8 deflate. */
  method: number;
  /** Compressed size in bytes. */
  compressedSize: number;
  /** Uncompressed size the archive declares. */
  size: number;
  /** Offset of the member's local header. */
  localOffset: number;
}

/** Largest expansion ratio a deflate stream can reach (about 1032:1). */
export const MAX_DEFLATE_RATIO = 1032;

const utf8 = new TextDecoder('utf-8');

/**
 * Lists the members of a zip archive from its central directory (ZIP64
 * included), without inflating anything. Encrypted members, methods other
 * than stored/deflate and sizes that cannot be true (more than 1032x the
 * compressed size, or past the end of the archive) raise a {@link VideoReadError}.
 */
export function zipEntries(b: Uint8Array, file: string, format: VideoFormat = 'npz'): ZipEntry[] {
  const v = viewOf(b);
  const bad = (what: string): VideoReadError => new VideoReadError(file, format, `corrupt zip archive: ${what}`);
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65535); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end-of-central-directory record');
  let count = v.getUint16(eocd + 10, true);
  let cdOffset = v.getUint32(eocd + 16, true);
  const u64 = (o: number): number => v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296;
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || v.getUint32(loc, true) !== 0x07064b50) throw bad('ZIP64 locator missing');
    const z = u64(loc + 8);
    if (z + 56 > b.length || v.getUint32(z, true) !== 0x06064b50) throw bad('ZIP64 end record missing');
    count = u64(z + 32);
    cdOffset = u64(z + 48);
  }
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > b.length || v.getUint32(p, true) !== 0x02014b50) throw bad(`central directory entry ${k} is missing`);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    let compressedSize = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localOffset = v.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen > b.length) throw bad(`central directory entry ${k} is truncated`);
    const name = utf8.decode(b.subarray(p + 46, p + 46 + nameLen));
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) {
          size = u64(q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= e + 4 + len) {
          compressedSize = u64(q);
          q += 8;
        }
        if (localOffset === 0xffffffff && q + 8 <= e + 4 + len) localOffset = u64(q);
      }
      e += 4 + len;
    }
    if (flags & 1) throw new VideoReadError(file, format, `zip member ${name} is encrypted`);
    if (method !== 0 && method !== 8) throw new VideoReadError(file, format, `zip member ${name} uses unsupported compression method ${method}`);
    const limit = method === 0 ? compressedSize : compressedSize * MAX_DEFLATE_RATIO + 1024;
    if (size > limit) throw new VideoReadError(file, format, `zip member ${name} claims ${size} bytes from ${compressedSize} compressed bytes`);
    out.push({ name, method, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The compressed bytes of a member (a view into `b`). */
export function zipMemberData(b: Uint8Array, entry: ZipEntry, file: string, format: VideoFormat = 'npz'): Uint8Array {
  const v = viewOf(b);
  const o = entry.localOffset;
  if (o + 30 > b.length || v.getUint32(o, true) !== 0x04034b50) throw new VideoReadError(file, format, `corrupt zip archive: local header of ${entry.name} is missing`);
  const start = o + 30 + v.getUint16(o + 26, true) + v.getUint16(o + 28, true);
  const end = start + entry.compressedSize;
  if (end > b.length) throw new VideoReadError(file, format, `truncated zip archive: member ${entry.name} needs ${entry.compressedSize} bytes from offset ${start}, the archive has ${b.length}`);
  return b.subarray(start, end);
}
