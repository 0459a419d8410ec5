// Writes test/output/views.png: a real brain volume (Colin27, 181 axial
// slices read as frames) through each preset. Rows: the evaluation transform,
// BYOLMed3D view 1 and view 2, BYOL view 1 and view 2; columns: 8 frames
// (every 8th slice of a contiguous window). A person looks at it; the test
// checks the file and what the rows should show.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readVideo, toFloat32Clip } from '@byolmed3d/video-io';
import { maxAbsDiff, testdataPath } from '@byolmed3d/test-utils';
import { byolMed3dViews, byolViews, evalTransform, percentiles, type Clip } from '@byolmed3d/augment3d';
import { decodePngRgb, encodePngRgb } from './png.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), 'output');
const TILE = 96;
const FRAMES = 8;

/**
 * Paints a clip's frames as one row of tiles, each channel of the row
 * rescaled by its own 1st-99th percentiles (so normalised views are
 * viewable); rows are flipped for display so that anterior is up.
 */
function paintRow(img: Uint8Array, width: number, row: number, clip: Clip): void {
  const [T, H, W, C] = clip.shape;
  for (let c = 0; c < 3; c++) {
    const cc = Math.min(c, C - 1);
    const values = Float32Array.from({ length: T * H * W }, (_, i) => clip.data[i * C + cc] as number);
    const [lo, hi] = percentiles(values, [1, 99]) as [number, number];
    const scale = 255 / (hi - lo || 1);
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const px = ((row * TILE + (H - 1 - h)) * width + t * TILE + w) * 3 + c;
          img[px] = Math.max(0, Math.min(255, Math.round(((values[(t * H + h) * W + w] as number) - lo) * scale)));
        }
      }
    }
  }
}

describe('picture: presets on a real volume', () => {
  it('writes a PNG grid of Colin27 through each preset', async () => {
    const video = await readVideo(testdataPath('nifti', 'colin27-ch2.nii.gz'));
    // Axial slices as frames.
    const clip = toFloat32Clip(video, { normalize: 'uint8' });
    expect(clip.shape).toEqual([181, 217, 181, 1]);
    const temporal = { frames: FRAMES, mode: 'contiguous' as const, stride: 8 };
    const rows: [string, Clip][] = [];
    const ev = evalTransform({ size: TILE, frames: FRAMES, temporalMode: 'center', stride: 8 }).call(clip);
    rows.push(['eval', ev]);
    const med = byolMed3dViews({ size: TILE, temporal, seed: 7 });
    const [m1, m2] = med.sample(clip);
    rows.push(['byolMed3d view 1', m1], ['byolMed3d view 2', m2]);
    const byol = byolViews({ size: TILE, temporal, seed: 7 });
    const [b1, b2] = byol.sample(clip);
    rows.push(['byol view 1', b1], ['byol view 2', b2]);
    for (const [name, c] of rows) expect(c.shape, name).toEqual([FRAMES, TILE, TILE, 3]);

    const width = FRAMES * TILE;
    const height = rows.length * TILE;
    const img = new Uint8Array(width * height * 3);
    rows.forEach(([, c], r) => paintRow(img, width, r, c));
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, 'views.png');
    writeFileSync(file, encodePngRgb(width, height, img));
    writeFileSync(join(outDir, 'views.json'), JSON.stringify({ rows: rows.map(([n]) => n), byolMed3d: med.paramsLog(), byol: byol.paramsLog() }, null, 1));

    const back = decodePngRgb(readFileSync(file));
    expect([back.width, back.height]).toEqual([width, height]);
    expect(Buffer.compare(Buffer.from(back.rgb), Buffer.from(img))).toBe(0);
    // Every frame tile shows brain: not blank, with contrast.
    for (let r = 0; r < rows.length; r++) {
      for (let t = 0; t < FRAMES; t++) {
        let s = 0;
        let s2 = 0;
        for (let h = 0; h < TILE; h++) {
          for (let w = 0; w < TILE; w++) {
            const v = back.rgb[((r * TILE + h) * width + t * TILE + w) * 3] as number;
            s += v;
            s2 += v * v;
          }
        }
        const n = TILE * TILE;
        expect(Math.sqrt(s2 / n - (s / n) ** 2), `row ${r} frame ${t}`).toBeGreaterThan(10);
      }
    }
    // The two views of a preset differ (different crops), and consecutive frames differ (the window moves through the brain).
    expect(maxAbsDiff(m1.data, m2.data)).toBeGreaterThan(0.5);
    expect(maxAbsDiff(b1.data, b2.data)).toBeGreaterThan(0.5);
    const per = TILE * TILE * 3;
    expect(maxAbsDiff(m1.data.subarray(0, per), m1.data.subarray(per, 2 * per))).toBeGreaterThan(0.5);
  });
});
