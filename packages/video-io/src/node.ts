/**
 * Node-only helpers, loaded lazily with dynamic `import()` so that the
 * package's byte-level readers stay usable in browsers.
 */

/** The parts of `node:fs/promises` this package uses. */
export type NodeFs = typeof import('node:fs/promises');

let fsPromise: Promise<NodeFs> | undefined;

/** Loads `node:fs/promises` (throws a plain Error outside Node). */
export function loadFs(): Promise<NodeFs> {
  fsPromise ??= import('node:fs/promises').catch((e: unknown) => {
    fsPromise = undefined;
    throw new Error(`file paths need Node's fs module (${(e as Error).message}); pass bytes (Uint8Array) instead`);
  });
  return fsPromise;
}

/** Loads `node:path`. */
export async function loadPath(): Promise<typeof import('node:path')> {
  return import('node:path');
}

/** Reads a whole file as bytes. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const fs = await loadFs();
  const b = await fs.readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads at most `n` bytes from the start of a file. */
export async function readFileHead(path: string, n: number): Promise<Uint8Array> {
  const fs = await loadFs();
  const h = await fs.open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await h.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}
