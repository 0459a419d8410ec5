import { MetricsError } from '../errors.js';
import type { Chart, Figure } from './chart.js';
import { renderSvg } from './render.js';
import { renderPng, type PngOptions } from './png.js';

/**
 * Node only: renders `chart` and writes it to `path`, as SVG when the path
 * ends in `.svg` and as PNG when it ends in `.png`; creates missing parent
 * folders. The write is atomic (`writeFileAtomic` of `@byolmed3d/util/node`:
 * a temp file beside `path`, fsync, rename over `path`, fsync of the folder),
 * so a reader, or a crash, sees the old file or the new one, never a torn
 * one; on failure the temp file is removed and an existing file at `path` is
 * left as it was. `node:fs` and `@byolmed3d/util/node` are imported lazily
 * inside this function, so the rest of the package stays browser-safe (in a
 * browser use {@link renderSvg} / {@link renderPng} and save the result
 * yourself).
 * @returns the path written
 * @throws {@link MetricsError} for another extension or an invalid chart;
 * `reason` `'write-failed'` when the file or its folder cannot be written (a
 * parent that is a file, `path` a folder, a full disk, ...): the message
 * names the file and `cause` is the underlying error (a `UtilError` of
 * `@byolmed3d/util` with the system `code`, e.g. `'ENOSPC'`)
 */
export async function writeChart(path: string, chart: Chart | Figure, options: PngOptions = {}): Promise<string> {
  const lower = path.toLowerCase();
  let bytes: Uint8Array | string;
  if (lower.endsWith('.svg')) bytes = renderSvg(chart);
  else if (lower.endsWith('.png')) bytes = renderPng(chart, options);
  else throw new MetricsError('writeChart', 'invalid-argument', `path must end in .svg or .png, got ${path}`);
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const { writeFileAtomic } = await import('@byolmed3d/util/node');
  const dir = nodePath.dirname(path);
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new MetricsError('writeChart', 'write-failed', `${path}: could not create its folder ${dir}: ${(e as Error).message}`, { cause: e });
  }
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    // writeFileAtomic's UtilError already starts with the path.
    throw new MetricsError('writeChart', 'write-failed', (e as Error).message, { cause: e });
  }
  return path;
}
