/**
 * Headless-Chromium helpers for the browser tests (a package's bundle, the
 * browser example): Debian's `/usr/bin/chromium` driven by playwright-core,
 * and a static file server on 127.0.0.1.
 */
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';

/** The Chromium binary to drive (`/usr/bin/chromium`, `chromium-browser`, or `$CHROMIUM_PATH`); `undefined` skips the browser tests. */
export const chromiumPath: string | undefined = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env['CHROMIUM_PATH'] ?? ''].find((p) => p && existsSync(p));

/** Chromium flags of every test run: headless, no sandbox (containers), nothing that reaches the network. */
export const CHROMIUM_BASE_FLAGS: readonly string[] = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Flags for WebGPU in headless mode without a GPU: Debian's chromium 156
 * then offers SwiftShader's Vulkan as a fallback adapter.
 */
export const CHROMIUM_WEBGPU_FLAGS: readonly string[] = [...CHROMIUM_BASE_FLAGS, '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

/** Launches {@link chromiumPath} with `flags` (default: the base flags and `--disable-gpu`). */
export async function launchChromium(flags: readonly string[] = [...CHROMIUM_BASE_FLAGS, '--disable-gpu']): Promise<Browser> {
  if (!chromiumPath) throw new Error('no Chromium binary found (install chromium or set CHROMIUM_PATH)');
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, args: [...flags] });
}

/** A running {@link serveStatic} server. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT/`. */
  url: string;
  /** Stops the server. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

/**
 * Serves the files under `dir` on a free port of 127.0.0.1 (`/` is
 * `index.html`; a path outside `dir` or a missing file is a 404; the query
 * string is ignored).
 */
export async function serveStatic(dir: string): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] as string));
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
