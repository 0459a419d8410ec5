/**
 * The inputs of the torch-writer fixture (tools/fixtures/resnet3d_writer.py):
 * a small state dict of every dtype the writer handles, and torchvision's
 * r3d_18 state dict (names and shapes from the fixture) with the golden
 * formula values. Shared by the fixture script and the test so both encode
 * the same tensors.
 */
import { formulaTensor } from '@byolmed3d/test-utils';
import type { TensorEntry } from '@byolmed3d/resnet3d';

/** A fixed small state dict: float32 (matrix, scalar, empty, > 256 elements), int64, int32, uint8. */
export function smallStateDict(): Record<string, TensorEntry> {
  return {
    'conv.weight': { shape: [2, 1, 1, 2, 3], dtype: 'float32', data: Float32Array.from([1, -2, 3.5, 1e-8, -0, 65504, 0.1, 0.2, -0.3, 4, 5, 6]) },
    'bn.running_var': { shape: [300], dtype: 'float32', data: Float32Array.from({ length: 300 }, (_, i) => 1 + i / 7) },
    'bn.num_batches_tracked': { shape: [], dtype: 'int64', data: BigInt64Array.from([123456789012n]) },
    scale: { shape: [], dtype: 'float32', data: Float32Array.from([0.5]) },
    empty: { shape: [0, 4], dtype: 'float32', data: new Float32Array(0) },
    'ids.int32': { shape: [3], dtype: 'int32', data: Int32Array.from([-1, 0, 2147483647]) },
    'mask.uint8': { shape: [2, 2], dtype: 'uint8', data: Uint8Array.from([0, 1, 254, 255]) },
  };
}

/** Value of every `num_batches_tracked` in the r3d_18 fixture (the formula leaves it out). */
export const BATCHES_TRACKED = 7n;

/** torchvision r3d_18's state dict (names and shapes as given, in order) with the formula values. */
export function r3d18StateDict(layout: ReadonlyArray<{ name: string; shape: number[] }>): Record<string, TensorEntry> {
  const out: Record<string, TensorEntry> = {};
  for (const { name, shape } of layout) {
    const data = formulaTensor(name, shape);
    out[name] = data ? { shape: shape.slice(), dtype: 'float32', data } : { shape: shape.slice(), dtype: 'int64', data: BigInt64Array.from([BATCHES_TRACKED]) };
  }
  return out;
}
