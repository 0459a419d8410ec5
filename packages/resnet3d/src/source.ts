/** Reads a file path (Node) or passes bytes through; `label` names it in errors. */
export async function readSource(source: string | Uint8Array | ArrayBuffer): Promise<{ bytes: Uint8Array; label: string }> {
  if (typeof source === 'string') {
    const { readFile } = await import('node:fs/promises');
    const buf = await readFile(source);
    return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), label: source };
  }
  return { bytes: source instanceof Uint8Array ? source : new Uint8Array(source), label: '<bytes>' };
}
