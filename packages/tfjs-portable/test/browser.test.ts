// Bundles test/browser/page.ts with esbuild for the browser (the package's
// main entry, no Node built-ins), serves it with tfjs-backend-wasm's .wasm
// files on 127.0.0.1, and runs it in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core): the portable kernels must load
// and match the cpu backend there too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { chromiumPath, launchChromium, serveStatic, type StaticServer } from '@byolmed3d/test-utils';

const here = dirname(fileURLToPath(import.meta.url));

let server: StaticServer | undefined;
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
    server = await serveStatic(dir);
    url = server.url;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
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
