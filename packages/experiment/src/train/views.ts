import type { Rng } from '../util/rng.js';
import type { Clip } from './data.js';

/** Options of {@link sampleView}. */
export interface ViewOptions {
  /** Frames per view. */
  frames: number;
  /** Output size (square). */
  crop: number;
  /** Output channels (grey repeated). */
  channels: number;
  /** Smallest crop area fraction of the random resized crop; default 0.5 (seed paper). */
  minScale?: number;
  /** Probability of the in-plane blur (seed paper: 0.6 for view A, 0.4 for view B). */
  blurP: number;
  /** Probability of the intensity jitter (seed paper: 0.8). */
  jitterP?: number;
}

/**
 * One BYOLMed3D view of a normalised `[T, H, W, 1]` volume: a random window
 * of `frames` slices, a random resized crop (area `minScale..1`, aspect 3/4
 * to 4/3, bilinear to `crop`), intensity jitter (brightness, contrast, gamma-like
 * curve) with probability `jitterP`, a 3x3 in-plane blur with probability
 * `blurP`, and light Gaussian noise. The same draw applies to every frame.
 */
export function sampleView(vol: Clip, rng: Rng, o: ViewOptions): Clip {
  const [t, h, w] = vol.shape;
  const { frames, crop, channels } = o;
  const span = Math.max(0, t - frames);
  const start = rng.int(0, span);
  const minScale = o.minScale ?? 0.5;
  const area = rng.uniform(minScale, 1) * h * w;
  const aspect = Math.exp(rng.uniform(Math.log(3 / 4), Math.log(4 / 3)));
  const ch = Math.min(h, Math.max(4, Math.round(Math.sqrt(area / aspect))));
  const cw = Math.min(w, Math.max(4, Math.round(Math.sqrt(area * aspect))));
  const y0 = rng.int(0, h - ch);
  const x0 = rng.int(0, w - cw);
  const jitter = rng.bernoulli(o.jitterP ?? 0.8);
  const bright = jitter ? rng.uniform(-0.4, 0.4) : 0;
  const contrast = jitter ? rng.uniform(0.6, 1.4) : 1;
  const blur = rng.bernoulli(o.blurP);
  const noise = rng.uniform(0, 0.1);
  const plane = new Float32Array(crop * crop);
  const tmp = new Float32Array(crop * crop);
  const out = new Float32Array(frames * crop * crop * channels);
  for (let f = 0; f < frames; f++) {
    const src = Math.min(t - 1, start + f) * h * w;
    for (let y = 0; y < crop; y++) {
      const fy = Math.min(h - 1, Math.max(0, y0 + ((y + 0.5) * ch) / crop - 0.5));
      const ya = Math.floor(fy), yb = Math.min(h - 1, ya + 1), wy = fy - ya;
      for (let x = 0; x < crop; x++) {
        const fx = Math.min(w - 1, Math.max(0, x0 + ((x + 0.5) * cw) / crop - 0.5));
        const xa = Math.floor(fx), xb = Math.min(w - 1, xa + 1), wx = fx - xa;
        const d = vol.data;
        const v = (1 - wy) * ((1 - wx) * (d[src + ya * w + xa] as number) + wx * (d[src + ya * w + xb] as number)) +
          wy * ((1 - wx) * (d[src + yb * w + xa] as number) + wx * (d[src + yb * w + xb] as number));
        plane[y * crop + x] = v * contrast + bright;
      }
    }
    if (blur) {
      tmp.set(plane);
      for (let y = 0; y < crop; y++)
        for (let x = 0; x < crop; x++) {
          let s = 0;
          let n = 0;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const yy = y + dy, xx = x + dx;
              if (yy < 0 || yy >= crop || xx < 0 || xx >= crop) continue;
              const wgt = dy === 0 && dx === 0 ? 4 : dy === 0 || dx === 0 ? 2 : 1;
              s += wgt * (tmp[yy * crop + xx] as number);
              n += wgt;
            }
          plane[y * crop + x] = s / n;
        }
    }
    for (let i = 0; i < crop * crop; i++) {
      const v = (plane[i] as number) + (noise > 0 ? noise * rng.normal() : 0);
      for (let k = 0; k < channels; k++) out[(f * crop * crop + i) * channels + k] = v;
    }
  }
  return { data: out, shape: [frames, crop, crop, channels] };
}
