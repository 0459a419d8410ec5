import { WeightsError, type WeightsFormat } from './errors.js';

/** Reads a file path (Node) or passes bytes through; `label` names it in errors. */
export async function readSource(source: string | Uint8Array | ArrayBuffer): Promise<{ bytes: Uint8Array; label: string }> {
  if (typeof source === 'string') {
    const { readFile } = await import('node:fs/promises');
    const buf = await readFile(source);
    return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), label: source };
  }
  // A Node Buffer's slice() shares memory: hand out a plain Uint8Array view.
  const bytes = source instanceof Uint8Array ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source);
  return { bytes, label: '<bytes>' };
}

/** Copies `bytes[begin, end)` into a fresh, exactly sized buffer (safe for typed-array views). */
export function copyRange(bytes: Uint8Array, begin: number, end: number): ArrayBuffer {
  const out = new Uint8Array(end - begin);
  out.set(bytes.subarray(begin, end));
  return out.buffer;
}

/**
 * Writes `bytes` to `path` atomically (Node): `writeFileAtomic` of
 * `@byolmed3d/util/node` writes a temp file beside `path`, fsyncs it, renames
 * it over `path` and fsyncs the folder, so a crash or a full disk leaves the
 * old file or the new one, never a torn one, and no temp file. The module is
 * imported here, lazily, so the package's main entry stays browser-safe.
 *
 * @throws {@link WeightsError} naming `path` and `format`, with the
 * `UtilError` (system `code` such as `'ENOSPC'`) as `cause`
 */
export async function writeWeightsFile(path: string, format: WeightsFormat, bytes: Uint8Array): Promise<void> {
  const { writeFileAtomic } = await import('@byolmed3d/util/node');
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    // The UtilError's message starts with `PATH: `; the WeightsError names the file once.
    const message = e instanceof Error ? e.message : String(e);
    const detail = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    throw new WeightsError(path, format, detail, { cause: e });
  }
}
