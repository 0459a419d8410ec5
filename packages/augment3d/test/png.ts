import { PNG } from 'pngjs';

/** Encodes an 8-bit RGB image as PNG (through pngjs). */
export function encodePngRgb(width: number, height: number, rgb: Uint8Array): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** Decodes a PNG to 8-bit RGB (through pngjs; alpha dropped). */
export function decodePngRgb(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const img = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = img.data[j]!;
    rgb[i + 1] = img.data[j + 1]!;
    rgb[i + 2] = img.data[j + 2]!;
  }
  return { width: img.width, height: img.height, rgb };
}
