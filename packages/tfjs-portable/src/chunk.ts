/** Default size of one column-matrix chunk, in float32 elements (32 MiB). @internal */
export const DEFAULT_CHUNK_FLOATS = 8 * 1024 * 1024;

let chunkFloats = DEFAULT_CHUNK_FLOATS;

/** Sets the column-matrix chunk size in floats. @internal */
export function setChunkFloats(n: number): void {
  chunkFloats = n;
}

/** Output rows per column-matrix chunk for `cols` columns (at least 1, at most `rows`). @internal */
export function rowsPerChunk(rows: number, cols: number): number {
  return Math.max(1, Math.min(rows, Math.floor(chunkFloats / Math.max(1, cols))));
}
