/**
 * The WebAssembly image codecs of the compressed DICOM transfer syntaxes
 * (JPEG 2000, HTJ2K, JPEG-LS), loaded lazily from optional dependencies:
 * a reader that never meets one of these syntaxes never loads its codec.
 */
import { VideoReadError } from '../errors.js';

/** The codecs video-io can load for DICOM pixel data. */
export type DicomCodecName = 'openjpeg' | 'openjph' | 'charls';

/** Where a codec comes from: the npm package, the module inside it, and its decoder class. */
interface CodecSpec {
  pkg: string;
  entry: string;
  decoder: string;
  what: string;
}

/** The npm package (and its decoder) behind each codec. */
export const DICOM_CODEC_PACKAGES: Readonly<Record<DicomCodecName, string>> = {
  openjpeg: '@cornerstonejs/codec-openjpeg',
  openjph: '@cornerstonejs/codec-openjph',
  charls: '@cornerstonejs/codec-charls',
};

const SPECS: Record<DicomCodecName, CodecSpec> = {
  openjpeg: { pkg: DICOM_CODEC_PACKAGES.openjpeg, entry: 'decodewasmjs', decoder: 'J2KDecoder', what: 'JPEG 2000' },
  openjph: { pkg: DICOM_CODEC_PACKAGES.openjph, entry: 'wasmjs', decoder: 'HTJ2KDecoder', what: 'HTJ2K' },
  charls: { pkg: DICOM_CODEC_PACKAGES.charls, entry: 'decodewasmjs', decoder: 'JpegLSDecoder', what: 'JPEG-LS' },
};

/**
 * Raised when decoding needs an optional codec package that is not
 * installed (or cannot be loaded, e.g. in a bundle that did not include it).
 */
export class MissingCodecError extends VideoReadError {
  /** The npm package that is missing, e.g. `'@cornerstonejs/codec-openjpeg'`. */
  readonly package: string;

  constructor(file: string, codec: DicomCodecName, options?: { cause?: unknown }) {
    const s = SPECS[codec];
    const why = options?.cause instanceof Error ? ` (${options.cause.message.split('\n')[0]})` : '';
    super(file, 'dicom', `decoding ${s.what} needs the optional package ${s.pkg}, which could not be loaded${why}: install it with \`npm install ${s.pkg}\`, or in a bundled app register it with registerDicomCodec('${codec}', ...)`, options);
    this.package = s.pkg;
  }
}

/**
 * How to load a codec in an environment where a plain `import()` of the
 * package does not work (a browser bundle): the package's Emscripten module
 * factory and, where the bundler does not serve the `.wasm` file beside the
 * script, its URL.
 *
 * @example
 * ```ts
 * // Vite
 * import openjpeg from '@cornerstonejs/codec-openjpeg/decodewasmjs';
 * import openjpegWasm from '@cornerstonejs/codec-openjpeg/decodewasm?url';
 * registerDicomCodec('openjpeg', { load: async () => openjpeg, wasmUrl: openjpegWasm });
 * ```
 */
export interface DicomCodecSource {
  /** Resolves to the Emscripten module factory (the package module's default export, or the module itself). */
  load(): Promise<unknown>;
  /** URL of the codec's `.wasm` file. Default: beside the script (Emscripten's own lookup). */
  wasmUrl?: string;
}

/** The parts of an Emscripten/embind decoder instance this package uses. */
export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  getInterleaveMode?(): number;
  delete(): void;
}

type Factory = (moduleArg: Record<string, unknown>) => Promise<Record<string, unknown>>;

const sources = new Map<DicomCodecName, DicomCodecSource>();
const loaded = new Map<DicomCodecName, Promise<Record<string, unknown>>>();

/**
 * Tells video-io how to load a DICOM codec, replacing the default dynamic
 * `import()` of its package (needed in bundled browser apps, where the
 * bundler must see a static import). Takes effect for reads that start
 * after the call.
 */
export function registerDicomCodec(name: DicomCodecName, source: DicomCodecSource): void {
  if (!(name in SPECS)) throw new TypeError(`registerDicomCodec: unknown codec '${String(name)}'; known: ${Object.keys(SPECS).join(', ')}`);
  sources.set(name, source);
  loaded.delete(name);
}

/** Emscripten prints to stdout/stderr unless given these (openjpeg prints `[INFO]` lines). */
function silent(): void {
  // Codec messages are dropped: decode failures surface as exceptions instead.
}

async function instantiate(name: DicomCodecName): Promise<Record<string, unknown>> {
  const spec = SPECS[name];
  const src = sources.get(name);
  let mod: unknown;
  if (src) mod = await src.load();
  else {
    // A computed specifier: bundlers leave it alone (the codec is optional), Node resolves it at run time.
    const specifier = `${spec.pkg}/${spec.entry}`;
    mod = await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
  }
  const m = mod as { default?: unknown };
  const factory = (typeof m === 'function' ? m : typeof m.default === 'function' ? m.default : (m.default as { default?: unknown } | undefined)?.default) as Factory | undefined;
  if (typeof factory !== 'function') throw new Error(`${spec.pkg}/${spec.entry} did not export an Emscripten module factory`);
  const arg: Record<string, unknown> = { print: silent, printErr: silent };
  if (src?.wasmUrl !== undefined) {
    const url = src.wasmUrl;
    arg.locateFile = (path: string): string => (path.endsWith('.wasm') ? url : path);
  }
  const instance = await factory(arg);
  if (typeof instance[spec.decoder] !== 'function') throw new Error(`${spec.pkg} has no ${spec.decoder}`);
  return instance;
}

/**
 * Loads (once) and returns a new decoder instance of codec `name`; the
 * caller must `delete()` it. @throws {@link MissingCodecError} when the
 * package cannot be loaded.
 */
export async function newDecoder(name: DicomCodecName, file: string): Promise<WasmDecoder> {
  let p = loaded.get(name);
  if (!p) {
    p = instantiate(name);
    loaded.set(name, p);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await p;
  } catch (e) {
    if (loaded.get(name) === p) loaded.delete(name);
    throw new MissingCodecError(file, name, { cause: e });
  }
  const Ctor = mod[SPECS[name].decoder] as new () => WasmDecoder;
  return new Ctor();
}

/**
 * Drops the loaded instance of codec `name`, so that the next decode starts
 * a fresh one (after a WebAssembly abort the old instance is unusable).
 */
export function resetCodec(name: DicomCodecName): void {
  loaded.delete(name);
}
