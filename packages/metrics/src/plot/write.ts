import { MetricsError } from '../errors.js';
import type { Chart, Figure } from './chart.js';
import { renderSvg } from './render.js';
import { renderPng, type PngOptions } from './png.js';

/**
 * Node only: renders `chart` and writes it to `path`, as SVG when the path
 * ends in `.svg` and as PNG when it ends in `.png`; creates missing parent
 * folders. `node:fs` is imported lazily inside this function, so the rest of
 * the package stays browser-safe (in a browser use {@link renderSvg} /
 * {@link renderPng} and save the result yourself).
 * @returns the path written
 * @throws {@link MetricsError} for another extension or an invalid chart
 */
export async function writeChart(path: string, chart: Chart | Figure, options: PngOptions = {}): Promise<string> {
  const lower = path.toLowerCase();
  let bytes: Uint8Array | string;
  if (lower.endsWith('.svg')) bytes = renderSvg(chart);
  else if (lower.endsWith('.png')) bytes = renderPng(chart, options);
  else throw new MetricsError('writeChart', 'invalid-argument', `path must end in .svg or .png, got ${path}`);
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  await fs.mkdir(nodePath.dirname(path), { recursive: true });
  await fs.writeFile(path, bytes);
  return path;
}
