import { deflateSync, inflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (PNG / zlib polynomial). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ bytes[i]!) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes 8-bit RGB pixels (row-major, 3 bytes a pixel) as a PNG file; greyscale (colour type 0) when R = G = B everywhere. */
export function encodePngRgb(width: number, height: number, rgb: Uint8Array): Buffer {
  if (rgb.length !== width * height * 3) throw new Error(`encodePngRgb: ${rgb.length} bytes for ${width}x${height}`);
  let grey = true;
  for (let i = 0; i < rgb.length && grey; i += 3) grey = rgb[i] === rgb[i + 1] && rgb[i] === rgb[i + 2];
  const bpp = grey ? 1 : 3;
  const stride = width * bpp + 1;
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    raw[y * stride] = 1; // filter: sub
    for (let x = 0; x < width * bpp; x++) {
      const v = grey ? (rgb[(y * width + x) * 3] as number) : (rgb[y * width * 3 + x] as number);
      const left = x >= bpp ? (grey ? (rgb[(y * width + x - 1) * 3] as number) : (rgb[y * width * 3 + x - 3] as number)) : 0;
      raw[y * stride + 1 + x] = (v - left) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = grey ? 0 : 2; // colour type greyscale or RGB
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

/** Decodes a PNG written by `encodePngRgb` (checks signature and CRCs; filters none and sub). */
export function decodePngRgb(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const b = Buffer.from(png);
  if (b.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let bpp = 3;
  const idat: Buffer[] = [];
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.toString('ascii', off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    if (crc32(b.subarray(off + 4, off + 8 + len)) !== b.readUInt32BE(off + 8 + len)) throw new Error(`bad CRC in ${type}`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bpp = data[9] === 0 ? 1 : 3;
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgb = new Uint8Array(width * height * 3);
  const stride = width * bpp + 1;
  const line = new Uint8Array(width * bpp);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * stride];
    if (filter !== 0 && filter !== 1) throw new Error(`unsupported PNG filter ${filter}`);
    for (let x = 0; x < width * bpp; x++) line[x] = ((raw[y * stride + 1 + x] as number) + (filter === 1 && x >= bpp ? (line[x - bpp] as number) : 0)) & 0xff;
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = line[x * bpp + (bpp === 1 ? 0 : c)] as number;
  }
  return { width, height, rgb };
}
