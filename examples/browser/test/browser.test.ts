// Builds the page with Vite, serves it on 127.0.0.1, drives it in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core), drops real
// files on it and checks that frames, both BYOL views and the embedding render.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';

const here = fileURLToPath(new URL('..', import.meta.url));
const testdata = resolve(here, '..', '..', 'testdata');
const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env['CHROMIUM_PATH'] ?? ''].find((p) => p && existsSync(p));
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

let server: Server | undefined;
let browser: Browser | undefined;
let url = '';

describe.skipIf(!chromiumPath)('browser example (headless Chromium)', () => {
  beforeAll(async () => {
    await build({ root: here, logLevel: 'error', configFile: join(here, 'vite.config.ts') });
    const dist = join(here, 'dist');
    server = createServer((req, res) => {
      const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] as string));
      const file = join(dist, path === '/' ? 'index.html' : path);
      if (!file.startsWith(dist) || !existsSync(file)) {
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
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  });

  async function openWith(file: string, backend: string): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 900, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?backend=${backend}`);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset['status'] ?? ''), undefined, { timeout: 120_000 });
    await page.setInputFiles('#file', file);
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset['status'] ?? ''), undefined, { timeout: 240_000 });
    const state = await page.evaluate(() => ({ status: document.body.dataset['status'], text: document.getElementById('status')?.textContent }));
    expect(state.status, `${state.text} ${errors.join('; ')}`).toBe('done');
    return page;
  }

  /** Fraction of non-black pixels and the grey-level spread of a canvas. */
  async function canvasStats(page: Page, id: string): Promise<{ w: number; h: number; lit: number; spread: number }> {
    return page.evaluate((cid) => {
      const c = document.getElementById(cid) as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < d.length; i += 4) {
        const v = d[i] as number;
        if (v > 8) lit++;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      return { w: c.width, h: c.height, lit: lit / (d.length / 4), spread: hi - lo };
    }, id);
  }

  it('renders the frames, two views and the embedding of a NIfTI volume on wasm', async () => {
    const page = await openWith(join(testdata, 'nifti', 'anatomical.nii'), 'wasm');
    const frames = await canvasStats(page, 'frames');
    const views = await canvasStats(page, 'views');
    expect(frames.w).toBeGreaterThan(96 * 4);
    expect(frames.lit).toBeGreaterThan(0.05);
    expect(frames.spread).toBeGreaterThan(100);
    expect(views.h).toBeGreaterThan(2 * 96);
    expect(views.lit).toBeGreaterThan(0.05);
    expect(views.spread).toBeGreaterThan(100);
    expect(await page.evaluate(() => document.body.dataset['embeddingDim'])).toBe('128');
    expect(await page.evaluate(() => document.body.dataset['backend'])).toBe('wasm');
    const out = join(here, 'test', 'output');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'browser-example.png'), fullPage: true });
    await page.close();
  });

  it('reads a DICOM cine in the page too', async () => {
    const page = await openWith(join(testdata, 'dicom', 'cine', 'mr-16f-explicit-little.dcm'), 'wasm');
    const frames = await canvasStats(page, 'frames');
    expect(frames.lit).toBeGreaterThan(0.05);
    expect(await page.locator('#meta').textContent()).toMatch(/dicom/);
    await page.close();
  });

  it('decodes JPEG 2000, HTJ2K and JPEG-LS DICOM with the bundled WebAssembly codecs', async () => {
    const fx = resolve(here, '..', '..', 'packages', 'video-io', 'test', 'fixtures', 'dicom');
    for (const f of ['MR_small_jp2klossless.dcm', 'MR_small_htj2k.dcm', 'MR_small_jpeg_ls_lossless.dcm']) {
      const page = await openWith(join(fx, f), 'wasm');
      const frames = await canvasStats(page, 'frames');
      expect(frames.lit, f).toBeGreaterThan(0.05);
      expect(frames.spread, f).toBeGreaterThan(100);
      await page.close();
    }
  });
});
