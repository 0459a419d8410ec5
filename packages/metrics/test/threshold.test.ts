import { describe, expect, it } from 'vitest';
import {
  confusionMatrix,
  evaluateBinary,
  logit,
  MetricsError,
  sigmoid,
  thresholdMetrics,
  youdenThreshold,
} from '@byolmed3d/metrics';
import { fx } from './fixtures.js';

const KEYS = ['tp', 'tn', 'fp', 'fn', 'n', 'prevalence', 'accuracy', 'sensitivity', 'specificity', 'ppv', 'npv', 'f1', 'kappa', 'balancedAccuracy'];

describe('thresholdMetrics', () => {
  for (const c of fx.cases) {
    it(`matches sklearn at 0.5 and 0.3 on ${c.name}`, () => {
      for (const [t, ref] of [
        [0.5, c.at05],
        [0.3, c.at03],
      ] as const) {
        const m = thresholdMetrics(c.labels, c.probs, { threshold: t }) as unknown as Record<string, number>;
        for (const k of KEYS) expect(m[k], `${k} at ${t}`).toBeCloseTo(ref[k] as number, 12);
        expect(m.youdenJ).toBeCloseTo((ref.sensitivity as number) + (ref.specificity as number) - 1, 12);
      }
    });

    it(`chooses sklearn's Youden threshold on ${c.name}`, () => {
      const yd = youdenThreshold(c.labels, c.probs);
      expect(yd.threshold).toBe(c.youden.threshold);
      expect(yd.j).toBeCloseTo(c.youden.j, 12);
      expect(yd.sensitivity).toBeCloseTo(c.youden.sensitivity, 12);
      expect(yd.specificity).toBeCloseTo(c.youden.specificity, 12);
      const m = thresholdMetrics(c.labels, c.probs, { threshold: yd.threshold });
      expect(m.youdenJ).toBeCloseTo(yd.j, 12);
    });
  }

  it('counts prob >= threshold as positive', () => {
    expect(confusionMatrix([1, 0, 1, 0], [0.5, 0.5, 0.49, 0.2])).toEqual({ tp: 1, tn: 1, fp: 1, fn: 1 });
  });

  it('rejects logits (the seed bug) and points to sigmoid', () => {
    const logits = [-2.3, 1.7, 0.2, 3.1];
    expect(() => thresholdMetrics([0, 1, 0, 1], logits)).toThrow(/sigmoid/);
    const m = thresholdMetrics([0, 1, 0, 1], sigmoid(logits));
    expect(m.accuracy).toBe(0.75);
    // Thresholding logits at 0.5 would have called 0.2 negative but 1.7 positive: same here,
    // but sigmoid(0.3) = 0.574 is positive while logit 0.3 < 0.5 is not.
    expect(thresholdMetrics([0, 1], sigmoid([-1, 0.3])).sensitivity).toBe(1);
    expect(thresholdMetrics([0, 1], [-1, 0.3], { requireProbabilities: false }).sensitivity).toBe(0);
  });

  it('gives zeroDivision for PPV when nothing is called positive', () => {
    const m = thresholdMetrics([0, 1, 1], [0.1, 0.2, 0.3], { threshold: 0.9 });
    expect(m.ppv).toBe(0);
    expect(m.f1).toBe(0);
    expect(thresholdMetrics([0, 1, 1], [0.1, 0.2, 0.3], { threshold: 0.9, zeroDivision: 1 }).ppv).toBe(1);
    expect(Number.isNaN(m.kappa)).toBe(false);
  });

  it('rejects invalid input', () => {
    expect(() => thresholdMetrics([1, 1], [0.2, 0.9])).toThrow(MetricsError);
    expect(() => thresholdMetrics([0, 1], [0.2])).toThrow(/length/);
    expect(() => thresholdMetrics([0, 1], [0.2, NaN])).toThrow(/NaN/);
    expect(() => confusionMatrix([0, 1], [0.2, 0.4], { threshold: NaN })).toThrow(/threshold/);
  });
});

describe('sigmoid / logit', () => {
  it('is stable and inverse', () => {
    const s = sigmoid([-1000, -30, 0, 2, 1000]);
    expect(s[0]).toBe(0);
    expect(s[2]).toBe(0.5);
    expect(s[4]).toBe(1);
    expect(s[3]).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
    expect(logit(sigmoid([-3, 0.5, 4]))[1]).toBeCloseTo(0.5, 12);
  });
});

describe('evaluateBinary', () => {
  it('chooses the threshold on the tuning split and applies it to the test split', () => {
    const tune = fx.cases[0]!;
    const test = fx.cases[2]!;
    const r = evaluateBinary(test.labels, test.probs, { tuning: { labels: tune.labels, probs: tune.probs } });
    expect(r.thresholdSource).toBe('youden');
    expect(r.threshold).toBe(tune.youden.threshold);
    expect(r.auc).toBeCloseTo(test.auc, 12);
    expect(r.averagePrecision).toBeCloseTo(test.ap, 12);
    const direct = thresholdMetrics(test.labels, test.probs, { threshold: tune.youden.threshold });
    expect(r.kappa).toBe(direct.kappa);
    const fixed = evaluateBinary(test.labels, test.probs);
    expect(fixed.thresholdSource).toBe('fixed');
    expect(fixed.accuracy).toBeCloseTo(test.at05.accuracy as number, 12);
  });
});
