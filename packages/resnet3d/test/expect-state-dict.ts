// Bit-exact comparison of two state dicts, shared by the weight writers' tests.
import { expect } from 'vitest';
import type { StateDict, TensorEntry } from '@byolmed3d/resnet3d';

/** The bytes of a tensor entry's data, without copying. */
export function bytesOf(e: TensorEntry): Buffer {
  return Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
}

/** Same names in the same order, shapes, dtypes and bytes. */
export function expectSame(got: StateDict, want: StateDict): void {
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const [k, w] of Object.entries(want)) {
    const g = got[k] as TensorEntry;
    expect(g.shape, k).toEqual(w.shape);
    expect(g.dtype, k).toBe(w.dtype);
    expect(Buffer.compare(bytesOf(g), bytesOf(w)), k).toBe(0);
  }
}
