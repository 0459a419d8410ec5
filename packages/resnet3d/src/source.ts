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
