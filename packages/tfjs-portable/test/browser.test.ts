// Bundles test/browser/page.ts with esbuild for the browser (the package's
// main entry, no Node built-ins), serves it with tfjs-backend-wasm's .wasm
// files on 127.0.0.1, and runs it in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core): the portable kernels must load
// and match the cpu backend there too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env['CHROMIUM_PATH'] ?? ''].find((p) => p && existsSync(p));
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

let server: Server | undefined;
let browser: Browser | undefined;
let dir = '';
let url = '';

describe.skipIf(!chromiumPath)('the portable backend in headless Chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tfjs-portable-browser-'));
    const { build } = await import('esbuild');
    await build({
      entryPoints: [join(here, 'browser', 'page.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outfile: join(dir, 'page.js'),
      conditions: ['@byolmed3d/source'],
      logLevel: 'error',
    });
    const wasmDist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copyFileSync(join(wasmDist, f), join(dir, f));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>');
    server = createServer((req, res) => {
      const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] as string));
      const file = join(dir, path === '/' ? 'index.html' : path);
      if (!file.startsWith(dir) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    });
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the wasm binaries, and conv3d forward and both gradients match the cpu backend', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 120_000 });
    const result = (await page.evaluate(() => (window as unknown as { result: unknown }).result)) as { backend?: string; simd?: boolean; err?: number[]; leaked?: number; error?: string };
    expect(result.error, errors.join('; ')).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(result.simd).toBe(true);
    expect(result.err).toHaveLength(3);
    for (const e of result.err ?? []) expect(e).toBeLessThan(1e-5);
    expect(result.leaked).toBe(0);
  });
});
