import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@byolmed3d/test-utils';
import { registerOneDnnBackend } from '@byolmed3d/tfjs-onednn';
import { BufferPool } from '../src/buffer_pool.js';
import { outputPool } from '../src/cpu_data.js';
import { R3d18 } from '../bench/r3d18.js';
import { available, onednn, rand, setup } from './helpers.js';

const N = BufferPool.minElements;

/** Positions where two equally long arrays differ (bitwise-equal floats, NaN equal to NaN), or -1 for a length mismatch. */
function mismatches(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -1;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) n++;
  return n;
}

describe('BufferPool (reuse of kernel output arrays)', () => {
  it('hands a released array out again for the same length, and only then', () => {
    const pool = new BufferPool(1 << 30);
    const a = pool.alloc(N);
    pool.noteWrite(a);
    pool.release(a);
    expect(pool.idleBytes).toBe(N * 4);
    expect(pool.alloc(N + 1)).not.toBe(a);
    expect(pool.alloc(N)).toBe(a);
    expect(pool.idleBytes).toBe(0);
  });

  it('never reuses an array that was read out, aliased by another view, or written twice', () => {
    const pool = new BufferPool(1 << 30);
    const read = pool.alloc(N);
    pool.noteWrite(read);
    pool.noteRead(read);
    pool.release(read);
    const aliased = pool.alloc(N);
    pool.noteWrite(aliased);
    pool.noteWrite(aliased.subarray(8, 16));
    pool.release(aliased);
    const twice = pool.alloc(N);
    pool.noteWrite(twice);
    pool.noteWrite(twice);
    pool.release(twice);
    expect(pool.idleBytes).toBe(0);
    for (const a of [pool.alloc(N), pool.alloc(N), pool.alloc(N)]) expect([read, aliased, twice]).not.toContain(a);
  });

  it('ignores arrays it did not allocate, small arrays, double releases, and keeps to its byte cap', () => {
    const pool = new BufferPool(N * 4);
    const foreign = new Float32Array(N);
    pool.noteWrite(foreign);
    pool.release(foreign);
    const small = pool.alloc(8);
    pool.noteWrite(small);
    pool.release(small);
    expect(pool.idleBytes).toBe(0);
    const a = pool.alloc(N), b = pool.alloc(N);
    pool.noteWrite(a);
    pool.noteWrite(b);
    pool.release(a);
    pool.release(a);
    pool.release(b);
    expect(pool.idleBytes).toBe(N * 4);
    pool.clear();
    expect(pool.idleBytes).toBe(0);
  });
});

describe.skipIf(!available)('output reuse on the onednn backend (skipped when the addon is not built)', () => {
  beforeAll(async () => {
    await setup();
    tf.setBackend(onednn);
  });
  afterAll(async () => {
    await registerOneDnnBackend({ threads: 2, precision: 'fp32' });
    tf.setBackend('cpu');
  });

  it('values read with dataSync() or data() stay intact after dispose while later kernels run', async () => {
    await expectNoLeaks(async () => {
      const x = tf.tensor1d(rand(4 * N, 1));
      const y = tf.relu(x);
      const synced = y.dataSync() as Float32Array;
      const e = tf.exp(x);
      const asynced = (await e.data()) as Float32Array;
      const want = Float32Array.from(synced), wantAsync = Float32Array.from(asynced);
      tf.dispose([y, e]);
      for (let i = 0; i < 4; i++) tf.tidy(() => void tf.exp(tf.relu(tf.neg(x))));
      expect(mismatches(synced, want), 'dataSync values changed').toBe(0);
      expect(mismatches(asynced, wantAsync), 'data() values changed').toBe(0);
      tf.dispose(x);
    });
  });

  it('a whole training loop gives bit-identical results with reuse on and off, without leaks', async () => {
    const run = async (reuseBytes: number): Promise<Float32Array[]> => {
      await registerOneDnnBackend({ threads: 2, reuseBytes, precision: 'fp32' });
      const model = new R3d18(3, 'pool', undefined, 0.25);
      const opt = tf.train.momentum(0.05, 0.9);
      const x = tf.tensor5d(rand(2 * 2 * 32 * 32 * 3, 5), [2, 2, 32, 32, 3]);
      const losses: number[] = [];
      const step = (): void => {
        const loss = opt.minimize(() => tf.mean(tf.square(model.apply(x))) as tf.Scalar, true, model.trainableVariables);
        losses.push((loss as tf.Scalar).dataSync()[0] as number);
        if (loss) tf.dispose(loss);
      };
      step(); // creates the optimizer's slots
      await expectNoLeaks(() => {
        for (let i = 0; i < 3; i++) step();
      });
      if (reuseBytes > 0) expect(outputPool.idleBytes, 'arrays were recycled').toBeGreaterThan(0);
      const out = [Float32Array.from(losses), ...model.trainableVariables.map((v) => Float32Array.from(v.dataSync()))];
      tf.dispose([x]);
      opt.dispose();
      model.dispose();
      return out;
    };
    const off = await run(0);
    const on = await run(1 << 30);
    expect(on.length).toBe(off.length);
    for (let k = 0; k < on.length; k++) expect(mismatches(on[k] as Float32Array, off[k] as Float32Array), `tensor ${k}`).toBe(0);
  });
});
