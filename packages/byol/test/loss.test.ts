import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks, maxAbsDiff, useBackend } from '@byolmed3d/test-utils';
import { ByolMed3dError } from '@byolmed3d/util';
import { byolLoss, l2Normalize, ntXentLoss, simSiamLoss, stopGradient, symmetricByolLoss, ByolError } from '@byolmed3d/byol';

interface Reference {
  byol: { pA: number[][]; zB: number[][]; pB: number[][]; zA: number[][]; loss: number; rowsAB: number[] };
  simsiam: { loss: number };
  ntxent: { zA: number[][]; zB: number[][]; temperature: number; loss: number };
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8')) as Reference;

describe('byolLoss', () => {
  it('equals 2 - 2 cos, computed by hand', async () => {
    await useBackend();
    await expectNoLeaks(async () => {
      // cos([1,0],[0,2]) = 0 -> 2; cos([3,4],[3,4]) = 1 -> 0; cos([1,1],[-2,-2]) = -1 -> 4; cos([1,0],[1,1]) = 1/sqrt2.
      const p = tf.tensor2d([[1, 0], [3, 4], [1, 1], [1, 0]]);
      const z = tf.tensor2d([[0, 2], [3, 4], [-2, -2], [1, 1]]);
      const l = byolLoss(p, z);
      const v = Array.from(await l.data());
      expect(v[0]).toBeCloseTo(2, 6);
      expect(v[1]).toBeCloseTo(0, 6);
      expect(v[2]).toBeCloseTo(4, 6);
      expect(v[3]).toBeCloseTo(2 - Math.SQRT2, 6);
      tf.dispose([p, z, l]);
    });
  });

  it('symmetric loss sums both directions and averages over the batch (hand value)', async () => {
    await useBackend();
    await expectNoLeaks(async () => {
      // A->B rows: [2, 0], B->A rows: [0, 4]: mean of [2 + 0, 0 + 4] = 3.
      const pA = tf.tensor2d([[1, 0], [1, 1]]);
      const zB = tf.tensor2d([[0, 5], [2, 2]]);
      const pB = tf.tensor2d([[3, 0], [1, 2]]);
      const zA = tf.tensor2d([[7, 0], [-1, -2]]);
      const l = symmetricByolLoss(pA, zB, pB, zA);
      expect(l.rank).toBe(0);
      expect((await l.data())[0]).toBeCloseTo(3, 6);
      tf.dispose([pA, zB, pB, zA, l]);
    });
  });

  it('matches PyTorch (F.normalize, both directions) on random values', async () => {
    await useBackend();
    await expectNoLeaks(async () => {
      const [pA, zB, pB, zA] = [ref.byol.pA, ref.byol.zB, ref.byol.pB, ref.byol.zA].map((a) => tf.tensor2d(a));
      const l = symmetricByolLoss(pA!, zB!, pB!, zA!);
      const rows = byolLoss(pA!, zB!);
      expect(Math.abs((await l.data())[0]! - ref.byol.loss)).toBeLessThan(1e-5);
      expect(maxAbsDiff(await rows.data(), ref.byol.rowsAB)).toBeLessThan(1e-5);
      const s = simSiamLoss(pA!, zB!, pB!, zA!);
      expect(Math.abs((await s.data())[0]! - ref.simsiam.loss)).toBeLessThan(1e-5);
      tf.dispose([pA!, zB!, pB!, zA!, l, rows, s]);
    });
  });

  it('rejects mismatched shapes', async () => {
    await useBackend();
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => byolLoss(a, b)).toThrow(ByolError);
    const e = new ByolError('byolLoss', 'shapes differ');
    expect(e).toBeInstanceOf(ByolMed3dError);
    expect([e.name, e.context, e.where, e.reason, e.message]).toEqual(['ByolError', 'byolLoss', 'byolLoss', 'shapes differ', 'byolLoss: shapes differ']);
    tf.dispose([a, b]);
  });
});

describe('l2Normalize', () => {
  it('normalises rows and keeps a zero row at zero with a finite gradient', async () => {
    await useBackend();
    await expectNoLeaks(async () => {
      const x = tf.tensor2d([[3, 4], [0, 0]]);
      const y = l2Normalize(x);
      expect(Array.from(await y.data())).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, 0]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(l2Normalize(t as tf.Tensor2D)))(x);
      expect(Array.from(await g.data()).every(Number.isFinite)).toBe(true);
      tf.dispose([x, y, g]);
    });
  });
});

describe('ntXentLoss', () => {
  it('equals a hand-computed value for N = 2', async () => {
    await useBackend();
    await expectNoLeaks(async () => {
      // Normalised rows: a0 = e1, a1 = e2, b0 = e1, b1 = -e2; T = 1.
      // Row a0: positive b0 (cos 1), others a1 (0), b1 (0): -log(e / (e + 2)).
      // Row a1: positive b1 (-1), others a0 (0), b0 (0): -log(e^-1 / (e^-1 + 2)).
      // Row b0 is like a0; row b1 like a1.
      const zA = tf.tensor2d([[2, 0], [0, 3]]);
      const zB = tf.tensor2d([[5, 0], [0, -1]]);
      const l = ntXentLoss(zA, zB, 1);
      const e = Math.E;
      const expected = (2 * -Math.log(e / (e + 2)) + 2 * -Math.log(1 / e / (1 / e + 2))) / 4;
      expect((await l.data())[0]).toBeCloseTo(expected, 5);
      tf.dispose([zA, zB, l]);
    });
  });

  it('matches PyTorch cross entropy over 2N - 1 candidates', async () => {
    await useBackend();
    await expectNoLeaks(async () => {
      const zA = tf.tensor2d(ref.ntxent.zA);
      const zB = tf.tensor2d(ref.ntxent.zB);
      const l = ntXentLoss(zA, zB, ref.ntxent.temperature);
      expect(Math.abs((await l.data())[0]! - ref.ntxent.loss)).toBeLessThan(1e-4);
      tf.dispose([zA, zB, l]);
    });
  });

  it('rejects a batch of one and a non-positive temperature', async () => {
    await useBackend();
    const a = tf.ones([1, 3]) as tf.Tensor2D;
    const b = tf.ones([2, 3]) as tf.Tensor2D;
    expect(() => ntXentLoss(a, a)).toThrow(/at least 2/);
    expect(() => ntXentLoss(b, b, 0)).toThrow(/temperature/);
    tf.dispose([a, b]);
  });
});

describe('stopGradient', () => {
  it('is the identity forward and blocks the gradient backward', async () => {
    await useBackend();
    await expectNoLeaks(async () => {
      const x = tf.tensor1d([1, -2, 3]);
      // d/dx sum(x * sg(x)) = sg(x) = x (not 2x).
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t, stopGradient(t))))(x);
      expect(Array.from(await g.data())).toEqual([1, -2, 3]);
      const y = stopGradient(x);
      expect(Array.from(await y.data())).toEqual([1, -2, 3]);
      tf.dispose([x, g, y]);
    });
  });
});
