import * as tf from '@tensorflow/tfjs-core';

/** Per-channel normalisation of input clips: `(x - mean) / std`, channels last. */
export interface NormalizationPreset {
  /** Per-channel mean (RGB order), for inputs scaled to [0, 1]. */
  mean: readonly number[];
  /** Per-channel standard deviation. */
  std: readonly number[];
}

/** Kinetics-400 statistics torchvision's video models were trained with (RGB in [0, 1]). */
export const KINETICS400_NORMALIZATION: NormalizationPreset = Object.freeze({
  mean: Object.freeze([0.43216, 0.394666, 0.37645]),
  std: Object.freeze([0.22803, 0.22145, 0.216989]),
});

/** Kinetics-400 per-channel mean (R, G, B). */
export const KINETICS400_MEAN: readonly number[] = KINETICS400_NORMALIZATION.mean;
/** Kinetics-400 per-channel standard deviation (R, G, B). */
export const KINETICS400_STD: readonly number[] = KINETICS400_NORMALIZATION.std;

/**
 * Normalises a channels-last clip or batch (`[..., C]`, values in [0, 1]):
 * `(x - mean) / std` per channel. A single-channel input with a 3-channel
 * preset uses the mean of the preset's means and stds.
 */
export function normalizeClip<T extends tf.Tensor>(x: T, preset: NormalizationPreset = KINETICS400_NORMALIZATION): T {
  const c = x.shape[x.rank - 1] as number;
  let mean = [...preset.mean];
  let std = [...preset.std];
  if (c === 1 && mean.length > 1) {
    mean = [mean.reduce((a, b) => a + b, 0) / mean.length];
    std = [std.reduce((a, b) => a + b, 0) / std.length];
  }
  tf.util.assert(mean.length === c && std.length === c, () => `normalizeClip: input has ${c} channels, preset has ${preset.mean.length}`);
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std))) as T;
}
