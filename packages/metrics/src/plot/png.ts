/**
 * PNG output: the chart's SVG rasterised by resvg, with the DejaVu Sans
 * font shipped in this package (`fonts/`), so that PNGs look the same on
 * every machine. Node uses `@resvg/resvg-js` (prebuilt native binaries),
 * loaded on first use; browsers use `@resvg/resvg-wasm` after
 * {@link loadPngRenderer}.
 */
import { MetricsError } from '../errors.js';
import type { Chart, Figure } from './chart.js';
import { renderSvg } from './render.js';

/** Options of {@link renderPng}. */
export interface PngOptions {
  /** Pixel density: `2` renders twice as many pixels each way (for high-DPI screens and print). Default `1`. */
  scale?: number;
  /** @deprecated Ignored: text is drawn with a real font at the chart's sizes now. */
  fontScale?: number;
}

/** An 8-bit RGBA image. */
export interface RgbaImage {
  /** Row-major RGBA bytes, `width * height * 4`. */
  data: Uint8ClampedArray;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** The resvg API both `@resvg/resvg-js` and `@resvg/resvg-wasm` offer. */
interface ResvgModule {
  Resvg: new (svg: string, options: Record<string, unknown>) => {
    render(): { asPng(): Uint8Array; pixels: Uint8Array; width: number; height: number };
  };
}

interface Renderer {
  resvg: ResvgModule;
  /** Font options for the Resvg constructor. */
  font: Record<string, unknown>;
}

let renderer: Renderer | undefined;

const NODE_PACKAGE = '@resvg/resvg-js';
const WASM_PACKAGE = '@resvg/resvg-wasm';

/** Node's `require`/`fileURLToPath`, when running in Node ≥ 20.16 (through its getBuiltinModule). */
function nodeBuiltins(): { require: (id: string) => unknown; fileURLToPath: (u: URL) => string } | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  const mod = get('node:module') as { createRequire(u: string): (id: string) => unknown };
  const url = get('node:url') as { fileURLToPath(u: URL): string };
  return { require: mod.createRequire(import.meta.url), fileURLToPath: url.fileURLToPath };
}

/** URL of the shipped font (`fonts/` beside `src/` and `dist/`). */
function fontUrl(): URL {
  // A literal, so that bundlers (Vite, webpack) see the asset.
  return new URL('../../fonts/DejaVuSans.ttf', import.meta.url);
}

function nodeRenderer(): Renderer | undefined {
  const node = nodeBuiltins();
  if (!node) return undefined;
  let resvg: ResvgModule;
  try {
    resvg = node.require(NODE_PACKAGE) as ResvgModule;
  } catch (e) {
    throw new MetricsError('renderPng', 'missing-dependency', `PNG output needs the package ${NODE_PACKAGE} (with its prebuilt binary for ${platformName()}), which could not be loaded (${(e as Error).message.split('\n')[0]}); reinstall it, or write SVG instead`);
  }
  return { resvg, font: { fontFiles: [node.fileURLToPath(fontUrl())], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' } };
}

function platformName(): string {
  const proc = (globalThis as { process?: { platform?: string; arch?: string } }).process;
  return proc ? `${proc.platform}-${proc.arch}` : 'this platform';
}

/** Options of {@link loadPngRenderer}. */
export interface LoadPngRendererOptions {
  /** The `@resvg/resvg-wasm` module. Default: `import('@resvg/resvg-wasm')`. */
  resvgWasm?: unknown;
  /** The resvg `.wasm` binary (a URL, a `Response` or its bytes); required outside Node. */
  wasm?: string | URL | Response | ArrayBuffer | Uint8Array;
  /** The font (TTF/OTF bytes, or a URL to fetch). Default: the DejaVu Sans shipped with this package, fetched from beside the module. */
  font?: string | URL | Uint8Array;
}

let wasmReady: Promise<void> | undefined;

/**
 * Prepares PNG rendering where {@link renderPng} cannot load its renderer
 * by itself, i.e. in browsers: loads `@resvg/resvg-wasm` and the font. In
 * Node this is optional (renderPng loads `@resvg/resvg-js` on first use).
 * @throws {@link MetricsError} when the module, wasm or font cannot be loaded
 */
export async function loadPngRenderer(options: LoadPngRendererOptions = {}): Promise<void> {
  if (!options.resvgWasm && !options.wasm && !options.font) {
    const r = nodeRenderer();
    if (r) {
      renderer = r;
      return;
    }
  }
  try {
    const spec = WASM_PACKAGE;
    const mod = (options.resvgWasm ?? (await import(/* @vite-ignore */ spec))) as ResvgModule & { initWasm(x: unknown): Promise<void> };
    if (options.wasm === undefined) throw new Error(`pass the resvg .wasm binary as \`wasm\` (e.g. with Vite: import wasm from '${WASM_PACKAGE}/index_bg.wasm?url')`);
    wasmReady ??= mod.initWasm(options.wasm).catch((e: unknown) => {
      // initWasm refuses a second initialisation: that is fine.
      if (!/already/i.test(String((e as Error)?.message))) {
        wasmReady = undefined;
        throw e;
      }
    });
    await wasmReady;
    const f = options.font ?? fontUrl();
    const font = f instanceof Uint8Array ? f : new Uint8Array(await (await fetch(f)).arrayBuffer());
    renderer = { resvg: mod, font: { fontBuffers: [font], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' } };
  } catch (e) {
    if (e instanceof MetricsError) throw e;
    throw new MetricsError('loadPngRenderer', 'missing-dependency', `cannot load ${WASM_PACKAGE} and the plot font (${(e as Error)?.message ?? String(e)}); install ${WASM_PACKAGE}`);
  }
}

function getRenderer(fn: string): Renderer {
  renderer ??= nodeRenderer();
  if (!renderer) throw new MetricsError(fn, 'missing-dependency', `no PNG renderer: outside Node, await loadPngRenderer() first (it loads ${WASM_PACKAGE})`);
  return renderer;
}

function render(fn: string, chart: Chart | Figure, options: PngOptions): { asPng(): Uint8Array; pixels: Uint8Array; width: number; height: number } {
  const svg = renderSvg(chart);
  const scale = options.scale ?? 1;
  if (!(scale > 0 && scale <= 8)) throw new MetricsError(fn, 'invalid-argument', `scale must be in (0, 8], got ${scale}`);
  const r = getRenderer(fn);
  const width = Number(/width="(\d+)"/.exec(svg)?.[1]);
  const resvg = new r.resvg.Resvg(svg, { font: r.font, fitTo: { mode: 'width', value: Math.round(width * scale) }, shapeRendering: 2, textRendering: 1, imageRendering: 0, logLevel: 'off' });
  return resvg.render();
}

/**
 * Renders a chart (or a {@link Figure} of panels) to PNG bytes: the SVG of
 * {@link renderSvg}, rasterised by resvg with the shipped DejaVu Sans font.
 * Synchronous; in browsers call {@link loadPngRenderer} once first.
 * @throws {@link MetricsError} on an invalid chart, or `missing-dependency` when no renderer is available
 */
export function renderPng(chart: Chart | Figure, options: PngOptions = {}): Uint8Array {
  const png = render('renderPng', chart, options).asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/**
 * Renders a chart into RGBA pixels (`width * height * 4` bytes), e.g. to
 * draw into a canvas `ImageData`. Same renderer as {@link renderPng}.
 * @throws {@link MetricsError} on an invalid chart or a missing renderer
 */
export function rasterizeChart(chart: Chart | Figure, options: PngOptions = {}): RgbaImage {
  const img = render('rasterizeChart', chart, options);
  const px = img.pixels;
  return { data: new Uint8ClampedArray(px.buffer, px.byteOffset, px.byteLength), width: img.width, height: img.height };
}
