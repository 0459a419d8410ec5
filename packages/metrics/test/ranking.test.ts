import { describe, expect, it } from 'vitest';
import { averagePrecision, MetricsError, prCurve, rocAuc, rocCurve } from '@byolmed3d/metrics';
import { expectArrayClose, fx } from './fixtures.js';

describe('rocAuc', () => {
  it('counts ties as one half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 15);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([true, false], [2, 1])).toBe(1);
  });

  for (const c of fx.cases) {
    it(`matches sklearn roc_auc_score on ${c.name} (with ties)`, () => {
      expect(rocAuc(c.labels, c.probs)).toBeCloseTo(c.auc, 12);
      expect(rocAuc(Uint8Array.from(c.labels), Float64Array.from(c.probs2))).toBeCloseTo(c.auc2, 12);
    });
  }

  it('agrees with a brute-force pair count on long inputs (radix-sort path)', () => {
    // > 4096 values, with negatives, -0/+0, infinities and many ties.
    const n = 6000;
    const y = new Uint8Array(n);
    const s = new Float64Array(n);
    let st = 12345;
    for (let i = 0; i < n; i++) {
      st = (Math.imul(st, 1103515245) + 12345) >>> 0;
      y[i] = st % 3 === 0 ? 1 : 0;
      s[i] = ((st >>> 8) % 41) - 20 + (y[i] as number) * 3;
    }
    s[0] = -0;
    s[1] = 0;
    s[2] = Number.MAX_VALUE;
    s[3] = -Number.MAX_VALUE;
    const pos: number[] = [];
    const neg: number[] = [];
    for (let i = 0; i < n; i++) (y[i] ? pos : neg).push(s[i] as number);
    let u = 0;
    for (const p of pos) for (const q of neg) u += p > q ? 1 : p === q ? 0.5 : 0;
    expect(rocAuc(y, s)).toBeCloseTo(u / (pos.length * neg.length), 13);
  });

  it('rejects invalid input with MetricsError, never NaN', () => {
    expect(() => rocAuc([0, 1, 1], [0.1, 0.2])).toThrow(MetricsError);
    expect(() => rocAuc([0, 1, 1], [0.1, 0.2])).toThrow(/differ in length \(3 vs 2\)/);
    expect(() => rocAuc([1, 1], [0.1, 0.2])).toThrow(/both classes/);
    expect(() => rocAuc([0, 1], [0.1, NaN])).toThrow(/scores\[1\] is NaN/);
    expect(() => rocAuc([], [])).toThrow(/empty/);
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/must be 0 or 1/);
    try {
      rocAuc([1, 1], [0.1, 0.2]);
    } catch (e) {
      expect(e).toBeInstanceOf(MetricsError);
      expect((e as MetricsError).reason).toBe('one-class');
      expect((e as MetricsError).fn).toBe('rocAuc');
    }
  });
});

describe('rocCurve / prCurve / averagePrecision', () => {
  for (const c of fx.cases) {
    it(`match sklearn roc_curve on ${c.name}`, () => {
      const r = rocCurve(c.labels, c.probs);
      expectArrayClose(r.fpr, c.roc.fpr);
      expectArrayClose(r.tpr, c.roc.tpr);
      expect(r.thresholds[0]).toBe(Infinity);
      expectArrayClose(r.thresholds.subarray(1), c.roc.thresholds);
      expect(r.auc).toBeCloseTo(c.auc, 12);
      const all = rocCurve(c.labels, c.probs, { dropIntermediate: false });
      expectArrayClose(all.fpr, c.rocAll.fpr);
      expectArrayClose(all.tpr, c.rocAll.tpr);
      expectArrayClose(all.thresholds.subarray(1), c.rocAll.thresholds);
    });

    it(`match sklearn precision_recall_curve and average_precision_score on ${c.name}`, () => {
      const p = prCurve(c.labels, c.probs);
      expectArrayClose(p.precision, c.pr.precision);
      expectArrayClose(p.recall, c.pr.recall);
      expectArrayClose(p.thresholds, c.pr.thresholds);
      expect(averagePrecision(c.labels, c.probs)).toBeCloseTo(c.ap, 12);
      expect(p.averagePrecision).toBeCloseTo(c.ap, 12);
    });
  }
});
