import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { lineChart, loadPngRenderer, MetricsError, renderPng } from '@byolmed3d/metrics';
import { decodePng } from './png-decode.js';

// The browser path (@resvg/resvg-wasm), exercised in Node: its own file, since it switches the module's renderer.
describe('PNG through @resvg/resvg-wasm (the browser renderer)', () => {
  it('needs the wasm binary outside Node, then renders the same picture as the native renderer', async () => {
    const chart = lineChart([{ label: 'Verlust α', x: [1, 2, 3], y: [3, 2, 1.5] }], { title: 'wasm', width: 400, height: 300 });
    const native = decodePng(renderPng(chart));
    const resvgWasm = await import('@resvg/resvg-wasm');
    await expect(loadPngRenderer({ resvgWasm })).rejects.toThrow(MetricsError);
    const require = createRequire(import.meta.url);
    const wasm = readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm'));
    const font = new Uint8Array(readFileSync(new URL('../fonts/DejaVuSans.ttf', import.meta.url)));
    await loadPngRenderer({ resvgWasm, wasm, font });
    const viaWasm = decodePng(renderPng(chart));
    expect([viaWasm.width, viaWasm.height]).toEqual([400, 300]);
    // Same renderer version and font: (nearly) the same pixels.
    let diff = 0;
    for (let i = 0; i < native.pixels.length; i++) diff += Math.abs(native.pixels[i]! - viaWasm.pixels[i]!);
    expect(diff / native.pixels.length).toBeLessThan(1);
    // And text was drawn (the title row has ink).
    let ink = 0;
    for (let y = 0; y < 30; y++) for (let x = 0; x < 400; x++) if (viaWasm.pixels[(y * 400 + x) * viaWasm.channels]! < 128) ink++;
    expect(ink).toBeGreaterThan(20);
  });
});
