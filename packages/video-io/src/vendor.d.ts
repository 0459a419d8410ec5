// Ambient types for the untyped JPEG lossless decoder (used internally only).
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor();
    decompress(buffer: ArrayBuffer, offset?: number, length?: number): ArrayBuffer;
    frame: { dimX: number; dimY: number; numComp: number; precision: number };
  }
}
