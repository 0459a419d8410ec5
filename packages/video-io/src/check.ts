import { VideoReadError } from './errors.js';
import type { MedicalVideo } from './types.js';

/** Checks {@link checkVolume} applies to a decoded volume. */
export interface VolumeCheckOptions {
  /**
   * Refuse float volumes holding NaN or +-Infinity (one such exam turns a
   * training loss into NaN). Default `false` for `readVideo`, `true` for the
   * datasets and loader.
   */
  requireFinite?: boolean;
  /**
   * Smallest acceptable `[T, H, W]`: a volume with fewer frames, rows or
   * columns is refused (an empty `(0, 24, 24)` array, a 2-D array read as one
   * frame where a dataset needs slices, a `6x1x1` sliver). Default `[1, 1, 1]`
   * (not empty); `MRNetDataset` defaults to `[2, 2, 2]`.
   */
  minShape?: [number, number, number];
}

/**
 * Refuses a decoded volume that cannot be an exam: empty or smaller than
 * `minShape`, or (with `requireFinite`) holding a NaN or an infinity. The
 * {@link VideoReadError} names the file, so a loader with `skipBadItems`
 * skips and counts it, and a strict run stops naming it.
 *
 * @param video - the decoded volume
 * @param file - the path or label to name in the error
 * @param options - see {@link VolumeCheckOptions}
 * @throws {@link VideoReadError} when a check fails
 */
export function checkVolume(video: MedicalVideo, file: string, options: VolumeCheckOptions = {}): void {
  const [T, H, W, C] = video.shape;
  const [mt, mh, mw] = options.minShape ?? [1, 1, 1];
  const shape = `[${video.shape.join(', ')}]`;
  if (T * H * W * C === 0) throw new VideoReadError(file, video.format, `empty volume: shape ${shape} (T, H, W, C) has a zero-length axis`);
  if (T < mt || H < mh || W < mw) {
    throw new VideoReadError(file, video.format, `volume of shape ${shape} (T, H, W, C) is smaller than the minimum [${mt}, ${mh}, ${mw}] (T, H, W)${T === 1 && mt > 1 ? '; a 2-D array is not a volume' : ''}`);
  }
  if (options.requireFinite && (video.dtype === 'float32' || video.dtype === 'float64')) {
    const d = video.data as Float32Array | Float64Array;
    for (let i = 0; i < d.length; i++) {
      const v = d[i] as number;
      if (v - v !== 0) {
        let nan = 0;
        let inf = 0;
        for (let j = i; j < d.length; j++) {
          const x = d[j] as number;
          if (x !== x) nan++;
          else if (x - x !== 0) inf++;
        }
        throw new VideoReadError(file, video.format, `volume holds non-finite values (${nan} NaN, ${inf} infinite, first at element ${i})`);
      }
    }
  }
}
